"""Opening a source by URI, and reading a set of its tables and queries in one call."""

import os
from collections import Counter
from collections.abc import Mapping, Sequence

import pyarrow as pa

from relgraph.io.errors import SourceError
from relgraph.io.files import FileSource
from relgraph.io.source import Source
from relgraph.io.sql import SqlSource
from relgraph.io.uri import is_sql_url


def open_source(uri: str | os.PathLike[str]) -> Source:
    """Opens the tables at ``uri``.

    Args:
        uri: A SQLAlchemy URL (``sqlite:///path.db``, ``postgresql://user:pw@host/db``,
            ``postgresql+psycopg2://...``), ``s3://bucket/prefix`` (settings from the
            environment, see :mod:`relgraph.io.filesystem`), ``file://`` URI, or a local folder
            (or single file) of CSV and parquet files.

    Returns:
        A :class:`SqlSource` or :class:`FileSource`.

    Raises:
        SourceError: If the location does not exist, holds no tables, or is not supported.
    """
    if is_sql_url(uri):
        return SqlSource(os.fspath(uri))
    try:
        return FileSource(uri)
    except ValueError as error:
        if isinstance(error, SourceError):
            raise
        raise SourceError(str(error)) from error


def read_tables(
    uri: str | os.PathLike[str] | Source,
    tables: Sequence[str] | None = None,
    queries: Mapping[str, str] | None = None,
) -> dict[str, pa.Table]:
    """Reads tables and query results from a source.

    Args:
        uri: A location for :func:`open_source`, or a source already open.
        tables: The tables to read (default: ``None``, all of them; ``[]`` for none, to read
            only ``queries``).
        queries: Result name -> SQL query, for SQL databases (default: ``None``, no queries).

    Returns:
        Name -> table, tables first in the order asked (or sorted), then query results.

    Raises:
        SourceError: If a table is unknown or unreadable, a query fails, a name is given twice,
            or nothing is asked for.
    """
    source = uri if isinstance(uri, Source) else open_source(uri)
    queries = dict(queries or {})
    names = source.list_tables() if tables is None else list(tables)
    counts = Counter([*names, *queries])
    repeated = sorted(name for name, count in counts.items() if count > 1)
    if repeated:
        raise SourceError(f"names asked for twice (as tables or queries): {repeated}")
    if not names and not queries:
        raise SourceError(f"nothing to read from {source.display_uri}: no tables and no queries")
    source.check_tables(names)  # every name, before the first (possibly long) read
    result = {name: source.read_table(name) for name in names}
    result.update({name: source.read_query(sql, name=name) for name, sql in queries.items()})
    return result
