"""A relational schema: tables with keys and time, validated, saved and loaded."""

import hashlib
import json
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import yaml

from relgraph.io.atomic import atomic_write_text
from relgraph.schema.documents import YAML_SUFFIXES, read_document
from relgraph.schema.dtypes import ColumnDType
from relgraph.schema.errors import SchemaError
from relgraph.schema.keys import duplicate_count, key_family
from relgraph.schema.table import Table

FORMAT_VERSION = 1


@dataclass
class Schema:
    """The tables of a relational database with their keys and times.

    Args:
        tables: The tables, in order (default: none).
    """

    tables: list[Table] = field(default_factory=list)

    # -- lookup and editing -----------------------------------------------------------------

    @property
    def table_names(self) -> list[str]:
        """The table names, in order."""
        return [t.name for t in self.tables]

    def __iter__(self) -> Iterator[Table]:
        return iter(self.tables)

    def __contains__(self, name: object) -> bool:
        return any(t.name == name for t in self.tables)

    def table(self, name: str) -> Table:
        """Returns the table called ``name``.

        Raises:
            KeyError: If there is no such table; the message lists the tables there are.
        """
        for table in self.tables:
            if table.name == name:
                return table
        raise KeyError(f"schema has no table '{name}' (tables: {self.table_names})")

    def add_table(self, table: Table) -> None:
        """Adds a table.

        Raises:
            ValueError: If a table of that name exists.
        """
        if table.name in self:
            raise ValueError(f"schema already has a table '{table.name}'")
        self.tables.append(table)

    def remove_table(self, name: str) -> None:
        """Removes a table and every foreign key that referenced it."""
        self.table(name)
        self.tables = [t for t in self.tables if t.name != name]
        for table in self.tables:
            for fk in [fk for fk in table.foreign_keys if fk.table == name]:
                table.remove_foreign_key(fk.column)

    def time_source(self, name: str) -> tuple[str, str] | None:
        """Follows inherited time to the table and column that hold it.

        Args:
            name: A table name.

        Returns:
            ``(table, time_column)`` whose column gives the rows of ``name`` their time, or
            ``None`` when the table is static.

        Raises:
            SchemaError: If inheritance runs in a cycle or through a missing foreign key.
        """
        seen: list[str] = []
        table = self.table(name)
        while table.time_column is None:
            if table.inherit_time_from is None:
                return None
            seen.append(table.name)
            fk = table.foreign_key(table.inherit_time_from)
            if fk.table in seen:
                raise SchemaError(
                    f"table '{name}': inherited time runs in a cycle {[*seen, fk.table]}"
                )
            table = self.table(fk.table)
        return table.name, table.time_column

    # -- validation -------------------------------------------------------------------------

    def validate(self, data: Mapping[str, pa.Table] | None = None) -> None:
        """Checks the schema, and its fit to ``data`` when given.

        Structure: unique table and column names; at most one primary key and one time per
        table, naming existing columns; every table has a primary key or a foreign key; a time
        column is ``datetime``; a foreign key references an existing table's primary key;
        inherited time goes through a foreign key to a temporal parent, without cycles.
        With data: every table and column exists; primary keys are unique and non-null;
        foreign-key values are of a type compatible with the key they reference.

        Args:
            data: Arrow tables by table name (default: ``None``, structure only).

        Raises:
            SchemaError: Listing every problem found, each naming its table and column.
        """
        problems = self._structural_problems()
        if data is not None and not problems:
            problems = self._data_problems(data)
        if problems:
            raise SchemaError(problems)

    def _structural_problems(self) -> list[str]:
        problems: list[str] = []
        names = self.table_names
        for dup in sorted({n for n in names if names.count(n) > 1}):
            problems.append(f"table '{dup}' is defined more than once")
        for table in self.tables:
            problems += _table_problems(table, self)
        return problems

    def _data_problems(self, data: Mapping[str, pa.Table]) -> list[str]:
        problems: list[str] = []
        for table in self.tables:
            if table.name not in data:
                problems.append(f"table '{table.name}' has no data (data has: {sorted(data)})")
                continue
            arrow = data[table.name]
            missing = [c for c in table.column_names if c not in arrow.column_names]
            if missing:
                problems.append(
                    f"table '{table.name}': columns {missing} are not in the data "
                    f"(data has: {arrow.column_names})"
                )
                continue
            if table.primary_key is not None:
                problems += _primary_key_problems(table, arrow[table.primary_key])
            for fk in table.foreign_keys:
                parent = data.get(fk.table)
                if parent is None or fk.target_column not in parent.column_names:
                    continue
                child_type, parent_type = arrow[fk.column].type, parent[fk.target_column].type
                if key_family(child_type) != key_family(parent_type):
                    problems.append(
                        f"foreign key {table.name}.{fk.column} -> {fk.link_to}: values of type "
                        f"{child_type} cannot reference a key of type {parent_type}"
                    )
        return problems

    # -- serialization ----------------------------------------------------------------------

    def to_dict(self, *, with_decisions: bool = True) -> dict[str, Any]:
        """Returns the JSON form, with the format version."""
        return {
            "format_version": FORMAT_VERSION,
            "tables": [t.to_dict(with_decisions=with_decisions) for t in self.tables],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Schema":
        """Builds a schema from its JSON form.

        Raises:
            SchemaError: If the format version is newer than this relgraph reads, or an entry
                is malformed (the message names the table).
        """
        if not isinstance(data, dict) or not isinstance(data.get("tables", []), list):
            raise SchemaError("not a schema file: expected an object with a list under 'tables'")
        version = data.get("format_version", FORMAT_VERSION)
        if not isinstance(version, int) or version > FORMAT_VERSION:
            raise SchemaError(
                f"schema format_version {version!r} is not supported (this relgraph reads up to "
                f"{FORMAT_VERSION})"
            )
        tables = []
        for position, entry in enumerate(data.get("tables", [])):
            name = entry.get("name", f"#{position}") if isinstance(entry, dict) else f"#{position}"
            try:
                tables.append(Table.from_dict(entry))
            except (KeyError, TypeError, ValueError, AttributeError) as exc:
                raise SchemaError(
                    f"table '{name}': malformed entry ({type(exc).__name__}: {exc})"
                ) from exc
        return cls(tables=tables)

    def content_hash(self) -> str:
        """A hash of the schema's meaning (tables, columns, keys, time), not its decisions."""
        canonical = json.dumps(self.to_dict(with_decisions=False), sort_keys=True)
        return hashlib.sha256(canonical.encode()).hexdigest()[:16]

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Writes the schema as JSON, or YAML for a ``.yaml``/``.yml`` path, atomically.

        Returns:
            The path written.
        """
        path = Path(path)
        if path.suffix.lower() in YAML_SUFFIXES:
            text = yaml.safe_dump(self.to_dict(), sort_keys=False, allow_unicode=True)
        else:
            text = json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n"
        atomic_write_text(path, text)
        return path

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> "Schema":
        """Reads a schema written by :meth:`save`.

        Raises:
            FileNotFoundError: If ``path`` does not exist.
            SchemaError: If the file is not a schema.
        """
        data = read_document(path, what="schema")
        if not isinstance(data, dict) or "tables" not in data:
            raise SchemaError(f"{path}: not a schema file (no 'tables' key)")
        return cls.from_dict(data)


def _table_problems(table: Table, schema: Schema) -> list[str]:
    problems: list[str] = []
    where = f"table '{table.name}'"
    names = table.column_names
    for dup in sorted({n for n in names if names.count(n) > 1}):
        problems.append(f"{where}: column '{dup}' is defined more than once")
    if table.primary_key is not None and table.primary_key not in names:
        problems.append(
            f"{where}: primary key '{table.primary_key}' is not a column (columns: {names})"
        )
    if table.primary_key is None and not table.foreign_keys:
        problems.append(f"{where} has no primary key and no foreign key (columns: {names})")
    for fk in table.foreign_keys:
        problems += _foreign_key_problems(table, fk, schema)
    if table.time_column is not None:
        if table.time_column not in names:
            problems.append(f"{where}: time column '{table.time_column}' is not a column")
        elif table.column(table.time_column).dtype != ColumnDType.DATETIME:
            dtype = table.column(table.time_column).dtype.value
            problems.append(
                f"{where}: time column '{table.time_column}' must be datetime, found {dtype}"
            )
    if table.time_column is not None and table.inherit_time_from is not None:
        problems.append(f"{where} has both a time column and an inherited time")
    for col in table.columns:
        if col.time_of_day is not None and col.time_of_day not in names:
            problems.append(
                f"{where}: column '{col.name}' takes its time of day from missing column '{col.time_of_day}'"
            )
    if table.inherit_time_from is not None:
        problems += _inherited_time_problems(table, schema)
    return problems


def _foreign_key_problems(table: Table, fk, schema: Schema) -> list[str]:
    where = f"foreign key {table.name}.{fk.column} -> {fk.link_to}"
    if fk.column not in table.column_names:
        return [f"{where}: '{fk.column}' is not a column of '{table.name}'"]
    if fk.table not in schema:
        return [f"{where}: unknown table '{fk.table}' (tables: {schema.table_names})"]
    parent = schema.table(fk.table)
    if parent.primary_key is None:
        return [f"{where}: table '{fk.table}' has no primary key"]
    if parent.primary_key != fk.target_column:
        return [
            f"{where}: '{fk.target_column}' is not the primary key of '{fk.table}' (it is '{parent.primary_key}')"
        ]
    return []


def _inherited_time_problems(table: Table, schema: Schema) -> list[str]:
    where = f"table '{table.name}'"
    fk_columns = [fk.column for fk in table.foreign_keys]
    if table.inherit_time_from not in fk_columns:
        return [
            f"{where}: inherits time from '{table.inherit_time_from}', which is not a foreign key (foreign keys: {fk_columns})"
        ]
    parent = table.foreign_key(table.inherit_time_from).table
    if parent not in schema:
        return []  # reported as an unknown table already
    try:
        if schema.time_source(table.name) is None:
            return [f"{where}: inherits time from '{parent}', which has no time"]
    except SchemaError as exc:
        return exc.problems
    return []


def _primary_key_problems(table: Table, values: pa.ChunkedArray) -> list[str]:
    where = f"primary key {table.name}.{table.primary_key}"
    problems = []
    if values.null_count:
        problems.append(f"{where}: {values.null_count} null values")
    duplicates = duplicate_count(pc.drop_null(values))
    if duplicates:
        problems.append(f"{where}: {duplicates} duplicate values")
    return problems
