"""Running the counting somewhere: the `Backend` protocol, planning (batches, pieces of large
files, their assembly, retries), the local pool (`local/`) and the Dask cluster (`dask/`).

Owns where and when work runs and what happens when a worker dies. Never aggregates the
results nor prints them: it yields `BatchResult`s to the pipeline.
"""
