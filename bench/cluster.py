"""A Dask LocalCluster for the benchmark: two worker processes of one thread, on the loopback.

    python bench/cluster.py SCHEDULER_FILE

It writes the scheduler's address to SCHEDULER_FILE (as `dask scheduler --scheduler-file`
does) once the workers are up, and runs until it is sent SIGTERM or SIGINT. The scheduler and
the workers import this checkout's wordcount, as every machine of a real cluster must.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main() -> None:
    sys.path.insert(0, REPO)  # spawned workers inherit the path
    from distributed import LocalCluster

    path = sys.argv[1]
    stop = threading.Event()
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster:
        cluster.wait_for_workers(2, timeout=60)
        with open(path + ".tmp", "w", encoding="utf-8") as handle:
            json.dump({"address": cluster.scheduler_address}, handle)
        os.replace(path + ".tmp", path)
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
        while not stop.wait(1):
            pass


if __name__ == "__main__":
    main()
