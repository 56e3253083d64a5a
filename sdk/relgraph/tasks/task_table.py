"""Task tables: one Arrow table per split, with entity ids, anchor times and targets.

A task table has the entity column (named like the entity table's primary key), optionally a
time column (``anchor_time`` in generated tables, ``timestamp[us]``) and the target column
(``label`` in generated node tasks, a list of target ids in link tasks). Written to parquet,
it carries its description in the file's metadata, so a loaded table says what it is.
"""

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from relgraph.io.atomic import atomic_write_bytes
from relgraph.schema import TIMESTAMP_TYPE, Column, ColumnDType, SchemaError, to_timestamps
from relgraph.tasks.errors import TaskError

ANCHOR_TIME = "anchor_time"
"""The time column of generated task tables."""

LABEL = "label"
"""The target column of generated node-task tables."""

METADATA_KEY = b"relgraph.task"
"""The Arrow schema metadata key under which a task table describes itself (JSON)."""


def with_description(table: pa.Table, description: Mapping[str, Any]) -> pa.Table:
    """Returns ``table`` with ``description`` (JSON-serializable) in its schema metadata."""
    metadata = dict(table.schema.metadata or {})
    metadata[METADATA_KEY] = json.dumps(dict(description), sort_keys=True).encode()
    return table.replace_schema_metadata(metadata)


def description(table: pa.Table) -> dict[str, Any] | None:
    """The description a task table carries, or ``None``."""
    raw = (table.schema.metadata or {}).get(METADATA_KEY)
    return None if raw is None else json.loads(raw)


def write_task_table(table: pa.Table, path: str | os.PathLike[str]) -> Path:
    """Writes a task table as parquet, atomically (metadata included).

    Returns:
        The path written.
    """
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink)
    return atomic_write_bytes(path, sink.getvalue().to_pybytes())


def normalize_time_column(table: pa.Table, column: str, *, where: str) -> pa.Table:
    """Returns ``table`` with ``column`` read as ``timestamp[us]`` (naive, UTC).

    Timestamps (any unit or zone), dates and ISO 8601 strings are accepted.

    Raises:
        TaskError: If the column is missing or its values are not times.
    """
    if column not in table.column_names:
        raise TaskError(
            f"{where}: time column '{column}' is not in the table (columns: {table.column_names})"
        )
    values = table[column]
    if values.type == TIMESTAMP_TYPE:
        return table
    try:
        stamps = to_timestamps(values, Column(column, ColumnDType.DATETIME), table=where)
    except SchemaError as exc:
        raise TaskError(f"{where}: time column '{column}' does not hold times ({exc})") from exc
    return table.set_column(table.column_names.index(column), column, stamps)
