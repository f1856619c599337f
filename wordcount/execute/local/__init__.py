"""The local backend: a `multiprocessing.Pool` fed through `imap_unordered`, its workers' state
set once by the initializer, and the shared board of live counters."""
