"""Snapshots: a frozen, hashed copy of a source's tables, one parquet file per table.

A snapshot is a folder::

    manifest.json        format_version, source (password redacted), created_at,
                         content_hash, tables: {name: {file, rows, columns, content_hash,
                         arrow_schema (base64 Arrow IPC, to restore types parquet changes)}}
    <table>.parquet      one file per table; file names are made safe, the manifest maps
                         table names (any Unicode) to them

It is written atomically: a failure half-way leaves no folder behind. ``snapshot_source``
keeps snapshots in a cache folder keyed by what was asked for, so a repeated call does not
read the source again.
"""

import base64
import copy
import json
import logging
import os
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import xxhash

from relgraph import __version__
from relgraph.io.atomic import atomic_directory, atomic_write_text
from relgraph.io.errors import SnapshotError, TableNotFoundError
from relgraph.io.hashing import combine_hashes, table_hash
from relgraph.io.reader import open_source, read_tables
from relgraph.io.uri import redact_uri

_logger = logging.getLogger(__name__)

FORMAT_VERSION = 1
MANIFEST_NAME = "manifest.json"
SNAPSHOT_KIND = "relgraph.snapshot"
DEFAULT_CACHE_DIR = Path(".relgraph/snapshots")

_UNSAFE_FILE_CHARACTERS = re.compile(r"[^A-Za-z0-9_-]+")
_MAX_STEM_LENGTH = 64


class Snapshot:
    """A snapshot folder: its manifest, and its tables read on demand.

    Make one with :meth:`create` or :meth:`load`, not with the constructor.

    Args:
        path: The snapshot folder.
        manifest: Its parsed ``manifest.json``.
    """

    def __init__(self, path: Path, manifest: Mapping[str, Any]) -> None:
        self._path = path
        self._manifest = copy.deepcopy(dict(manifest))

    @classmethod
    def create(
        cls,
        tables: Mapping[str, pa.Table],
        dest: str | os.PathLike[str],
        *,
        source: str | None = None,
        queries: Mapping[str, str] | None = None,
        overwrite: bool = False,
    ) -> "Snapshot":
        """Writes ``tables`` as a new snapshot folder at ``dest``, atomically.

        Args:
            tables: Table name -> table; at least one.
            dest: The folder to create.
            source: Where the tables came from, recorded with its password redacted
                (default: ``None``, not recorded).
            queries: Table name -> the SQL query that produced it, recorded in the manifest
                (default: ``None``).
            overwrite: Replace an existing folder at ``dest`` (default: ``False``).

        Returns:
            The snapshot.

        Raises:
            SnapshotError: If there are no tables, a name is empty, ``queries`` names a table
                that is not in ``tables``, or a table cannot be stored as parquet.
            TypeError: If a value is not a ``pyarrow.Table``.
            FileExistsError: If ``dest`` exists and ``overwrite`` is ``False``.
        """
        if not tables:
            raise SnapshotError(f"cannot create snapshot {dest}: no tables given")
        queries = dict(queries or {})
        for name, table in tables.items():
            if not isinstance(name, str) or not name:
                raise SnapshotError(f"cannot create snapshot {dest}: bad table name {name!r}")
            if not isinstance(table, pa.Table):
                raise TypeError(f"table {name!r} is a {type(table).__name__}, not a pyarrow.Table")
        stray = sorted(set(queries) - set(tables))
        if stray:
            raise SnapshotError(f"queries {stray} name no table given to snapshot {dest}")
        files = _file_names(sorted(tables))
        entries: dict[str, dict[str, Any]] = {}
        with atomic_directory(dest, overwrite=overwrite) as folder:
            for name in sorted(tables):
                table = tables[name]
                try:
                    pq.write_table(table, folder / files[name], compression="zstd")
                except pa.ArrowException as error:
                    raise SnapshotError(
                        f"cannot write table {name!r} of snapshot {dest} as parquet: {error}"
                    ) from error
                entries[name] = {
                    "file": files[name],
                    "rows": table.num_rows,
                    "columns": [
                        {"name": field.name, "type": str(field.type)} for field in table.schema
                    ],
                    "content_hash": table_hash(table),
                    "arrow_schema": _encode_schema(table.schema),
                }
                if name in queries:
                    entries[name]["query"] = queries[name]
            manifest = {
                "kind": SNAPSHOT_KIND,
                "format_version": FORMAT_VERSION,
                "created_by": f"relgraph {__version__}",
                "created_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "source": redact_uri(source) if source is not None else None,
                "content_hash": combine_hashes(
                    {name: entry["content_hash"] for name, entry in entries.items()}
                ),
                "tables": entries,
            }
            atomic_write_text(
                folder / MANIFEST_NAME, json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"
            )
        _logger.info(
            "snapshot %s: %d tables, content hash %s", dest, len(entries), manifest["content_hash"]
        )
        return cls(Path(dest), manifest)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> "Snapshot":
        """Opens an existing snapshot folder (its tables are read on demand).

        Args:
            path: The snapshot folder.

        Returns:
            The snapshot.

        Raises:
            SnapshotError: If the folder has no readable manifest, the manifest is of another
                kind or format version, or a table file is missing.
        """
        path = Path(path)
        manifest_path = path / MANIFEST_NAME
        if not manifest_path.is_file():
            raise SnapshotError(f"{path} is not a snapshot: it has no {MANIFEST_NAME}")
        try:
            manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise SnapshotError(f"cannot parse {manifest_path}: {error}") from error
        if not isinstance(manifest, dict) or manifest.get("kind") != SNAPSHOT_KIND:
            raise SnapshotError(f"{manifest_path} is not a relgraph snapshot manifest")
        if manifest.get("format_version") != FORMAT_VERSION:
            raise SnapshotError(
                f"{manifest_path} has format_version {manifest.get('format_version')!r}; "
                f"this relgraph reads {FORMAT_VERSION}"
            )
        missing = sorted(
            entry["file"]
            for entry in manifest["tables"].values()
            if not (path / entry["file"]).is_file()
        )
        if missing:
            raise SnapshotError(f"snapshot {path} lacks table files: {missing}")
        return cls(path, manifest)

    @property
    def path(self) -> Path:
        """The snapshot folder."""
        return self._path

    @property
    def manifest(self) -> dict[str, Any]:
        """A copy of the parsed ``manifest.json``."""
        return copy.deepcopy(self._manifest)

    @property
    def table_names(self) -> list[str]:
        """The table names, sorted."""
        return sorted(self._manifest["tables"])

    @property
    def content_hash(self) -> str:
        """The hash over all tables' content hashes (32 hex digits)."""
        return self._manifest["content_hash"]

    @property
    def source(self) -> str | None:
        """The source the tables came from, password redacted, if recorded."""
        return self._manifest["source"]

    def num_rows(self, name: str) -> int:
        """The number of rows of table ``name``, from the manifest.

        Raises:
            TableNotFoundError: If the snapshot has no table ``name``.
        """
        return self._entry(name)["rows"]

    def table(self, name: str) -> pa.Table:
        """Reads table ``name``.

        Raises:
            TableNotFoundError: If the snapshot has no table ``name``; the message lists them.
            SnapshotError: If its file no longer holds the columns the manifest records.
        """
        entry = self._entry(name)
        table = pq.read_table(self._path / entry["file"])
        # Parquet cannot store every Arrow type as is (time32[s] comes back as time32[ms]);
        # the manifest keeps the exact schema, and the cast back is lossless.
        schema = _decode_schema(entry["arrow_schema"])
        if table.schema.equals(schema):
            return table
        try:
            return table.cast(schema)
        except (ValueError, pa.ArrowException) as error:
            raise SnapshotError(
                f"table {name!r} of snapshot {self._path}: {entry['file']} holds {table.schema}, "
                f"not the recorded {schema}"
            ) from error

    def tables(self) -> dict[str, pa.Table]:
        """Reads every table: name -> table, in name order."""
        return {name: self.table(name) for name in self.table_names}

    def verify(self) -> None:
        """Reads every table and checks it against its recorded content hash.

        Raises:
            SnapshotError: Naming the first table whose content no longer matches.
        """
        for name in self.table_names:
            recorded = self._entry(name)["content_hash"]
            actual = table_hash(self.table(name))
            if actual != recorded:
                raise SnapshotError(
                    f"table {name!r} of snapshot {self._path} has content hash {actual}, "
                    f"but the manifest records {recorded}"
                )

    def _entry(self, name: str) -> dict[str, Any]:
        """The manifest entry of table ``name``."""
        entry = self._manifest["tables"].get(name)
        if entry is None:
            raise TableNotFoundError(
                f"table {name!r} not in snapshot {self._path}; "
                f"tables there: {', '.join(self.table_names)}"
            )
        return entry

    def __repr__(self) -> str:
        return f"Snapshot({str(self._path)!r}, tables={len(self.table_names)}, hash={self.content_hash[:12]})"


def snapshot_source(
    uri: str | os.PathLike[str],
    *,
    tables: Sequence[str] | None = None,
    queries: Mapping[str, str] | None = None,
    cache_dir: str | os.PathLike[str] = DEFAULT_CACHE_DIR,
    cache_key: str | None = None,
    refresh: bool = False,
) -> Snapshot:
    """Snapshots tables and queries of a source, or returns the cached snapshot of them.

    The cache key covers the source (password left out), the tables and queries asked for,
    ``cache_key``, and for file sources each file's path, size and modification time. SQL
    databases are not contacted on a cache hit: pass a new ``cache_key`` (a date, a data
    version) or ``refresh=True`` to read them again.

    Args:
        uri: The source, as for :func:`relgraph.io.open_source`.
        tables: The tables to snapshot (default: ``None``, all of them).
        queries: Result name -> SQL query, for SQL databases (default: ``None``).
        cache_dir: The folder of cached snapshots (default: ``.relgraph/snapshots``).
        cache_key: Anything that should make a new snapshot when it changes
            (default: ``None``).
        refresh: Read the source again and replace the cached snapshot (default: ``False``).

    Returns:
        The snapshot, in ``cache_dir/<key>``.

    Raises:
        SourceError: If the source cannot be read (see :func:`relgraph.io.read_tables`).
    """
    source = open_source(uri)
    names = sorted(tables) if tables is not None else None
    key_material = {
        "format_version": FORMAT_VERSION,
        "source": source.display_uri,
        "tables": names,
        "queries": dict(sorted((queries or {}).items())),
        "cache_key": cache_key,
        "state": source.fingerprint(names),
    }
    key = xxhash.xxh3_128_hexdigest(
        json.dumps(key_material, sort_keys=True, ensure_ascii=False).encode("utf-8")
    )
    dest = Path(cache_dir) / key
    if (dest / MANIFEST_NAME).is_file() and not refresh:
        _logger.info("snapshot of %s served from cache %s", source.display_uri, dest)
        return Snapshot.load(dest)
    data = read_tables(source, names, queries)
    try:
        return Snapshot.create(
            data, dest, source=source.uri, queries=queries, overwrite=refresh or dest.exists()
        )
    except OSError:
        # Another process may have written the same snapshot between our check and rename.
        if (dest / MANIFEST_NAME).is_file():
            return Snapshot.load(dest)
        raise


def _encode_schema(schema: pa.Schema) -> str:
    """``schema`` without metadata, as base64 of its Arrow IPC serialization."""
    return base64.b64encode(schema.remove_metadata().serialize().to_pybytes()).decode("ascii")


def _decode_schema(encoded: str) -> pa.Schema:
    """The schema that :func:`_encode_schema` encoded."""
    return pa.ipc.read_schema(pa.py_buffer(base64.b64decode(encoded)))


def _file_names(names: Sequence[str]) -> dict[str, str]:
    """Safe, distinct parquet file names for table names, in the order given.

    Runs of characters outside ``[A-Za-z0-9_-]`` become ``_``; names that would then collide
    (also when case is ignored, for macOS and Windows) get ``-2``, ``-3``, ...
    """
    files: dict[str, str] = {}
    taken: set[str] = set()
    for name in names:
        stem = _UNSAFE_FILE_CHARACTERS.sub("_", name)[:_MAX_STEM_LENGTH]
        if stem.startswith(("_", "-")):
            stem = f"t{stem}"
        candidate, number = stem, 1
        while candidate.lower() in taken:
            number += 1
            candidate = f"{stem}-{number}"
        taken.add(candidate.lower())
        files[name] = f"{candidate}.parquet"
    return files
