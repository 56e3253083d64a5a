"""How many values of a column are found among another table's key, counted by DuckDB.

The count is a hash join run by DuckDB over the Arrow tables in place (no copy), so it
scales to tens of millions of rows without materializing Python sets.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from types import TracebackType

import duckdb
import pyarrow as pa


@dataclass(frozen=True)
class Coverage:
    """How well a column's values are covered by a key.

    Args:
        non_null: Rows whose value is not null.
        matched: Rows whose value is one of the key's values.
        dangling: Distinct non-null values that are not key values.
    """

    non_null: int
    matched: int
    dangling: int

    @property
    def share(self) -> float:
        """The share of non-null rows that match (``0.0`` when all are null)."""
        return self.matched / self.non_null if self.non_null else 0.0

    def describe(self, key: str) -> str:
        """The coverage in words, for a decision's reason."""
        text = (
            f"{self.matched:,} of {self.non_null:,} non-null values ({self.share:.1%}) are in {key}"
        )
        if self.dangling:
            text += f"; {self.dangling:,} distinct values dangle"
        return text


class InclusionCounter:
    """Counts value inclusion between columns of Arrow tables, with one DuckDB connection.

    Use as a context manager, or call :meth:`close`.

    Args:
        tables: Arrow tables by name; registered with DuckDB lazily, under safe aliases, so any
            table or column name works.
    """

    def __init__(self, tables: Mapping[str, pa.Table]) -> None:
        self._tables = tables
        self._aliases: dict[str, str] = {}
        self._con = duckdb.connect()

    def __enter__(self) -> "InclusionCounter":
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Closes the DuckDB connection."""
        self._con.close()

    def coverage(self, table: str, column: str, parent: str, key: str) -> Coverage:
        """Counts how many values of ``table.column`` are values of ``parent.key``.

        ``parent.key`` must be unique (a primary key), so the join does not multiply rows.

        Args:
            table: The referencing table.
            column: The referencing column.
            parent: The referenced table.
            key: The referenced column.

        Returns:
            The counts.
        """
        child, target = self._alias(table), self._alias(parent)
        col, ref = _quote(column), _quote(key)
        counts = (
            f"SELECT count({col}), count({col}) FILTER (WHERE {col} IN "
            f"(SELECT {ref} FROM {target})) FROM {child}"
        )
        ((non_null, matched),) = self._con.execute(counts).fetchall()
        dangling = 0
        if matched < non_null:
            distinct = (
                f"SELECT count(DISTINCT c.{col}) FROM {child} AS c "
                f"ANTI JOIN {target} AS p ON c.{col} = p.{ref}"
            )
            ((dangling,),) = self._con.execute(distinct).fetchall()
        return Coverage(int(non_null), int(matched), int(dangling))

    def _alias(self, table: str) -> str:
        if table not in self._aliases:
            alias = f"t{len(self._aliases)}"
            self._con.register(alias, self._tables[table])
            self._aliases[table] = alias
        return self._aliases[table]


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'
