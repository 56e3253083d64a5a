"""``SqlSource``: tables and queries of a SQLite or PostgreSQL database, read Arrow-natively.

Tables are listed with SQLAlchemy's inspector and read through ADBC
(``cursor.fetch_arrow_table()``), so rows never become Python objects. Connections are
read-only: SQLite files are opened with ``mode=ro`` (and never created), PostgreSQL sessions
are set to ``READ ONLY``, so a query cannot change the database.

SQLite columns are dynamically typed and ADBC infers an Arrow type from the values it sees,
so each query is read as a single batch (inference sees every row: a column of integers
with one text value comes back as strings rather than failing half-way), and table columns
with no non-null value take the type of their declared affinity instead of ADBC's ``int64``
(``DATE``/``DATETIME`` and undeclared columns -> string, as SQLite stores dates as text).
"""

import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from relgraph.io.errors import SourceError
from relgraph.io.normalize import normalize_table
from relgraph.io.source import Source

if TYPE_CHECKING:
    from sqlalchemy.engine import URL, Engine

_logger = logging.getLogger(__name__)

# ADBC SQLite infers types batch by batch; one batch of (at most) this many rows means
# inference over the whole result. The driver rejects values >= 2**31 - 1.
_SQLITE_BATCH_ROWS = 2**31 - 2


class SqlSource(Source):
    """Tables of a SQL database given by a SQLAlchemy URL.

    Supported: ``sqlite:///path.db`` and ``postgresql://`` (with any ``+driver``, e.g.
    ``postgresql+psycopg2://``). Tables are those of the default schema (``public`` in
    PostgreSQL); views can be read with :meth:`read_query`.

    Nothing is contacted until a table is listed or read, so a cached snapshot of the source
    can be served while the database is unreachable.

    Args:
        url: The SQLAlchemy URL.

    Raises:
        SourceError: If the URL cannot be parsed, or names another database system or no SQLite
            file. A SQLite file that does not exist is reported (and never created) on first use.
    """

    def __init__(self, url: str) -> None:
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        super().__init__(url)
        try:
            self._url: URL = make_url(url)
        except ArgumentError as error:
            raise SourceError(f"cannot parse SQL URL {self.display_uri!r}: {error}") from error
        self._backend = self._url.get_backend_name()
        if self._backend == "sqlite":
            database = self._url.database
            if not database or database == ":memory:" or database.startswith("file:"):
                raise SourceError(
                    f"SQLite URL {self.display_uri!r} must name a database file "
                    "(sqlite:///relative/path.db or sqlite:////absolute/path.db)"
                )
            self._sqlite_path = Path(database).expanduser().resolve()
        elif self._backend != "postgresql":
            raise SourceError(
                f"unsupported SQL database {self._backend!r} in {self.display_uri!r}: "
                "relgraph reads sqlite:/// and postgresql:// URLs"
            )
        self._tables: list[str] | None = None
        self._engine: Engine | None = None

    def list_tables(self) -> list[str]:
        """The tables of the default schema, sorted (listed once, then remembered)."""
        if self._tables is None:
            self._tables = sorted(self._inspect(lambda inspector: inspector.get_table_names()))
        return list(self._tables)

    def read_table(self, name: str) -> pa.Table:
        """Reads a whole table; see :meth:`Source.read_table`.

        The name is checked against the inspector's list, then quoted by the dialect.
        """
        self.check_tables([name])
        quoted = self._sqlalchemy_engine().dialect.identifier_preparer.quote_identifier(name)
        table = self._fetch(f"SELECT * FROM {quoted}", name=name)
        if self._backend == "sqlite":
            table = self._apply_sqlite_affinity(name, table)
        return normalize_table(table, name=name, where=self.display_uri)

    def read_query(self, sql: str, *, name: str = "query") -> pa.Table:
        """Runs a read-only query; see :meth:`Source.read_query`.

        Raises:
            SourceError: If the database rejects the query (the message has its error), or the
                result is empty.
        """
        return normalize_table(self._fetch(sql, name=name), name=name, where=self.display_uri)

    def _fetch(self, sql: str, *, name: str) -> pa.Table:
        """Runs ``sql`` on a fresh read-only ADBC connection and returns the Arrow result."""
        from adbc_driver_manager import Error as AdbcError

        _logger.debug("reading %r from %s", name, self.display_uri)
        try:
            with self._connect() as connection, connection.cursor() as cursor:
                if self._backend == "sqlite":
                    cursor.adbc_statement.set_options(
                        **{"adbc.sqlite.query.batch_rows": str(_SQLITE_BATCH_ROWS)}
                    )
                cursor.execute(sql)
                return cursor.fetch_arrow_table()
        except AdbcError as error:
            raise SourceError(
                f"reading {name!r} from {self.display_uri} failed: {error}"
            ) from error

    def _require_sqlite_file(self) -> None:
        """Raises :class:`SourceError` if the SQLite file is missing (SQLite would create it)."""
        if not self._sqlite_path.is_file():
            raise SourceError(f"SQLite database file {self._sqlite_path} does not exist")

    def _connect(self) -> Any:
        """A read-only ADBC DB-API connection (a context manager that closes it)."""
        if self._backend == "sqlite":
            self._require_sqlite_file()
            import adbc_driver_sqlite.dbapi

            # A file: URI, so that SQLite honours mode=ro; as_uri() percent-encodes the path.
            return adbc_driver_sqlite.dbapi.connect(f"{self._sqlite_path.as_uri()}?mode=ro")
        import adbc_driver_postgresql.dbapi

        libpq_url = self._url.set(drivername="postgresql").render_as_string(hide_password=False)
        connection = adbc_driver_postgresql.dbapi.connect(libpq_url)
        try:
            with connection.cursor() as cursor:
                cursor.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
            connection.commit()
        except BaseException:
            connection.close()
            raise
        return connection

    def _inspection_url(self) -> "URL":
        """The URL for SQLAlchemy: the SQLite file read-only, or an installed PostgreSQL driver.

        A bare ``postgresql://`` means psycopg (3) to SQLAlchemy 2.1; psycopg2 is used instead
        when psycopg is not installed.
        """
        if self._backend == "sqlite":
            self._require_sqlite_file()
            # Read-only through a file: URI, as for ADBC, so that SQLite never creates the file.
            return self._url.set(
                drivername="sqlite",
                database=self._sqlite_path.as_uri(),
                query={"mode": "ro", "uri": "true"},
            )
        if self._url.drivername == "postgresql":
            import importlib.util

            if importlib.util.find_spec("psycopg") is None:
                return self._url.set(drivername="postgresql+psycopg2")
        return self._url

    def _sqlalchemy_engine(self) -> "Engine":
        """The SQLAlchemy engine, made on first use; it keeps no connection open (NullPool)."""
        if self._engine is None:
            from sqlalchemy import create_engine
            from sqlalchemy.pool import NullPool

            self._engine = create_engine(self._inspection_url(), poolclass=NullPool)
        return self._engine

    def _inspect(self, action: Any) -> Any:
        """Runs ``action(inspector)``, turning connection failures into :class:`SourceError`."""
        from sqlalchemy import inspect
        from sqlalchemy.exc import SQLAlchemyError

        try:
            return action(inspect(self._sqlalchemy_engine()))
        except SQLAlchemyError as error:
            reason = getattr(error, "orig", None) or error
            raise SourceError(f"cannot inspect {self.display_uri}: {reason}") from error

    def _apply_sqlite_affinity(self, name: str, table: pa.Table) -> pa.Table:
        """Gives columns without any non-null value the Arrow type of their declared type."""
        empty = [
            index
            for index, column in enumerate(table.columns)
            if column.null_count == len(column) and column.type != pa.string()
        ]
        if not empty:
            return table
        declared = {
            column["name"]: column["type"]
            for column in self._inspect(lambda inspector: inspector.get_columns(name))
        }
        for index in empty:
            column_name = table.column_names[index]
            arrow_type = _affinity_type(declared.get(column_name))
            if table.column(index).type != arrow_type:
                table = table.set_column(index, column_name, pa.nulls(table.num_rows, arrow_type))
        return table


def _affinity_type(declared: Any) -> pa.DataType:
    """The Arrow type for a SQLite column of declared SQLAlchemy type ``declared``.

    SQLAlchemy's SQLite dialect already applies SQLite's affinity rules to the declared type
    text (``"BIGINT"`` -> ``BIGINT``, ``"VARCHAR(20)"`` -> ``VARCHAR``, no type -> ``NullType``).
    """
    from sqlalchemy import types

    if isinstance(declared, types.Boolean | types.Integer):
        return pa.int64()
    if isinstance(declared, types.Float | types.Numeric):
        return pa.float64()
    if isinstance(declared, types.LargeBinary):
        return pa.binary()
    return pa.string()


def sqlite_url(path: str | os.PathLike[str]) -> str:
    """The SQLAlchemy URL of the SQLite file at ``path`` (made absolute)."""
    return f"sqlite:///{Path(path).expanduser().resolve().as_posix()}"
