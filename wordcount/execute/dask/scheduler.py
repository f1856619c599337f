"""Reaching a Dask scheduler (`--scheduler`, `--scheduler-file`): where it is, connecting within
the timeout whatever the other end does, and saying in our words why it cannot be used.

Imported only when a cluster is asked for, with execute/dask/backend.py: Dask is an optional extra.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
from dataclasses import dataclass

import dask
from distributed import Client

from wordcount.execute.backend import Unavailable


class ClusterError(Unavailable):
    """The cluster cannot be used (unreachable, no workers, workers without wordcount)."""


@dataclass(frozen=True, slots=True)
class Settings:
    """Where the cluster is and how to use it."""

    address: str | None = None
    scheduler_file: str | None = None
    connect_timeout: float = 10.0
    ship_bytes: bool = False  # the client reads the files and sends their bytes


def _address(settings: Settings) -> str:
    """The scheduler's address: given, or read from the scheduler file."""
    if settings.scheduler_file is None:
        return settings.address or ""
    try:
        with open(settings.scheduler_file, encoding="utf-8") as handle:
            address = json.load(handle)["address"]
    except (OSError, ValueError, KeyError, TypeError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else f"no scheduler address ({error})"
        raise ClusterError(f"cannot read the Dask scheduler file {settings.scheduler_file}: {reason}") from None
    if not isinstance(address, str):
        raise ClusterError(f"cannot read the Dask scheduler file {settings.scheduler_file}: no scheduler address")
    return address


def reach(settings: Settings) -> tuple[Client, str]:
    """Connect to the scheduler and wait for a worker, both within `connect_timeout`."""
    address = _address(settings)
    # The client's own log lines (retries, lost connections) are not for our users: what
    # matters is said once, in our words, on stderr.
    logging.getLogger("distributed").setLevel(logging.CRITICAL)
    timeout = settings.connect_timeout
    try:
        client = _client(address, max(timeout, 0.1))
    except (OSError, TimeoutError, ValueError) as error:
        raise ClusterError(f"cannot reach the Dask scheduler at {address}: {_reason(error, timeout)}") from None
    try:
        client.wait_for_workers(1, timeout=max(timeout, 0.1))
    except (OSError, TimeoutError):
        client.close(timeout=2)
        raise ClusterError(f"no Dask worker joined the scheduler at {address} within {timeout:g} s") from None
    return client, address


def _client(address: str, timeout: float) -> Client:
    """A client connected to `address` within `timeout` seconds, whatever the other end does.

    Client's own timeout does not cover a peer that accepts the connection and never answers
    the handshake, so the connection is made in a thread that is given up on at the deadline.
    """
    made: queue.SimpleQueue[Client | BaseException] = queue.SimpleQueue()

    def make() -> None:
        try:
            with dask.config.set({"distributed.comm.timeouts.connect": f"{timeout}s"}):
                made.put(Client(address, timeout=timeout, set_as_default=False, name="wordcount"))
        except BaseException as error:  # noqa: BLE001 - handed to the caller
            made.put(error)

    threading.Thread(target=make, name="wordcount-connect", daemon=True).start()
    try:
        outcome = made.get(timeout=timeout + 1)
    except queue.Empty:
        raise TimeoutError from None
    if isinstance(outcome, BaseException):
        raise outcome
    return outcome


def _reason(error: BaseException, timeout: float) -> str:
    text = str(error).strip()
    if isinstance(error, TimeoutError) or "Timed out" in text or not text:
        return f"no answer within {timeout:g} s"
    return text.splitlines()[0]
