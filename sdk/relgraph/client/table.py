"""``GNNTable``: one table of a dataset, its schema bound to its data.

A :class:`GNNTable` holds a :class:`relgraph.schema.Table` (columns and dtypes, primary key,
foreign keys, time) and the Arrow data it describes, read from a file, a folder, an ``s3://``
prefix, a SQL database, or given in memory. Made from data, it infers what is not given
(dtypes, primary key, time column) with :func:`relgraph.schema.infer_schema`; foreign keys
to other tables are given by hand, or inferred for all tables at once by
:meth:`relgraph.client.Dataset.infer`. Its editing methods are those of
:class:`relgraph.schema.Table`, checked against the data.
"""

import logging
import os
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
import pyarrow as pa
from rich.console import Console, Group
from rich.table import Table as RichTable
from rich.text import Text

from relgraph.client.dtype_check import dtype_problems
from relgraph.io import normalize_table, open_source, redact_uri
from relgraph.schema import (
    INFER,
    Column,
    ColumnDType,
    ForeignKey,
    Schema,
    SchemaError,
    SchemaOverrides,
    Table,
    TableOverrides,
    infer_schema,
)
from relgraph.schema.infer.overrides import Inferred
from relgraph.schema.render import schema_rich_table

_logger = logging.getLogger(__name__)

TableSource = pa.Table | pd.DataFrame | str | os.PathLike
"""What a table's data comes from: an Arrow table or pandas DataFrame, or a location that
:func:`relgraph.io.open_source` opens (a file, a folder, ``s3://bucket/prefix``, a SQL URL)."""

PREVIEW_ROWS = 5
"""Rows of data :meth:`GNNTable.show_table` shows under the schema."""


class GNNTable:
    """A table of the dataset: its schema (columns, dtypes, keys, time) and its data.

    Example::

        customers = GNNTable("shop/customers.parquet", primary_key="customer_id")
        orders = GNNTable(
            "shop/", table="orders", time_column="ordered_at",
            foreign_keys=[ForeignKey("customer_id", "customers.customer_id")],
        )
        orders.set_dtype("channel", "category")
        orders.show_table()

    Args:
        source: The data: an Arrow table or pandas DataFrame, or a location (a CSV or parquet
            file, a folder of them, ``s3://bucket/prefix``, or a SQLAlchemy URL).
        name: The table's name in the dataset (default: ``None``: ``table``, or the name of
            the source's only table; required for in-memory data).
        table: Which table of a location holding several (default: ``None``: ``name``, or
            the only one).
        primary_key: The primary-key column, ``None`` for none (default: :data:`INFER`).
        time_column: The column of each row's event time, ``None`` for none
            (default: :data:`INFER`).
        foreign_keys: References to other tables' primary keys (default: none).
        dtypes: Dtypes by column name, replacing inference (default: ``None``).
        sample_rows: Rows sampled to infer dtypes (default: ``100_000``).

    Raises:
        SourceError: If the location cannot be read or has no such table.
        SchemaError: If a setting names a missing column or does not fit the data (a primary
            key with duplicates, a time column that is not a datetime), or the table has
            neither a primary key nor a foreign key.
        ValueError: If a dtype is unknown or a name is missing.
    """

    def __init__(
        self,
        source: TableSource,
        name: str | None = None,
        *,
        table: str | None = None,
        primary_key: str | Inferred | None = INFER,
        time_column: str | Inferred | None = INFER,
        foreign_keys: Sequence[ForeignKey] = (),
        dtypes: Mapping[str, ColumnDType | str] | None = None,
        sample_rows: int = 100_000,
    ) -> None:
        data, location, source_table = _read(source, name, table)
        name = name or source_table
        overrides = TableOverrides(
            dtypes=dict(dtypes or {}), primary_key=primary_key, time_column=time_column
        )
        try:
            schema = infer_schema(
                {name: data}, overrides=SchemaOverrides({name: overrides}), sample_rows=sample_rows
            )
        except SchemaError as exc:
            if foreign_keys and "no primary key and no foreign key" in str(exc):
                raise SchemaError(
                    f"table '{name}' has no primary key, and its foreign keys can only be "
                    "checked together with the tables they reference: build the dataset with "
                    "Dataset.infer(source) and edit it there"
                ) from exc
            raise
        self._schema = schema.table(name)
        self._data = data
        self._location = location
        self._source_table = source_table
        for fk in foreign_keys:
            self.add_foreign_key(fk)

    @classmethod
    def from_schema(
        cls,
        schema: Table,
        data: pa.Table,
        *,
        location: str | None = None,
        source_table: str | None = None,
    ) -> "GNNTable":
        """Binds a table schema to its data as it is, inferring nothing.

        Args:
            schema: The table's schema (kept, not copied: edits show in both).
            data: The table's data.
            location: Where the data was read from (default: ``None``, in memory).
            source_table: The table's name there (default: ``None``: ``schema.name``).

        Returns:
            The table.

        Raises:
            SchemaError: If a column of the schema is not in the data.
        """
        missing = [c for c in schema.column_names if c not in data.column_names]
        if missing:
            raise SchemaError(
                f"table '{schema.name}': columns {missing} are not in the data "
                f"(data has: {data.column_names})"
            )
        table = cls.__new__(cls)
        table._schema = schema
        table._data = data
        table._location = location
        table._source_table = source_table or schema.name
        return table

    def __repr__(self) -> str:
        where = f", source={redact_uri(self._location)!r}" if self._location else ""
        return (
            f"GNNTable({self.name!r}, rows={self.num_rows}, primary_key={self.primary_key!r}, "
            f"time_column={self.time_column!r}{where})"
        )

    # -- what it is -------------------------------------------------------------------------

    @property
    def name(self) -> str:
        """The table's name in the dataset."""
        return self._schema.name

    @property
    def schema(self) -> Table:
        """The table's schema (a :class:`relgraph.schema.Table`)."""
        return self._schema

    @property
    def data(self) -> pa.Table:
        """The data, every column read (also those removed from the schema)."""
        return self._data

    @property
    def location(self) -> str | None:
        """Where the data was read from (may hold a password), or ``None`` for in-memory data."""
        return self._location

    @property
    def source_table(self) -> str:
        """The table's name in its source."""
        return self._source_table

    @property
    def num_rows(self) -> int:
        """The number of rows."""
        return self._data.num_rows

    @property
    def columns(self) -> list[Column]:
        """The columns of the schema, in order."""
        return self._schema.columns

    @property
    def column_names(self) -> list[str]:
        """The column names of the schema, in order."""
        return self._schema.column_names

    @property
    def primary_key(self) -> str | None:
        """The primary-key column, or ``None``."""
        return self._schema.primary_key

    @property
    def foreign_keys(self) -> list[ForeignKey]:
        """The foreign keys."""
        return self._schema.foreign_keys

    @property
    def time_column(self) -> str | None:
        """The table's own time column, or ``None``."""
        return self._schema.time_column

    @property
    def inherit_time_from(self) -> str | None:
        """The foreign-key column whose parent's time the table takes, or ``None``."""
        return self._schema.inherit_time_from

    @property
    def is_projected(self) -> bool:
        """Whether the schema leaves out columns of the data (removed with
        :meth:`remove_column`), or orders them differently."""
        return self._schema.column_names != self._data.column_names

    def selected_data(self) -> pa.Table:
        """The data of the schema's columns, in the schema's order."""
        if not self.is_projected:
            return self._data
        return self._data.select(self._schema.column_names)

    # -- editing (relgraph.schema.Table's methods, checked against the data) -----------------

    def add_column(self, name: str, dtype: ColumnDType | str) -> Column:
        """Adds a column of the data to the schema (e.g. one removed before).

        Args:
            name: A column of the data.
            dtype: Its dtype.

        Returns:
            The column.

        Raises:
            SchemaError: If the data has no such column.
            ValueError: If the schema has it already, or the dtype is unknown.
        """
        if name not in self._data.column_names:
            raise SchemaError(
                f"table '{self.name}': the data has no column '{name}' "
                f"(data has: {self._data.column_names})"
            )
        return self._schema.add_column(name, dtype)

    def remove_column(self, name: str) -> None:
        """Leaves a column out of the schema, with every key or time role it had; the model
        will not see it.

        Raises:
            KeyError: If the schema has no such column.
        """
        self._schema.remove_column(name)

    def set_dtype(self, name: str, dtype: ColumnDType | str) -> None:
        """Changes the dtype of a column.

        Raises:
            KeyError: If there is no such column.
            ValueError: If the dtype is unknown.
            SchemaError: If the column's values cannot be read as that dtype (the message
                says which dtype fits).
        """
        column = self._schema.column(name)
        before = column.dtype
        self._schema.set_dtype(name, dtype)
        problems = dtype_problems(Table(self.name, [column]), self._data)
        if problems:
            column.dtype = before
            raise SchemaError(problems)

    def set_primary_key(self, name: str | None) -> None:
        """Makes ``name`` the primary key, or unsets it with ``None``.

        Raises:
            KeyError: If there is no such column.
            SchemaError: If its values are not unique and non-null.
        """
        before = self._schema.primary_key
        self._schema.set_primary_key(name)
        if name is not None:
            keys_only = Table(self.name, list(self._schema.columns), primary_key=name)
            try:
                Schema([keys_only]).validate({self.name: self._data})
            except SchemaError:
                self._schema.primary_key = before
                raise

    def add_foreign_key(
        self, foreign_key: ForeignKey | str, link_to: str | None = None
    ) -> ForeignKey:
        """Makes a column reference another table's primary key, replacing any reference it
        had; checked against the other table when the dataset is validated.

        Args:
            foreign_key: A :class:`ForeignKey`, or the referencing column's name.
            link_to: With a column name: the referenced ``"Table.column"``
                (default: ``None``).

        Returns:
            The foreign key.

        Raises:
            KeyError: If there is no such column.
            ValueError: If ``link_to`` is not ``"Table.column"``, or is given with a
                :class:`ForeignKey`.
        """
        if isinstance(foreign_key, ForeignKey):
            if link_to is not None:
                raise ValueError("add_foreign_key: give a ForeignKey, or a column and link_to")
            return self._schema.add_foreign_key(foreign_key.column, foreign_key.link_to)
        if link_to is None:
            raise ValueError(
                f"add_foreign_key('{foreign_key}'): say what it references, "
                "e.g. link_to='customers.customer_id'"
            )
        return self._schema.add_foreign_key(foreign_key, link_to)

    def remove_foreign_key(self, column: str) -> None:
        """Removes the foreign key held by ``column``.

        Raises:
            KeyError: If ``column`` holds no foreign key.
        """
        self._schema.remove_foreign_key(column)

    def set_time_column(self, name: str | None) -> None:
        """Makes ``name`` the table's own time column (clearing any inherited time), or
        unsets it with ``None``.

        Raises:
            KeyError: If there is no such column.
            SchemaError: If the column is not of dtype datetime.
        """
        if name is not None and self._schema.column(name).dtype != ColumnDType.DATETIME:
            dtype = self._schema.column(name).dtype.value
            raise SchemaError(
                f"table '{self.name}': time column '{name}' must be datetime, found {dtype}; "
                f"first set_dtype('{name}', 'datetime')"
            )
        self._schema.set_time_column(name)

    def set_inherit_time_from(self, fk_column: str | None) -> None:
        """Makes the table take the time of the parent referenced by ``fk_column`` (clearing
        any own time column), or unsets it with ``None``.

        Raises:
            KeyError: If ``fk_column`` holds no foreign key.
        """
        self._schema.set_inherit_time_from(fk_column)

    # -- checking and showing ---------------------------------------------------------------

    def validate_table(self) -> None:
        """Checks the table on its own: its keys and time against the data (primary key unique
        and non-null, time column a datetime), and every column's values against its dtype.
        Foreign keys are checked against the tables they reference by
        :meth:`Dataset.validate`.

        Raises:
            SchemaError: Listing every problem, each naming the column and what to change.
        """
        alone = Table.from_dict(self._schema.to_dict(with_decisions=False))
        alone.foreign_keys = []
        alone.inherit_time_from = None
        problems: list[str] = []
        try:
            Schema([alone]).validate({self.name: self._data})
        except SchemaError as exc:
            problems += [p for p in exc.problems if "no primary key and no foreign key" not in p]
        if self._schema.primary_key is None and not self._schema.foreign_keys:
            problems.append(
                f"table '{self.name}' has no primary key and no foreign key (columns: "
                f"{self.column_names}); set_primary_key(...) or add_foreign_key(...)"
            )
        missing = [
            fk.column for fk in self._schema.foreign_keys if fk.column not in self.column_names
        ]
        problems += [
            f"table '{self.name}': foreign key column '{c}' is not a column" for c in missing
        ]
        problems += dtype_problems(self._schema, self._data)
        if problems:
            raise SchemaError(problems)

    def show_table(self, *, rows: int = PREVIEW_ROWS, console: Console | None = None) -> None:
        """Prints the table's schema (dtype and role of every column, with the reason for each
        inferred decision) and its first rows.

        Args:
            rows: Rows of data to show (default: ``5``; ``0`` for none).
            console: Where to print (default: ``None``, standard output).
        """
        schema = schema_rich_table(Schema([self._schema]), {self.name: self.num_rows})
        parts: list[Any] = [schema]
        if rows > 0:
            parts.append(_preview(self.name, self.selected_data(), rows))
        (console or Console()).print(Group(*parts))


def _read(
    source: TableSource, name: str | None, table: str | None
) -> tuple[pa.Table, str | None, str]:
    """The data of a table source, where it was read from, and its name there."""
    if isinstance(source, pa.Table | pd.DataFrame):
        if not name:
            raise ValueError(
                "GNNTable: in-memory data needs a name, e.g. GNNTable(df, 'customers')"
            )
        if isinstance(source, pd.DataFrame):
            source = pa.Table.from_pandas(source, preserve_index=False)
        return normalize_table(source, name=name, where="memory"), None, name
    if not isinstance(source, str | os.PathLike):
        raise ValueError(
            "GNNTable: source must be an Arrow table, a pandas DataFrame, or a location "
            f"(file, folder, s3:// prefix, SQL URL), found {type(source).__name__}"
        )
    opened = open_source(source)
    wanted = table
    if wanted is None:
        names = opened.list_tables()
        if name in names:
            wanted = name
        elif len(names) == 1:
            wanted = names[0]
        else:
            raise ValueError(
                f"GNNTable: {opened.display_uri} holds {len(names)} tables {names}; "
                "say which with table=..."
            )
    data = opened.read_table(wanted)
    _logger.info("read table '%s' from %s: %d rows", wanted, opened.display_uri, data.num_rows)
    return data, opened.uri, wanted


def _preview(name: str, data: pa.Table, rows: int) -> RichTable:
    head = data.slice(0, rows)
    grid = RichTable(
        title=Text(f"{name}: first {head.num_rows} of {data.num_rows:,} rows"), title_justify="left"
    )
    for column in head.column_names:
        grid.add_column(Text(column), overflow="fold", max_width=24)
    # A handful of rows for display: converting them to Python values is the point.
    for row in head.to_pylist():
        grid.add_row(*(Text(_cell(value)) for value in row.values()))
    return grid


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    text = str(value)
    return text if len(text) <= 60 else text[:57] + "..."
