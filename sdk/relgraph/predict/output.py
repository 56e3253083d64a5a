"""``OutputConfig``: where batch predictions go (object store, local folder, SQL database)."""

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from relgraph.io import is_sql_url, redact_uri
from relgraph.io.uri import uri_scheme
from relgraph.predict.names import check_name_part
from relgraph.predict.writer import OutputWriter

OutputKind = Literal["object_store", "local", "sql"]


@dataclass(frozen=True)
class OutputConfig:
    """A destination for batch-prediction outputs. Make one with :meth:`object_store`,
    :meth:`local` or :meth:`sql` (or :meth:`parse` a location string).

    Args:
        kind: ``"object_store"``, ``"local"`` or ``"sql"``.
        location: ``s3://bucket/prefix``, a folder, or a SQLAlchemy URL.
        schema: The database schema for ``"sql"`` (default: ``None``, the default schema).

    Raises:
        ValueError: If the location does not fit the kind, or a schema is given for files.
    """

    kind: OutputKind
    location: str
    schema: str | None = None

    def __post_init__(self) -> None:
        scheme = uri_scheme(self.location) if isinstance(self.location, str) else None
        if not isinstance(self.location, str) or not self.location.strip():
            raise ValueError(f"output location must be a non-empty string, found {self.location!r}")
        if self.kind == "object_store":
            if scheme != "s3" or not self.location.split("://", 1)[1].strip("/"):
                raise ValueError(
                    f"object_store location {redact_uri(self.location)!r} must be "
                    "s3://bucket[/prefix]"
                )
        elif self.kind == "local":
            if scheme not in ("", "file"):
                raise ValueError(
                    f"local location {redact_uri(self.location)!r} must be a folder path or "
                    "file:// URI"
                )
        elif self.kind == "sql":
            if not is_sql_url(self.location):
                raise ValueError(
                    f"sql location {redact_uri(self.location)!r} must be a sqlite:/// or "
                    "postgresql:// URL"
                )
        else:
            raise ValueError(
                f"output kind must be 'object_store', 'local' or 'sql', found {self.kind!r}"
            )
        if self.schema is not None:
            if self.kind != "sql":
                raise ValueError(f"schema {self.schema!r} applies to sql outputs only")
            check_name_part(self.schema, "schema")

    @classmethod
    def object_store(cls, uri: str) -> "OutputConfig":
        """Parquet files under ``s3://bucket/prefix`` (MinIO or S3; endpoint and keys from the
        environment, see :mod:`relgraph.io.filesystem`).

        Raises:
            ValueError: If ``uri`` is not ``s3://bucket[/prefix]``.
        """
        return cls("object_store", uri)

    @classmethod
    def local(cls, path: str | os.PathLike[str]) -> "OutputConfig":
        """Parquet files in a local folder (made absolute now, created on the first write).

        Raises:
            ValueError: If ``path`` is a URI other than ``file://``.
        """
        text = os.fspath(path)
        if uri_scheme(text) == "":
            text = Path(text).expanduser().resolve().as_posix()
        return cls("local", text)

    @classmethod
    def sql(cls, url: str, schema: str | None = None) -> "OutputConfig":
        """Tables of a SQLite or PostgreSQL database.

        Args:
            url: ``sqlite:///path.db`` (created when missing) or ``postgresql://...``.
            schema: The PostgreSQL schema (default: ``None``, the default schema).

        Raises:
            ValueError: If the URL is not SQLite/PostgreSQL, or the schema name is not valid.
        """
        return cls("sql", url, schema)

    @classmethod
    def parse(cls, location: str | os.PathLike[str], schema: str | None = None) -> "OutputConfig":
        """The config a location string means: ``s3://`` -> object store, a SQL URL -> sql,
        anything else -> a local folder.

        Args:
            location: The location.
            schema: The database schema, for SQL URLs (default: ``None``).

        Raises:
            ValueError: If the scheme is none of those, or as the constructors do.
        """
        text = os.fspath(location)
        scheme = uri_scheme(text)
        if scheme == "s3":
            config = cls.object_store(text)
        elif is_sql_url(text):
            return cls.sql(text, schema)
        elif scheme in ("", "file"):
            config = cls.local(text)
        else:
            raise ValueError(
                f"output location {redact_uri(text)!r} is none of: a folder, s3://bucket/prefix, "
                "sqlite:///file.db, postgresql://..."
            )
        if schema is not None:
            raise ValueError(f"schema {schema!r} applies to sql outputs only, not {text!r}")
        return config

    @property
    def display(self) -> str:
        """The location with passwords hidden."""
        return redact_uri(self.location)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (passwords hidden)."""
        return {"kind": self.kind, "location": self.display, "schema": self.schema}

    def writer(self) -> OutputWriter:
        """The writer for this destination."""
        if self.kind == "sql":
            from relgraph.predict.sql_writer import SqlOutputWriter

            return SqlOutputWriter(self.location, self.schema)
        from relgraph.predict.file_writer import FileOutputWriter

        return FileOutputWriter(self.location)
