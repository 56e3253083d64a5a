"""Reading row times: datetime columns as timestamps, and each table's own or inherited time.

The graph and task layers both ask "when did this row happen?"; this module is the one
answer, so that a model and its labels always agree on time.
"""

from collections.abc import Mapping

import pyarrow as pa
import pyarrow.compute as pc

from relgraph.schema.column import Column
from relgraph.schema.errors import SchemaError
from relgraph.schema.schema import Schema
from relgraph.schema.values import clean_strings

TIMESTAMP_TYPE = pa.timestamp("us")
_TIME_OF_DAY_FORMATS = ("%H:%M:%S", "%H:%M")


def to_timestamps(
    values: pa.Array | pa.ChunkedArray,
    column: Column,
    time_of_day: pa.Array | pa.ChunkedArray | None = None,
    *,
    table: str = "?",
) -> pa.ChunkedArray:
    """Reads a datetime column as microsecond timestamps (naive, UTC).

    Args:
        values: The column's values: timestamps, dates, or strings (ISO 8601, or in
            ``column.datetime_format``).
        column: The column, for its format and name.
        time_of_day: Values of the column named by ``column.time_of_day``, added to the dates;
            missing times count as midnight (default: ``None``).
        table: The table name, for error messages (default: ``"?"``).

    Returns:
        A ``timestamp[us]`` array; unparseable values are null only when a format is given.

    Raises:
        SchemaError: If the values cannot be read as datetimes.
    """
    where = f"{table}.{column.name}"
    values = _chunked(values)
    try:
        stamps = _parse(values, column.datetime_format)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        raise SchemaError(
            f"column {where}: values of type {values.type} are not datetimes ({exc})"
        ) from exc
    if time_of_day is not None:
        offsets = _time_of_day_micros(_chunked(time_of_day), where=f"{table}.{column.time_of_day}")
        stamps = pc.add(stamps.cast(pa.int64()), offsets).cast(TIMESTAMP_TYPE)
    return stamps


def row_times(schema: Schema, data: Mapping[str, pa.Table], table: str) -> pa.ChunkedArray | None:
    """Returns the time of every row of ``table``, its own or inherited from a parent.

    Args:
        schema: The schema that says where each table's time comes from.
        data: Arrow tables by name; must hold ``table`` and every parent its time comes from.
        table: The table whose row times are wanted.

    Returns:
        A ``timestamp[us]`` array aligned with the rows of ``table`` (null where a row's parent
        is missing or has no time), or ``None`` for a static table.

    Raises:
        SchemaError: If the time cannot be resolved or read.
    """
    spec = schema.table(table)
    if spec.time_column is not None:
        column = spec.column(spec.time_column)
        arrow = data[table]
        tod = arrow[column.time_of_day] if column.time_of_day is not None else None
        return to_timestamps(arrow[column.name], column, tod, table=table)
    if spec.inherit_time_from is None:
        return None
    fk = spec.foreign_key(spec.inherit_time_from)
    parent_times = row_times(schema, data, fk.table)
    if parent_times is None:
        raise SchemaError(f"table '{table}' inherits time from '{fk.table}', which has no time")
    parent_keys = _storage(data[fk.table][fk.target_column])
    child_keys = _storage(data[table][fk.column])
    if child_keys.type != parent_keys.type:
        try:
            child_keys = child_keys.cast(parent_keys.type)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
            raise SchemaError(
                f"table '{table}' inherits time through {table}.{fk.column} ({child_keys.type}), "
                f"which cannot be matched to {fk.link_to} ({parent_keys.type})"
            ) from exc
    positions = pc.index_in(child_keys, value_set=parent_keys.combine_chunks())
    return _chunked(pc.take(parent_times, positions))


def _parse(values: pa.ChunkedArray, fmt: str | None) -> pa.ChunkedArray:
    kind = values.type
    if pa.types.is_timestamp(kind):
        if kind.tz is not None:
            values = values.cast(pa.timestamp(kind.unit, tz="UTC")).cast(pa.timestamp(kind.unit))
        return values.cast(TIMESTAMP_TYPE)
    if pa.types.is_date(kind):
        return values.cast(TIMESTAMP_TYPE)
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        values = clean_strings(values)  # as inference read them: trimmed, markers are nulls
        if fmt is None:
            return values.cast(TIMESTAMP_TYPE)
        return pc.strptime(values, format=fmt, unit="us", error_is_null=True)
    raise pa.ArrowInvalid(f"no datetime reading for {kind}")


def _time_of_day_micros(values: pa.ChunkedArray, *, where: str) -> pa.ChunkedArray:
    kind = values.type
    if pa.types.is_time(kind):
        raw = values.cast(pa.int32() if kind.bit_width == 32 else pa.int64()).cast(pa.int64())
        if kind.unit == "ns":
            micros = pc.divide(raw, 1_000)  # integer division: sub-microsecond parts dropped
        else:
            micros = pc.multiply(raw, {"s": 1_000_000, "ms": 1_000, "us": 1}[kind.unit])
    elif pa.types.is_string(kind) or pa.types.is_large_string(kind):
        dated = pc.binary_join_element_wise("1970-01-01 ", clean_strings(values), "")
        parsed = [
            pc.strptime(dated, format=f"%Y-%m-%d {fmt}", unit="us", error_is_null=True)
            for fmt in _TIME_OF_DAY_FORMATS
        ]
        micros = pc.coalesce(*parsed).cast(pa.int64())
    else:
        raise SchemaError(f"column {where}: values of type {kind} are not times of day")
    return _chunked(pc.fill_null(micros, 0))


def _storage(values: pa.ChunkedArray) -> pa.ChunkedArray:
    """Extension-typed keys (UUIDs, say) are matched by their storage values."""
    if isinstance(values.type, pa.BaseExtensionType):
        return pa.chunked_array([c.storage for c in values.chunks], values.type.storage_type)
    return values


def _chunked(values: pa.Array | pa.ChunkedArray) -> pa.ChunkedArray:
    return values if isinstance(values, pa.ChunkedArray) else pa.chunked_array([values])
