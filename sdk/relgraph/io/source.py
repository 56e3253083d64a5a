"""``Source``: a set of named tables that can be listed and read as Arrow."""

import abc
from collections.abc import Sequence

import pyarrow as pa

from relgraph.io.errors import SourceError, TableNotFoundError
from relgraph.io.uri import redact_uri


class Source(abc.ABC):
    """A set of named tables: a folder of files, an object-store prefix, or a SQL database.

    Tables come back normalized (see :func:`relgraph.io.normalize.normalize_table`): plain Arrow
    types, no metadata, at least one row and one column.

    Args:
        uri: Where the tables are; may hold a password, which :attr:`display_uri` hides.
    """

    def __init__(self, uri: str) -> None:
        self._uri = uri

    @property
    def uri(self) -> str:
        """The location: a SQL URL as given (with any password: do not log it), or for files
        the absolute path or ``s3://bucket/prefix``."""
        return self._uri

    @property
    def display_uri(self) -> str:
        """The location with any password replaced by ``***``, safe to log and store."""
        return redact_uri(self._uri)

    @abc.abstractmethod
    def list_tables(self) -> list[str]:
        """The names of the tables in this source, sorted."""

    @abc.abstractmethod
    def read_table(self, name: str) -> pa.Table:
        """Reads one table.

        Args:
            name: A name from :meth:`list_tables`.

        Returns:
            The table, normalized.

        Raises:
            TableNotFoundError: If there is no table ``name``; the message lists the tables.
            SourceError: If the table is empty or cannot be parsed.
        """

    def read_query(self, sql: str, *, name: str = "query") -> pa.Table:
        """Runs a read-only SQL query; only SQL databases can.

        Args:
            sql: The query.
            name: What to call the result in error messages (default: ``"query"``).

        Returns:
            The result, normalized.

        Raises:
            SourceError: Always, for sources other than SQL databases.
        """
        raise SourceError(
            f"cannot run query {name!r} on {self.display_uri}: queries need a SQL database "
            "(sqlite:///... or postgresql://...)"
        )

    def fingerprint(self, tables: Sequence[str] | None = None) -> dict[str, object]:
        """A cheap description of the current state of ``tables``, for cache keys.

        It never reads table contents. File sources describe each file (path, size,
        modification time); SQL databases return ``{}``, since nothing short of reading the
        data tells whether it changed.

        Args:
            tables: The tables to describe (default: ``None``, all of them).

        Returns:
            A JSON-serializable mapping.

        Raises:
            TableNotFoundError: If a name in ``tables`` is not in a file source.
        """
        return {}

    def check_tables(self, names: Sequence[str]) -> None:
        """Checks that every name in ``names`` is a table of this source.

        Args:
            names: Table names.

        Raises:
            TableNotFoundError: For the first unknown name; the message lists the tables.
        """
        known = self.list_tables()
        for name in names:
            if name not in known:
                raise TableNotFoundError(
                    f"table {name!r} not found in {self.display_uri}; "
                    f"tables there: {', '.join(known) or '(none)'}"
                )

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.display_uri!r})"
