"""Node times: every row's own or inherited time as ``int64`` seconds since the epoch.

Row times are resolved by :func:`relgraph.schema.row_times` (the one answer to "when did this
row happen?" shared with the task layer); this module only turns them into the integer seconds
the graph stores, with :data:`~relgraph.graph.store.NEVER` for rows whose time is unknown.
"""

import datetime as dt
from collections.abc import Mapping

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from relgraph.graph.store import NEVER
from relgraph.schema import Schema, row_times

_MICROS_PER_SECOND = 1_000_000

TimeLike = dt.datetime | dt.date | np.datetime64 | str | int
"""A point in time: a datetime (naive means UTC), a date (midnight), a NumPy datetime64, an ISO
8601 string, or ``int`` seconds since the epoch."""


def node_time(schema: Schema, tables: Mapping[str, pa.Table], table: str) -> np.ndarray | None:
    """Returns the time of every row of ``table`` in seconds since the epoch.

    Args:
        schema: The schema that says where the table's time comes from (its own column, or a
            parent's through a foreign key).
        tables: Arrow tables by name; must hold ``table`` and the tables its time comes from.
        table: The table name.

    Returns:
        ``int64[num_rows]`` seconds (floored, so times before 1970 stay ordered), with
        :data:`NEVER` where a row's time is null or its time parent is missing; ``None`` for a
        static table.

    Raises:
        SchemaError: If the time cannot be resolved or read.
    """
    times = row_times(schema, tables, table)
    if times is None:
        return None
    return timestamps_to_seconds(times)


def timestamps_to_seconds(times: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """Converts ``timestamp[us]`` values to ``int64`` seconds, :data:`NEVER` for nulls.

    Args:
        times: Microsecond timestamps (naive, UTC).

    Returns:
        ``int64[len(times)]`` seconds since the epoch, floored.
    """
    if isinstance(times, pa.ChunkedArray):
        times = times.combine_chunks() if times.num_chunks else pa.array([], times.type)
    micros = pc.fill_null(times.cast(pa.int64()), 0).to_numpy(zero_copy_only=False)
    seconds = np.floor_divide(micros, _MICROS_PER_SECOND)
    if times.null_count:
        seconds[~times.is_valid().to_numpy(zero_copy_only=False)] = NEVER
    return seconds.astype(np.int64, copy=False)


def to_epoch_seconds(value: TimeLike, *, name: str = "time") -> int:
    """Reads a point in time as ``int`` seconds since the epoch (UTC).

    Args:
        value: A datetime (naive is read as UTC), a date (midnight), a NumPy datetime64, an ISO
            8601 string, or ``int`` seconds.
        name: What the value is, for error messages (default: ``"time"``).

    Returns:
        Seconds since 1970-01-01T00:00:00 UTC, floored.

    Raises:
        ValueError: If the value cannot be read as a point in time.
    """
    if isinstance(value, bool):
        raise ValueError(f"{name}: expected a datetime, date, ISO string or int, found {value!r}")
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(f"{name}: {value!r} is not an ISO 8601 date or datetime") from None
    if isinstance(value, np.datetime64):
        if np.isnat(value):
            raise ValueError(f"{name}: NaT is not a point in time")
        return int(value.astype("datetime64[s]").astype(np.int64))
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        delta = value - dt.datetime(1970, 1, 1)
        return delta.days * 86_400 + delta.seconds
    if isinstance(value, dt.date):
        return (value - dt.date(1970, 1, 1)).days * 86_400
    raise ValueError(
        f"{name}: expected a datetime, date, ISO string or int seconds, found "
        f"{type(value).__name__} {value!r}"
    )


def seconds_to_iso(seconds: int) -> str:
    """Formats ``int`` seconds since the epoch as an ISO 8601 UTC datetime (no zone suffix)."""
    return (dt.datetime(1970, 1, 1) + dt.timedelta(seconds=int(seconds))).isoformat()
