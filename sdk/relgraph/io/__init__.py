"""Sources and sinks: local files, S3/MinIO object stores, SQL databases, snapshots."""

from relgraph.io.atomic import atomic_directory, atomic_write_bytes, atomic_write_text
from relgraph.io.errors import SnapshotError, SourceError, TableNotFoundError
from relgraph.io.files import CSV_NULL_VALUES, FileSource, read_csv_file
from relgraph.io.filesystem import filesystem_for, s3_filesystem
from relgraph.io.hashing import combine_hashes, table_hash
from relgraph.io.normalize import normalize_table
from relgraph.io.reader import open_source, read_tables
from relgraph.io.snapshot import Snapshot, snapshot_source
from relgraph.io.snapshot_step import snapshot_into, source_content_hash
from relgraph.io.source import Source
from relgraph.io.sql import SqlSource, sqlite_url
from relgraph.io.uri import is_sql_url, redact_uri

__all__ = [
    "CSV_NULL_VALUES",
    "FileSource",
    "Snapshot",
    "SnapshotError",
    "Source",
    "SourceError",
    "SqlSource",
    "TableNotFoundError",
    "atomic_directory",
    "atomic_write_bytes",
    "atomic_write_text",
    "combine_hashes",
    "filesystem_for",
    "is_sql_url",
    "normalize_table",
    "open_source",
    "read_csv_file",
    "read_tables",
    "redact_uri",
    "s3_filesystem",
    "snapshot_into",
    "snapshot_source",
    "source_content_hash",
    "sqlite_url",
    "table_hash",
]
