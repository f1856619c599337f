"""The Dask backend (`--scheduler`): reaching the scheduler, submitting tasks, and the tasks that
run on Dask workers. Imported only when a cluster is asked for: Dask is an optional extra."""
