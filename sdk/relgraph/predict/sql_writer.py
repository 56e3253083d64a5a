"""Outputs as tables of a SQLite or PostgreSQL database, written through ADBC.

Output ``NAME`` is the table ``"NAME"`` (quoted: the case is kept), its metadata a row of the
``relgraph_outputs`` table in the same schema. One write is one transaction: every output is
ingested into a temporary table (``relgraph_tmp_<random>``), the temporary tables are renamed
to their output names, and the metadata rows are inserted; then it commits. Both databases
have transactional DDL, so a failure at any point rolls everything back, and a connection
that dies mid-write leaves an uncommitted transaction the server discards.

Names are checked against a strict pattern (see :mod:`relgraph.predict.names`) before they
are put in SQL text; values go in through ADBC's bulk ingest, never SQL text.

SQLite has no array type: an embedding column ``embedding`` is stored as REAL columns
``embedding_0``, ``embedding_1``, ...; PostgreSQL stores it as a ``real[]`` array.
"""

import logging
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from relgraph.io import redact_uri
from relgraph.predict.errors import OutputWriteError
from relgraph.predict.metadata import METADATA_KEY, OutputMetadata
from relgraph.predict.names import (
    EMBEDDINGS_PREFIX,
    check_alias,
    check_name_part,
    check_output_name,
    may_belong_to,
)
from relgraph.predict.writer import OutputTable, OutputWriter

if TYPE_CHECKING:
    from sqlalchemy.engine import URL

_logger = logging.getLogger(__name__)

METADATA_TABLE = "relgraph_outputs"
"""The table holding one metadata row per output."""

_METADATA_COLUMNS: tuple[tuple[str, str, pa.DataType], ...] = (
    ("name", "TEXT PRIMARY KEY", pa.string()),
    ("alias", "TEXT NOT NULL", pa.string()),
    ("kind", "TEXT NOT NULL", pa.string()),
    ("num_rows", "BIGINT NOT NULL", pa.int64()),
    ("anchor_time", "TEXT", pa.string()),
    ("model_run_id", "TEXT", pa.string()),
    ("model_name", "TEXT", pa.string()),
    ("model_version", "TEXT", pa.string()),
    ("job_id", "TEXT", pa.string()),
    ("created_at", "TEXT NOT NULL", pa.string()),
    ("metadata", "TEXT NOT NULL", pa.string()),
)
"""Columns of :data:`METADATA_TABLE`: name, SQL type, Arrow type."""


def quote(identifier: str) -> str:
    """A double-quoted SQL identifier (the same in SQLite and PostgreSQL).

    Only names already checked by :mod:`relgraph.predict.names` reach this function; the
    quoting keeps their case.
    """
    return '"' + identifier.replace('"', '""') + '"'


class SqlOutputWriter(OutputWriter):
    """Writes outputs as tables of a SQLite file or a PostgreSQL database.

    Args:
        url: ``sqlite:///path.db`` (the file is created when missing) or ``postgresql://...``
            (any ``+driver`` suffix is ignored: ADBC speaks libpq).
        schema: The PostgreSQL schema to write to (default: ``None``, the connection's
            current schema, normally ``public``); SQLite has none.

    Raises:
        ValueError: If the URL cannot be parsed or is not SQLite/PostgreSQL, the SQLite URL
            names no file, a schema is given for SQLite, or the schema name is not valid.
    """

    def __init__(self, url: str, schema: str | None = None) -> None:
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        self._shown = redact_uri(url)
        try:
            self._url: URL = make_url(url)
        except ArgumentError as exc:
            raise ValueError(f"cannot parse SQL URL {self._shown!r}: {exc}") from exc
        self._backend = self._url.get_backend_name()
        if self._backend not in ("sqlite", "postgresql"):
            raise ValueError(
                f"unsupported SQL database {self._backend!r} in {self._shown!r}: outputs go to "
                "sqlite:/// or postgresql:// URLs"
            )
        if schema is not None:
            check_name_part(schema, "schema")
            if self._backend == "sqlite":
                raise ValueError(
                    f"schema {schema!r} given for SQLite database {self._shown!r}, which has "
                    "no schemas; leave schema unset"
                )
        self._schema = schema
        if self._backend == "sqlite":
            database = self._url.database
            if not database or database == ":memory:" or database.startswith("file:"):
                raise ValueError(
                    f"SQLite URL {self._shown!r} must name a database file "
                    "(sqlite:///relative/path.db or sqlite:////absolute/path.db)"
                )
            self._sqlite_path = Path(database).expanduser().resolve()

    @property
    def location(self) -> str:
        """The database URL (password hidden) and schema."""
        return self._shown if self._schema is None else f"{self._shown} (schema {self._schema})"

    def location_of(self, name: str) -> str:
        """``<url>#<schema>.<name>`` (or ``<url>#<name>``)."""
        table = check_output_name(name)
        return f"{self._shown}#{self._schema}.{table}" if self._schema else f"{self._shown}#{table}"

    def _qualified(self, table: str) -> str:
        return f"{quote(self._schema)}.{quote(table)}" if self._schema else quote(table)

    # ------------------------------------------------------------------ connections

    def _connect(self) -> Any:
        """A new ADBC DB-API connection (autocommit off: one transaction until commit)."""
        from adbc_driver_manager import Error as AdbcError

        try:
            if self._backend == "sqlite":
                import adbc_driver_sqlite.dbapi

                self._sqlite_path.parent.mkdir(parents=True, exist_ok=True)
                return adbc_driver_sqlite.dbapi.connect(str(self._sqlite_path))
            import adbc_driver_postgresql.dbapi

            libpq = self._url.set(drivername="postgresql").render_as_string(hide_password=False)
            return adbc_driver_postgresql.dbapi.connect(libpq)
        except AdbcError as exc:
            raise OutputWriteError(f"cannot connect to {self.location}: {exc}") from exc

    def _query(self, sql: str) -> pa.Table:
        from adbc_driver_manager import Error as AdbcError

        try:
            with self._connect() as connection, connection.cursor() as cursor:
                cursor.execute(sql)
                return cursor.fetch_arrow_table()
        except AdbcError as exc:
            raise OutputWriteError(f"querying {self.location} failed: {exc}") from exc

    def _tables_sql(self) -> str:
        """SQL listing the tables of the target schema, one column ``name``."""
        if self._backend == "sqlite":
            return "SELECT name FROM sqlite_master WHERE type = 'table'"
        schema = f"'{self._schema}'" if self._schema else "current_schema()"
        return (
            "SELECT table_name AS name FROM information_schema.tables "
            f"WHERE table_schema = {schema}"
        )

    def _table_names(self) -> set[str]:
        if self._backend == "sqlite" and not self._sqlite_path.is_file():
            return set()  # not created by looking: a refused write leaves no empty database
        return set(self._query(self._tables_sql()).column("name").to_pylist())

    def _metadata_where(self, where: str) -> pa.Table | None:
        if METADATA_TABLE not in self._table_names():
            return None
        return self._query(
            f"SELECT name, alias, metadata FROM {self._qualified(METADATA_TABLE)} WHERE {where}"
        )

    # ------------------------------------------------------------------ reading

    def exists(self, name: str) -> bool:
        """Whether table ``name`` exists."""
        return check_output_name(name) in self._table_names()

    def existing(self, alias: str) -> list[str]:
        """Output tables of ``alias``; embeddings tables whose name could belong to another
        alias too are told apart by their ``relgraph_outputs`` row."""
        alias = check_alias(alias)
        tables = self._table_names()
        candidates = sorted(name for name in tables if may_belong_to(name, alias))
        if not candidates:
            return []
        owners: dict[str, str] = {}
        if METADATA_TABLE in tables:
            rows = self._query(
                f"SELECT name, alias FROM {self._qualified(METADATA_TABLE)}"
            ).to_pydict()
            owners = dict(zip(rows["name"], rows["alias"], strict=True))
        return [
            name
            for name in candidates
            if not name.startswith(f"{EMBEDDINGS_PREFIX}_") or owners.get(name, alias) == alias
        ]

    def read(self, name: str) -> pa.Table:
        """Reads table ``name`` (metadata attached to its schema).

        Raises:
            FileNotFoundError: If there is no such table.
        """
        if not self.exists(name):
            raise FileNotFoundError(f"no output table {name!r} in {self.location}")
        table = self._query(f"SELECT * FROM {self._qualified(name)}")
        try:
            raw = self.read_metadata(name).to_json().encode("utf-8")
        except FileNotFoundError:
            return table
        return table.replace_schema_metadata({**(table.schema.metadata or {}), METADATA_KEY: raw})

    def read_metadata(self, name: str) -> OutputMetadata:
        """The metadata row of output ``name``.

        Raises:
            FileNotFoundError: If the output has no metadata row.
        """
        rows = self._metadata_where(f"name = '{check_output_name(name)}'")
        if rows is None or rows.num_rows == 0:
            raise FileNotFoundError(f"no metadata for output {name!r} in {self.location}")
        return OutputMetadata.from_json(rows.column("metadata")[0].as_py())

    # ------------------------------------------------------------------ writing

    def _write(self, outputs: Sequence[OutputTable], *, existing: Sequence[str]) -> None:
        from adbc_driver_manager import Error as AdbcError

        names = [output.name for output in outputs]
        connection = self._connect()
        try:
            with connection.cursor() as cursor:
                self._ensure_schema(cursor)
                cursor.execute(self._metadata_ddl())
                temporary = {}
                for output in outputs:
                    temporary[output.name] = f"relgraph_tmp_{uuid.uuid4().hex[:12]}"
                    cursor.adbc_ingest(
                        temporary[output.name],
                        self._storable(output.table),
                        mode="create",
                        db_schema_name=self._schema,
                    )
                for name in [*names, *existing]:
                    cursor.execute(f"DROP TABLE IF EXISTS {self._qualified(name)}")
                for name in names:
                    cursor.execute(
                        f"ALTER TABLE {self._qualified(temporary[name])} RENAME TO {quote(name)}"
                    )
                listed = ", ".join(f"'{name}'" for name in sorted({*names, *existing}))
                cursor.execute(
                    f"DELETE FROM {self._qualified(METADATA_TABLE)} WHERE name IN ({listed})"
                )
                cursor.adbc_ingest(
                    METADATA_TABLE,
                    _metadata_rows([output.metadata for output in outputs]),
                    mode="append",
                    db_schema_name=self._schema,
                )
            connection.commit()
        except BaseException as exc:
            _rollback(connection)
            if not isinstance(exc, Exception):
                raise
            reason = exc if isinstance(exc, AdbcError | ValueError | OSError) else repr(exc)
            raise OutputWriteError(
                f"writing {', '.join(names)} to {self.location} failed and was rolled back, "
                f"nothing was written: {reason}"
            ) from exc
        finally:
            connection.close()
        _logger.info("wrote %s to %s", ", ".join(names), self.location)

    def _ensure_schema(self, cursor: Any) -> None:
        """Checks that the PostgreSQL schema exists.

        Raises:
            ValueError: If it does not.
        """
        if self._schema is None:
            return
        cursor.execute(
            "SELECT count(*) AS n FROM information_schema.schemata "
            f"WHERE schema_name = '{self._schema}'"
        )
        if cursor.fetch_arrow_table().column("n")[0].as_py() == 0:
            raise ValueError(f"schema {self._schema!r} does not exist in {self._shown}")

    def _metadata_ddl(self) -> str:
        columns = ", ".join(f"{name} {sql_type}" for name, sql_type, _ in _METADATA_COLUMNS)
        return f"CREATE TABLE IF NOT EXISTS {self._qualified(METADATA_TABLE)} ({columns})"

    def _storable(self, table: pa.Table) -> pa.Table:
        """``table`` with types the database stores: dictionaries decoded; for SQLite,
        fixed-size float lists spread over one column per element."""
        columns, names = [], []
        for field, column in zip(table.schema, table.columns, strict=True):
            if pa.types.is_dictionary(field.type):
                column = column.cast(field.type.value_type)
            if self._backend == "sqlite" and pa.types.is_fixed_size_list(column.type):
                width = column.type.list_size
                values = pc.list_flatten(column).to_numpy(zero_copy_only=False)
                matrix = np.asarray(values).reshape(-1, width)
                for index in range(width):
                    columns.append(pa.array(matrix[:, index]))
                    names.append(f"{field.name}_{index}")
                continue
            columns.append(column)
            names.append(field.name)
        return pa.table(columns, names=names)


def _metadata_rows(metadata: Sequence[OutputMetadata]) -> pa.Table:
    """The :data:`METADATA_TABLE` rows of ``metadata``."""
    values: dict[str, list[Any]] = {name: [] for name, _, _ in _METADATA_COLUMNS}
    for item in metadata:
        record = item.to_dict()
        for name, _, _ in _METADATA_COLUMNS:
            values[name].append(item.to_json() if name == "metadata" else record[name])
    return pa.table(
        {name: pa.array(values[name], type=arrow) for name, _, arrow in _METADATA_COLUMNS}
    )


def _rollback(connection: Any) -> None:
    """Rolls back, logging (not raising) a failure: the connection may be gone."""
    try:
        connection.rollback()
    except Exception as exc:  # the write's own error is what the caller must see
        _logger.warning("rollback failed: %s", exc)
