"""The report: merging batches into a `Summary`, ranking, the exit code, the report's shape and
groups, one renderer per format family, and writing it (atomically with `-o`).

Owns everything after counting. Never counts: renderers are pure functions of the summary.
"""
