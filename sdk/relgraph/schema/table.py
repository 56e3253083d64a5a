"""A table of the relational database: columns, keys and time."""

from dataclasses import dataclass, field
from typing import Any

from relgraph.schema.column import Column
from relgraph.schema.decision import Decision
from relgraph.schema.dtypes import ColumnDType
from relgraph.schema.foreign_key import ForeignKey


@dataclass
class Table:
    """A table: its columns, primary key, foreign keys and time.

    A table has at most one time: either its own ``time_column`` or the time of the parent
    row it references through the foreign-key column ``inherit_time_from`` (a race result
    takes its race's date). A table with neither is static: always visible to a model.

    Args:
        name: The table name (spaces and non-ASCII allowed).
        columns: The columns, in source order (default: none).
        primary_key: The primary-key column, or ``None`` (default: ``None``).
        foreign_keys: References to other tables' primary keys (default: none).
        time_column: The column that holds each row's event time (default: ``None``).
        inherit_time_from: A foreign-key column whose parent's time this table takes
            (default: ``None``).
        decisions: How the schema was decided, with reasons (default: none).
    """

    name: str
    columns: list[Column] = field(default_factory=list)
    primary_key: str | None = None
    foreign_keys: list[ForeignKey] = field(default_factory=list)
    time_column: str | None = None
    inherit_time_from: str | None = None
    decisions: list[Decision] = field(default_factory=list)

    # -- lookup -----------------------------------------------------------------------------

    @property
    def column_names(self) -> list[str]:
        """The column names, in order."""
        return [c.name for c in self.columns]

    def has_column(self, name: str) -> bool:
        """Whether the table has a column called ``name``."""
        return any(c.name == name for c in self.columns)

    def column(self, name: str) -> Column:
        """Returns the column called ``name``.

        Raises:
            KeyError: If there is no such column; the message lists the columns there are.
        """
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(f"table '{self.name}' has no column '{name}' (columns: {self.column_names})")

    def foreign_key(self, column: str) -> ForeignKey:
        """Returns the foreign key held by ``column``.

        Raises:
            KeyError: If ``column`` holds no foreign key.
        """
        for fk in self.foreign_keys:
            if fk.column == column:
                return fk
        held = [fk.column for fk in self.foreign_keys]
        raise KeyError(
            f"table '{self.name}' has no foreign key on '{column}' (foreign keys: {held})"
        )

    @property
    def key_columns(self) -> set[str]:
        """The primary- and foreign-key columns, which are identifiers, not features."""
        keys = {fk.column for fk in self.foreign_keys}
        if self.primary_key is not None:
            keys.add(self.primary_key)
        return keys

    @property
    def feature_columns(self) -> list[Column]:
        """The columns a model encodes: all but keys and time-of-day helper columns."""
        helpers = {c.time_of_day for c in self.columns if c.time_of_day is not None}
        skip = self.key_columns | helpers
        return [c for c in self.columns if c.name not in skip]

    @property
    def is_temporal(self) -> bool:
        """Whether rows have a time, their own or inherited."""
        return self.time_column is not None or self.inherit_time_from is not None

    # -- editing ----------------------------------------------------------------------------

    def add_column(self, name: str, dtype: ColumnDType | str) -> Column:
        """Adds a column and returns it.

        Raises:
            ValueError: If a column of that name exists.
        """
        if self.has_column(name):
            raise ValueError(f"table '{self.name}' already has a column '{name}'")
        col = Column(name, ColumnDType.parse(dtype, where=f"{self.name}.{name}"))
        self.columns.append(col)
        return col

    def remove_column(self, name: str) -> None:
        """Removes a column and every key or time role it had."""
        self.column(name)
        self.columns = [c for c in self.columns if c.name != name]
        self.foreign_keys = [fk for fk in self.foreign_keys if fk.column != name]
        for col in self.columns:
            if col.time_of_day == name:
                col.time_of_day = None
        if self.primary_key == name:
            self.primary_key = None
        if self.time_column == name:
            self.time_column = None
        if self.inherit_time_from == name:
            self.inherit_time_from = None

    def set_dtype(self, name: str, dtype: ColumnDType | str) -> None:
        """Changes the dtype of a column."""
        self.column(name).dtype = ColumnDType.parse(dtype, where=f"{self.name}.{name}")

    def set_primary_key(self, name: str | None) -> None:
        """Makes ``name`` the primary key, or unsets it with ``None``."""
        if name is not None:
            self.column(name)
        self.primary_key = name

    def add_foreign_key(self, column: str, link_to: str) -> ForeignKey:
        """Makes ``column`` reference ``link_to`` (``"Table.column"``), replacing any
        reference it had."""
        self.column(column)
        fk = ForeignKey(column, link_to)
        self.foreign_keys = [f for f in self.foreign_keys if f.column != column] + [fk]
        return fk

    def remove_foreign_key(self, column: str) -> None:
        """Removes the foreign key held by ``column``."""
        self.foreign_key(column)
        self.foreign_keys = [f for f in self.foreign_keys if f.column != column]
        if self.inherit_time_from == column:
            self.inherit_time_from = None

    def set_time_column(self, name: str | None) -> None:
        """Makes ``name`` the table's own time column (clearing any inherited time), or
        unsets it with ``None``."""
        if name is not None:
            self.column(name)
            self.inherit_time_from = None
        self.time_column = name

    def set_inherit_time_from(self, fk_column: str | None) -> None:
        """Makes the table take the time of the parent referenced by ``fk_column`` (clearing
        any own time column), or unsets it with ``None``."""
        if fk_column is not None:
            self.foreign_key(fk_column)
            self.time_column = None
        self.inherit_time_from = fk_column

    # -- serialization ----------------------------------------------------------------------

    def to_dict(self, *, with_decisions: bool = True) -> dict[str, Any]:
        """Returns the JSON form."""
        out: dict[str, Any] = {
            "name": self.name,
            "columns": [c.to_dict() for c in self.columns],
            "primary_key": self.primary_key,
            "foreign_keys": [fk.to_dict() for fk in self.foreign_keys],
            "time_column": self.time_column,
            "inherit_time_from": self.inherit_time_from,
        }
        if with_decisions:
            out["decisions"] = [d.to_dict() for d in self.decisions]
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Table":
        """Builds a table from its JSON form."""
        return cls(
            name=data["name"],
            columns=[Column.from_dict(c) for c in data.get("columns", [])],
            primary_key=data.get("primary_key"),
            foreign_keys=[ForeignKey.from_dict(f) for f in data.get("foreign_keys", [])],
            time_column=data.get("time_column"),
            inherit_time_from=data.get("inherit_time_from"),
            decisions=[Decision.from_dict(d) for d in data.get("decisions", [])],
        )
