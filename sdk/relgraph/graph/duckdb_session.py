"""One in-process DuckDB database shared by the graph layer's vectorized string work.

Opening a DuckDB connection costs tens of milliseconds; a cursor on a shared one costs
microseconds, so hashing many small columns stays cheap. The database is per process: a forked
child (a data-loader worker) opens its own rather than use its parent's.
"""

import functools
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import duckdb

_lock = threading.Lock()


@functools.cache
def _database(pid: int) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(":memory:")


@contextmanager
def duckdb_cursor() -> Iterator[duckdb.DuckDBPyConnection]:
    """Yields a fresh cursor on this process's shared in-memory database, closed afterwards."""
    with _lock:
        cursor = _database(os.getpid()).cursor()
    try:
        yield cursor
    finally:
        cursor.close()
