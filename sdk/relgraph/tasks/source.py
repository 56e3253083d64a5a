"""Reading a task data source: an Arrow table, a parquet/CSV file or folder, an ``s3://``
object or prefix, or a table of a SQL database."""

import os

import pandas as pd
import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from relgraph.io import (
    SourceError,
    filesystem_for,
    is_sql_url,
    normalize_table,
    read_tables,
    redact_uri,
)
from relgraph.tasks.errors import TaskError

TaskDataSource = pa.Table | pd.DataFrame | str | os.PathLike
"""Where a split's task table comes from.

* an in-memory ``pyarrow.Table`` (or ``pandas.DataFrame``);
* a parquet or CSV file, local or ``s3://bucket/key.parquet``;
* a folder of parquet files holding one table (a parquet dataset), local or ``s3://``;
* ``<location>#<table>``: table ``<table>`` of a source that holds several, e.g.
  ``sqlite:///tasks.db#train``, ``postgresql://user@host/db#driver_dnf_train``, or
  ``s3://bucket/tasks/#train`` (the file ``train.parquet`` or ``train.csv`` there).
"""


def describe_source(source: TaskDataSource) -> str:
    """How messages and saved tasks name a source (passwords hidden)."""
    if isinstance(source, pa.Table | pd.DataFrame):
        return f"<in-memory table of {len(source)} rows>"
    return redact_uri(os.fspath(source))


def read_task_source(source: TaskDataSource, *, where: str) -> pa.Table:
    """Reads one split's task table.

    Args:
        source: See :data:`TaskDataSource`.
        where: What the table is (task and split), for error messages.

    Returns:
        The table (in-memory tables as given; read tables normalized to plain Arrow types).

    Raises:
        TaskError: If the source cannot be read, naming the (redacted) location.
    """
    if isinstance(source, pa.Table):
        return source
    if isinstance(source, pd.DataFrame):
        return pa.Table.from_pandas(source, preserve_index=False)
    if not isinstance(source, str | os.PathLike):
        raise TaskError(
            f"{where}: a task data source is a table, a path or a URI, "
            f"found {type(source).__name__}"
        )
    text = os.fspath(source)
    location, hash_sign, table = text.rpartition("#") if "#" in text else (text, "", "")
    shown = redact_uri(text)
    try:
        if hash_sign:
            if not table:
                raise TaskError(f"{where}: {shown!r} names no table after '#'")
            return read_tables(location, tables=[table])[table]
        if is_sql_url(text):
            raise TaskError(
                f"{where}: {shown!r} is a database; name the table after '#', "
                "e.g. sqlite:///tasks.db#train"
            )
        return _read_location(text, where=where)
    except (SourceError, OSError, ValueError) as exc:
        if isinstance(exc, TaskError):
            raise
        raise TaskError(f"{where}: cannot read task table from {shown!r}: {exc}") from exc


def _read_location(uri: str, *, where: str) -> pa.Table:
    filesystem, path = filesystem_for(uri)
    info = filesystem.get_file_info(path)
    if info.type is pafs.FileType.NotFound:
        raise TaskError(f"{where}: {redact_uri(uri)!r} does not exist")
    if info.type is pafs.FileType.Directory:
        # A folder is one table split over parquet files (as Spark or DuckDB write them);
        # relgraph.io would read each file as its own table.
        table = pq.read_table(path, filesystem=filesystem)
        return normalize_table(table, name=os.path.basename(path), where=where)
    (only,) = read_tables(uri).values()
    return only
