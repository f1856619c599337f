"""wordcount: count lines, words, characters, bytes and word frequencies across trees of files."""

__version__ = "0.1.0"
