"""Bytes → text: byte order marks, declared charsets, UTF-8 with a few bad bytes, detection,
transcoding, decompression, where a file may be cut, and marked-up files → prose with a map
back to the source.

Owns a file's encoding verdict and its text. Never knows what a word is.
"""
