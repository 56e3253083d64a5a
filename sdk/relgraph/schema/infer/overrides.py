"""What a user forces on schema inference: dtypes, keys and times, per table.

In JSON or YAML::

    {"tables": {"drivers": {"primary_key": "driverId",
                            "dtypes": {"nationality": "category"},
                            "datetime_formats": {"dob": "%d/%m/%Y"},
                            "time_column": null}},
                "results": {"foreign_keys": {"raceId": "races.raceId"},
                            "drop_foreign_keys": ["statusId"],
                            "inherit_time_from": "raceId"}}}

A key that is left out is inferred; ``null`` unsets (no primary key, no time column, no
inherited time).
"""

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Literal

from relgraph.schema.documents import read_document
from relgraph.schema.dtypes import ColumnDType
from relgraph.schema.errors import SchemaError


class _Infer(Enum):
    INFER = "infer"

    def __repr__(self) -> str:
        return "INFER"


INFER = _Infer.INFER
"""Marks a setting that is left to inference (as opposed to ``None``, which unsets it)."""

Inferred = Literal[_Infer.INFER]
"""The type of :data:`INFER`."""

_TABLE_KEYS = (
    "primary_key",
    "dtypes",
    "datetime_formats",
    "foreign_keys",
    "drop_foreign_keys",
    "time_column",
    "inherit_time_from",
)


@dataclass(frozen=True)
class TableOverrides:
    """The settings a user forces on one table.

    Args:
        dtypes: Dtypes by column name (default: none).
        datetime_formats: ``strptime`` formats by column name; a column given a format is
            read as ``datetime`` (default: none).
        primary_key: The primary-key column, ``None`` for no primary key, or :data:`INFER`
            (default: :data:`INFER`).
        foreign_keys: References by column name, as ``"Table.column"`` or ``"Table"`` (its
            primary key) (default: none).
        drop_foreign_keys: Columns that are not foreign keys, whatever inference finds
            (default: none).
        time_column: The table's own time column, ``None`` for none, or :data:`INFER`
            (default: :data:`INFER`).
        inherit_time_from: The foreign-key column whose parent's time the table takes,
            ``None`` for no inherited time, or :data:`INFER` (default: :data:`INFER`).

    Raises:
        SchemaError: If a dtype is unknown, a column both gains and drops a foreign key, or
            both an own and an inherited time are set.
    """

    dtypes: Mapping[str, ColumnDType] = field(default_factory=dict)
    datetime_formats: Mapping[str, str] = field(default_factory=dict)
    primary_key: str | Inferred | None = INFER
    foreign_keys: Mapping[str, str] = field(default_factory=dict)
    drop_foreign_keys: tuple[str, ...] = ()
    time_column: str | Inferred | None = INFER
    inherit_time_from: str | Inferred | None = INFER

    def __post_init__(self) -> None:
        try:
            dtypes = {
                c: ColumnDType.parse(d, where=f"column '{c}'") for c, d in self.dtypes.items()
            }
        except ValueError as exc:
            raise SchemaError(str(exc)) from None
        object.__setattr__(self, "dtypes", dtypes)
        object.__setattr__(self, "datetime_formats", dict(self.datetime_formats))
        object.__setattr__(self, "foreign_keys", dict(self.foreign_keys))
        object.__setattr__(self, "drop_foreign_keys", tuple(self.drop_foreign_keys))
        both = sorted(set(self.foreign_keys) & set(self.drop_foreign_keys))
        if both:
            raise SchemaError(f"columns {both} are both in foreign_keys and drop_foreign_keys")
        if isinstance(self.time_column, str) and isinstance(self.inherit_time_from, str):
            raise SchemaError(
                f"time_column '{self.time_column}' and inherit_time_from "
                f"'{self.inherit_time_from}' are both set; a table has one time"
            )
        for column, fmt in self.datetime_formats.items():
            if self.dtypes.get(column, ColumnDType.DATETIME) != ColumnDType.DATETIME:
                raise SchemaError(
                    f"column '{column}' has datetime format {fmt!r} but dtype "
                    f"'{self.dtypes[column].value}'"
                )

    @property
    def columns(self) -> set[str]:
        """Every column these overrides name."""
        named = {*self.dtypes, *self.datetime_formats, *self.foreign_keys, *self.drop_foreign_keys}
        for value in (self.primary_key, self.time_column, self.inherit_time_from):
            if isinstance(value, str):
                named.add(value)
        return named

    def dtype(self, column: str) -> ColumnDType | None:
        """The forced dtype of a column (``datetime`` when it has a format), or ``None``."""
        if column in self.datetime_formats:
            return ColumnDType.DATETIME
        return self.dtypes.get(column)

    def to_dict(self) -> dict[str, Any]:
        """Returns the JSON form, leaving out what is inferred."""
        out: dict[str, Any] = {}
        if self.dtypes:
            out["dtypes"] = {c: d.value for c, d in self.dtypes.items()}
        if self.datetime_formats:
            out["datetime_formats"] = dict(self.datetime_formats)
        if self.primary_key is not INFER:
            out["primary_key"] = self.primary_key
        if self.foreign_keys:
            out["foreign_keys"] = dict(self.foreign_keys)
        if self.drop_foreign_keys:
            out["drop_foreign_keys"] = list(self.drop_foreign_keys)
        if self.time_column is not INFER:
            out["time_column"] = self.time_column
        if self.inherit_time_from is not INFER:
            out["inherit_time_from"] = self.inherit_time_from
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, table: str = "?") -> "TableOverrides":
        """Builds one table's overrides from their JSON form.

        Args:
            data: The table's settings.
            table: The table name, for error messages (default: ``"?"``).

        Raises:
            SchemaError: Naming the table and the setting, if a key is unknown or a value has
                the wrong type.
        """
        where = f"overrides for table '{table}'"
        if not isinstance(data, Mapping):
            raise SchemaError(f"{where}: expected a mapping, found {type(data).__name__}")
        unknown = sorted(set(data) - set(_TABLE_KEYS))
        if unknown:
            raise SchemaError(f"{where}: unknown keys {unknown} (known: {list(_TABLE_KEYS)})")
        kwargs: dict[str, Any] = {}
        for key in ("dtypes", "datetime_formats", "foreign_keys"):
            if key in data:
                kwargs[key] = _str_mapping(data[key], f"{where}: '{key}'")
        if "drop_foreign_keys" in data:
            drop = data["drop_foreign_keys"]
            if (
                isinstance(drop, str)
                or not isinstance(drop, list | tuple)
                or not all(isinstance(c, str) for c in drop)
            ):
                raise SchemaError(f"{where}: 'drop_foreign_keys' must be a list of column names")
            kwargs["drop_foreign_keys"] = tuple(drop)
        for key in ("primary_key", "time_column", "inherit_time_from"):
            if key in data:
                value = data[key]
                if value is not None and not isinstance(value, str):
                    raise SchemaError(
                        f"{where}: '{key}' must be a column name or null, found {value!r}"
                    )
                kwargs[key] = value
        try:
            return cls(**kwargs)
        except SchemaError as exc:
            raise SchemaError(f"{where}: {exc}") from None


@dataclass(frozen=True)
class SchemaOverrides:
    """The settings a user forces on schema inference, per table.

    Args:
        tables: Overrides by table name (default: none).
    """

    tables: Mapping[str, TableOverrides] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "tables", dict(self.tables))

    def table(self, name: str) -> TableOverrides:
        """The overrides of one table (empty when it has none)."""
        return self.tables.get(name, _EMPTY)

    def to_dict(self) -> dict[str, Any]:
        """Returns the JSON form."""
        return {"tables": {name: t.to_dict() for name, t in self.tables.items()}}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "SchemaOverrides":
        """Builds overrides from their JSON form, ``{"tables": {name: {...}}}``.

        Raises:
            SchemaError: Naming the table and setting, if the form is wrong.
        """
        if not isinstance(data, Mapping):
            raise SchemaError(f"schema overrides: expected a mapping, found {type(data).__name__}")
        unknown = sorted(set(data) - {"tables"})
        if unknown:
            raise SchemaError(f"schema overrides: unknown keys {unknown} (known: ['tables'])")
        tables = data.get("tables")
        if tables is None:
            tables = {}
        if not isinstance(tables, Mapping):
            raise SchemaError("schema overrides: 'tables' must map table names to settings")
        return cls({name: TableOverrides.from_dict(t, table=name) for name, t in tables.items()})

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> "SchemaOverrides":
        """Reads overrides from a JSON file, or YAML for a ``.yaml``/``.yml`` path.

        Raises:
            FileNotFoundError: If ``path`` does not exist.
            SchemaError: If the file is not valid overrides.
        """
        data = read_document(path, what="schema overrides")
        return cls.from_dict(data or {})

    @classmethod
    def coerce(cls, value: "SchemaOverrides | Mapping[str, Any] | None") -> "SchemaOverrides":
        """Returns ``value`` as overrides: as is, from its JSON form, or empty for ``None``.

        Raises:
            SchemaError: If ``value`` is not valid overrides.
        """
        if value is None:
            return cls()
        if isinstance(value, SchemaOverrides):
            return value
        return cls.from_dict(value)


def _str_mapping(value: Any, where: str) -> dict[str, str]:
    if not isinstance(value, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise SchemaError(f"{where} must map column names to strings, found {value!r}")
    return dict(value)


_EMPTY = TableOverrides()
