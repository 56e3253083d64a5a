"""Running a compiled predictive query over data: anchors, data cuts, one query per split."""

import logging
import time
from collections.abc import Mapping

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from relgraph.schema import Schema, row_times, to_timestamps
from relgraph.tasks.duration import Duration
from relgraph.tasks.errors import TaskError
from relgraph.tasks.pquery.compiler import (
    ANCHORS_RELATION,
    FIRST,
    LAST,
    ROW,
    TIME,
    CompiledQuery,
    TableUse,
)
from relgraph.tasks.pquery.resolve import ResolvedQuery
from relgraph.tasks.split import SPLITS, RandomSplit, SplitPlan, TemporalSplit
from relgraph.tasks.task_table import ANCHOR_TIME, with_description

_logger = logging.getLogger(__name__)


def data_time_range(
    schema: Schema, data: Mapping[str, pa.Table], *, upto: np.datetime64 | None = None
) -> tuple[np.datetime64, np.datetime64]:
    """The earliest and latest row time over the tables of ``data`` that have a time.

    Tables that inherit their time are skipped: their times are among their parents'.

    Args:
        schema: Says which tables have a time.
        data: The tables.
        upto: Only rows at or before this time count (default: ``None``, all rows).

    Raises:
        TaskError: If no table has a row with a time.
    """
    lows, highs = [], []
    for table in schema.tables:
        if table.time_column is None or table.name not in data:
            continue
        times = row_times(schema, data, table.name)
        if upto is not None:
            times = times.filter(pc.less_equal(times, pa.scalar(upto, type=times.type)))
        bounds = pc.min_max(times).as_py()
        if bounds["min"] is not None:
            lows.append(np.datetime64(bounds["min"], "us"))
            highs.append(np.datetime64(bounds["max"], "us"))
    if not lows:
        raise TaskError(
            "no table has rows with a time, so there is nothing to anchor a temporal split on"
        )
    return min(lows), max(highs)


def run_query(
    resolved: ResolvedQuery,
    compiled: CompiledQuery,
    schema: Schema,
    data: Mapping[str, pa.Table],
    split: SplitPlan,
    *,
    connection: duckdb.DuckDBPyConnection | None = None,
) -> dict[str, pa.Table]:
    """Builds the train, validation and test task tables of a compiled query.

    Args:
        resolved: The bound query.
        compiled: Its compiled form.
        schema: The schema.
        data: The tables by name (every table the query reads).
        split: A :class:`TemporalSplit` for a temporal target, a :class:`RandomSplit` for a
            static one.
        connection: A DuckDB connection to run on, e.g. one with a ``memory_limit`` and
            ``temp_directory`` set so that large joins spill to disk (default: ``None``, a new
            in-memory connection).

    Returns:
        ``{"train": ..., "validation": ..., "test": ...}``.

    Raises:
        TaskError: If a table or column is missing from the data, the split plan does not fit
            the query, or a split has no anchor.
    """
    _check_tables(compiled, data)
    con = connection if connection is not None else duckdb.connect()
    base = {
        "query": resolved.text,
        "entity_table": resolved.entity_table,
        "entity_column": compiled.entity_column,
        "target_column": compiled.label_column,
        "task_type": resolved.task_type.value,
    }
    if not compiled.temporal:
        if not isinstance(split, RandomSplit):
            raise TaskError(
                "the query's target is a static column, so its examples have no time: "
                "split them with RandomSplit, not a temporal split"
            )
        tables = {use.relation: _prepare(use, schema, data, None) for use in compiled.tables}
        result = _execute(con, compiled, tables, None)
        parts = split.split(result, compiled.entity_column)
        return {
            name: with_description(part, {**base, "split": name, "time_column": None})
            for name, part in parts.items()
        }
    if not isinstance(split, TemporalSplit):
        raise TaskError(
            "the query's target aggregates a time window, so its examples have anchor times: "
            "split them with TemporalSplit, not a random split"
        )
    step = resolved.window_length
    earliest, _ = data_time_range(schema, data, upto=split.test_time)
    _, latest = data_time_range(schema, data)
    cut_tables = {
        use.relation: _prepare(use, schema, data, split.test_time) for use in compiled.tables
    }
    full_tables = {use.relation: _prepare(use, schema, data, None) for use in compiled.tables}
    out: dict[str, pa.Table] = {}
    for name in SPLITS:
        anchors = split.anchors(name, earliest=earliest, latest=latest, step=step)
        tables = full_tables if split.data_cutoff(name) is None else cut_tables
        started = time.perf_counter()
        result = _execute(con, compiled, tables, anchors)
        _logger.info(
            "%s: %d rows over %d anchors (%s to %s) in %.2f s",
            name,
            result.num_rows,
            len(anchors),
            anchors[0],
            anchors[-1],
            time.perf_counter() - started,
        )
        out[name] = with_description(result, {**base, "split": name, "time_column": ANCHOR_TIME})
    return out


def run_at_anchors(
    resolved: ResolvedQuery,
    compiled: CompiledQuery,
    schema: Schema,
    data: Mapping[str, pa.Table],
    anchors: np.ndarray,
    *,
    cutoff: np.datetime64 | None = None,
    connection: duckdb.DuckDBPyConnection | None = None,
) -> pa.Table:
    """The examples of a temporal query at the given anchor times.

    Args:
        resolved: The bound query.
        compiled: Its compiled form.
        schema: The schema.
        data: The tables by name.
        anchors: The anchor times (``datetime64`` values).
        cutoff: Leave out rows with a time after this (default: ``None``, all rows).
        connection: A DuckDB connection to run on (default: ``None``, a new one).

    Raises:
        TaskError: If the query is static, no anchor is given, or a table or column is
            missing from the data.
    """
    if not compiled.temporal:
        raise TaskError("the query's target is a static column; it has no anchor times")
    anchors = np.unique(np.asarray(anchors, dtype="datetime64[us]"))
    if len(anchors) == 0:
        raise TaskError("no anchor time given")
    _check_tables(compiled, data)
    tables = {use.relation: _prepare(use, schema, data, cutoff) for use in compiled.tables}
    con = connection if connection is not None else duckdb.connect()
    return _execute(con, compiled, tables, anchors)


def _check_tables(compiled: CompiledQuery, data: Mapping[str, pa.Table]) -> None:
    missing = [use.table for use in compiled.tables if use.table not in data]
    if missing:
        raise TaskError(
            f"the query reads tables {missing}, which are not in the data (data has: {sorted(data)})"
        )


def _prepare(
    use: TableUse, schema: Schema, data: Mapping[str, pa.Table], cutoff: np.datetime64 | None
) -> pa.Table:
    """The columns of one table the query reads, with row times and positions, cut at
    ``cutoff`` when given."""
    arrow = data[use.table]
    spec = schema.table(use.table)
    absent = [c for c in use.columns if c not in arrow.column_names]
    if absent:
        raise TaskError(
            f"table '{use.table}': columns {absent} are not in the data "
            f"(data has: {arrow.column_names})"
        )
    columns: dict[str, pa.ChunkedArray | pa.Array] = {c: arrow[c] for c in use.columns}
    for name in use.datetime_columns:
        column = spec.column(name)
        tod = arrow[column.time_of_day] if column.time_of_day in arrow.column_names else None
        columns[name] = to_timestamps(arrow[name], column, tod, table=use.table)
    times = row_times(schema, data, use.table)
    if times is not None:
        columns[TIME] = times
    if use.row_numbers:
        columns[ROW] = pa.array(np.arange(arrow.num_rows, dtype=np.int64))
    table = pa.table(columns)
    if cutoff is not None and times is not None:
        table = table.filter(pc.less_equal(table[TIME], pa.scalar(cutoff, type=table[TIME].type)))
    return table


def _anchor_table(anchors: np.ndarray) -> pa.Table:
    return pa.table(
        {
            "__i": pa.array(np.arange(len(anchors), dtype=np.int64)),
            ANCHOR_TIME: pa.array(anchors, type=pa.timestamp("us")),
        }
    )


def _with_anchor_ranges(
    tables: Mapping[str, pa.Table], compiled: CompiledQuery, anchors: np.ndarray
) -> dict[str, pa.Table]:
    """Adds to each registered table, per window it is aggregated over, the first and last
    anchor whose window ``(anchor + start, anchor + end]`` holds the row.

    ``anchors`` are sorted, and shifting by a duration keeps order, so the window starts and
    ends are sorted too: the anchors whose window ends at or after a row's time are a suffix,
    those whose window starts before it a prefix, and binary search finds both.
    """
    out = dict(tables)
    for use in compiled.tables:
        if not use.windows:
            continue
        table = tables[use.relation]
        times = pc.fill_null(table[TIME].cast(pa.int64()), np.iinfo(np.int64).max).to_numpy()
        missing = table[TIME].is_null().to_numpy(zero_copy_only=False)
        for w in use.windows:
            window = compiled.windows[w]
            starts = Duration(window.start, window.unit).add_to(anchors).astype(np.int64)
            ends = Duration(window.end, window.unit).add_to(anchors).astype(np.int64)
            first = np.searchsorted(ends, times, side="left")
            last = np.searchsorted(starts, times, side="left") - 1
            last[missing] = -1
            table = table.append_column(f"{FIRST}{w}", pa.array(first, pa.int64()))
            table = table.append_column(f"{LAST}{w}", pa.array(last, pa.int64()))
        out[use.relation] = table
    return out


def _execute(
    con: duckdb.DuckDBPyConnection,
    compiled: CompiledQuery,
    tables: Mapping[str, pa.Table],
    anchors: np.ndarray | None,
) -> pa.Table:
    registered = dict(tables)
    if anchors is not None:
        registered = _with_anchor_ranges(registered, compiled, anchors)
        registered[ANCHORS_RELATION] = _anchor_table(anchors)
    try:
        for name, table in registered.items():
            con.register(name, table)
        result = con.sql(compiled.sql, params=list(compiled.params)).to_arrow_table()
    finally:
        for name in registered:
            con.unregister(name)
    return result.replace_schema_metadata(None)
