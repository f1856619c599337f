"""Which files take part: walking the paths given, ignore rules as git reads them, what git
tracks, `--glob`/`--type` filters, lists of names (`--files0-from`), standard input.

Owns each file's verdict (counted, or left out and why). Never reads a file's contents.
"""
