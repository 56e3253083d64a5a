"""The pipeline's snapshot step: a source's content hash, and its snapshot into a given folder.

A pipeline reads its source in two steps so that its cache is keyed by the data itself. The
first step, never cached, reads every table and returns the content hash a snapshot of them
would record (:func:`source_content_hash`). The second, cached on that hash, writes the
snapshot into the folder the pipeline gives it (:func:`snapshot_into`). Unchanged data hits
the cache (and so does every step after it, which see the same snapshot artifact); changed
data gets a new hash, a new snapshot and fresh downstream steps, never a stale one.

Both take the table list and SQL queries either as Python values or in the text form a
pipeline parameter holds: tables comma-separated, queries as a JSON object.
"""

import json
import logging
import os
from collections.abc import Mapping, Sequence

from relgraph.io.atomic import atomic_directory
from relgraph.io.errors import SnapshotError, SourceError
from relgraph.io.hashing import combine_hashes, table_hash
from relgraph.io.reader import open_source, read_tables
from relgraph.io.snapshot import Snapshot

_logger = logging.getLogger(__name__)


def parse_table_list(tables: Sequence[str] | str | None) -> list[str] | None:
    """Reads a table list: a sequence of names, or names separated by commas.

    Args:
        tables: The names; ``None``, ``""`` or only blanks mean every table.

    Returns:
        The names, blanks stripped, or ``None`` for every table.

    Raises:
        SourceError: If a name is given twice or a list item is not a non-empty string.
    """
    if tables is None:
        return None
    if isinstance(tables, str):
        names = [name.strip() for name in tables.split(",") if name.strip()]
        if not names:
            return None
    else:
        names = list(tables)
        bad = [name for name in names if not isinstance(name, str) or not name.strip()]
        if bad:
            raise SourceError(f"table names must be non-empty strings, found {bad}")
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise SourceError(f"tables named twice: {repeated}")
    return names


def parse_queries(queries: Mapping[str, str] | str | None) -> dict[str, str]:
    """Reads SQL queries by result name: a mapping, or its JSON text.

    Args:
        queries: Result name -> SQL query; ``None`` or ``""`` for none.

    Returns:
        The queries.

    Raises:
        SourceError: If the text is not a JSON object of strings.
    """
    if queries is None or (isinstance(queries, str) and not queries.strip()):
        return {}
    if isinstance(queries, str):
        try:
            queries = json.loads(queries)
        except json.JSONDecodeError as error:
            raise SourceError(f"queries must be a JSON object of name -> SQL: {error}") from None
    if not isinstance(queries, Mapping) or not all(
        isinstance(k, str) and k and isinstance(v, str) and v.strip() for k, v in queries.items()
    ):
        raise SourceError(
            f"queries must map result names to SQL query text, found {queries!r:.200}"
        )
    return dict(queries)


def source_content_hash(
    uri: str | os.PathLike[str],
    *,
    tables: Sequence[str] | str | None = None,
    queries: Mapping[str, str] | str | None = None,
) -> str:
    """Reads tables and queries of a source and returns the content hash of their snapshot.

    The hash is the one :meth:`Snapshot.content_hash` records for the same tables, so it
    names the data, not where or when it was read.

    Args:
        uri: The source, as for :func:`relgraph.io.open_source`.
        tables: The tables to read (default: ``None``, all of them); see
            :func:`parse_table_list`.
        queries: Result name -> SQL query, for SQL databases (default: ``None``); see
            :func:`parse_queries`.

    Returns:
        32 hex digits.

    Raises:
        SourceError: If the source, a table or a query cannot be read.
    """
    source = open_source(uri)
    data = read_tables(source, parse_table_list(tables), parse_queries(queries) or None)
    digest = combine_hashes({name: table_hash(table) for name, table in data.items()})
    _logger.info("%s: %d tables, content hash %s", source.display_uri, len(data), digest)
    return digest


def snapshot_into(
    uri: str | os.PathLike[str],
    dest: str | os.PathLike[str],
    *,
    tables: Sequence[str] | str | None = None,
    queries: Mapping[str, str] | str | None = None,
    expected_hash: str | None = None,
    overwrite: bool = False,
) -> Snapshot:
    """Snapshots tables and queries of a source into the folder ``dest``, atomically.

    Args:
        uri: The source, as for :func:`relgraph.io.open_source`.
        dest: The snapshot folder to create.
        tables: The tables to read (default: ``None``, all of them); see
            :func:`parse_table_list`.
        queries: Result name -> SQL query, for SQL databases (default: ``None``); see
            :func:`parse_queries`.
        expected_hash: The content hash the data must have, e.g. the one
            :func:`source_content_hash` returned earlier in the pipeline (default: ``None``,
            not checked).
        overwrite: Replace an existing folder at ``dest`` (default: ``False``).

    Returns:
        The snapshot at ``dest``.

    Raises:
        SourceError: If the source, a table or a query cannot be read.
        SnapshotError: If the data's content hash is not ``expected_hash`` (the source
            changed since it was hashed); nothing is written then.
        FileExistsError: If ``dest`` exists and ``overwrite`` is ``False``.
    """
    source = open_source(uri)
    queries = parse_queries(queries)
    data = read_tables(source, parse_table_list(tables), queries or None)
    with atomic_directory(dest, overwrite=overwrite) as folder:
        snapshot = Snapshot.create(
            data, folder, source=source.uri, queries=queries or None, overwrite=True
        )
        if expected_hash is not None and snapshot.content_hash != expected_hash:
            raise SnapshotError(
                f"{source.display_uri} changed while the pipeline read it: its content hash is "
                f"now {snapshot.content_hash}, but {expected_hash} was expected; run the "
                "pipeline again"
            )
    return Snapshot.load(dest)
