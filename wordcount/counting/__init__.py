"""Lines, words, characters and word frequencies: what a word is (`tally`), the readers that feed
it, frequency tables and their compact bytes, per-file and per-batch results, and the compiled
core (`_core`, with its pure-Python twin).

Owns what a worker computes for a file or a piece of one. Never schedules: it is handed files.
Workers import it, so it stays free of Typer, tqdm, Dask and sqlite3.
"""
