"""Inferring a schema from tables: dtypes, primary keys, foreign keys and times.

The steps run in order, each on the decisions of the ones before: column dtypes from a
sample of values; primary keys (checked on every row); foreign keys (name evidence, then
value inclusion counted by DuckDB); each table's own event time; inherited times. Every
decision is recorded on its table with the reason, and user overrides replace inference at
any step (recorded with ``source="override"``).
"""

import logging
from collections.abc import Mapping
from typing import Any

import pyarrow as pa

from relgraph.schema.column import Column
from relgraph.schema.decision import Decision, DecisionKind
from relgraph.schema.dtypes import ColumnDType
from relgraph.schema.errors import SchemaError
from relgraph.schema.foreign_key import ForeignKey
from relgraph.schema.infer.dtypes import ColumnProfile, profile_as_datetime, profile_column
from relgraph.schema.infer.foreign_keys import infer_foreign_keys
from relgraph.schema.infer.inclusion import InclusionCounter
from relgraph.schema.infer.names import time_of_day_partner
from relgraph.schema.infer.overrides import INFER, SchemaOverrides, TableOverrides
from relgraph.schema.infer.primary_keys import check_primary_key, infer_primary_key
from relgraph.schema.infer.times import infer_inherited_times, infer_time_column
from relgraph.schema.infer.values import sample_table
from relgraph.schema.keys import key_family
from relgraph.schema.schema import Schema
from relgraph.schema.table import Table

_logger = logging.getLogger(__name__)

_OVERRIDE = "override"


def infer_schema(
    tables: Mapping[str, pa.Table],
    *,
    overrides: SchemaOverrides | Mapping[str, Any] | None = None,
    sample_rows: int = 100_000,
) -> Schema:
    """Infers the schema of a relational database from its tables.

    Args:
        tables: Arrow tables by name, in the order the schema lists them.
        overrides: Settings that replace inference, as :class:`SchemaOverrides` or their JSON
            form (default: ``None``, infer everything).
        sample_rows: Rows sampled per table to infer dtypes; keys are checked on every row
            (default: ``100_000``).

    Returns:
        The schema, structurally valid, with every decision and its reason on its table.

    Raises:
        SchemaError: If the input or the overrides are invalid (naming the table, column and
            what was found), a forced primary key is not unique and non-null, or a table ends
            up with neither a primary key nor a foreign key.
    """
    _check_input(tables, sample_rows)
    settings = SchemaOverrides.coerce(overrides)
    _check_overrides(settings, tables)
    names = list(tables)
    built: dict[str, Table] = {}
    profiles: dict[str, dict[str, ColumnProfile]] = {}
    for name in names:
        built[name], profiles[name] = _columns(
            name, tables[name], settings.table(name), sample_rows
        )
    for name in names:
        others = [n for n in names if n != name]
        _primary_key(built[name], tables[name], settings.table(name), others)
    primary_keys = {name: built[name].primary_key for name in names}
    with InclusionCounter(tables) as counter:
        for name in names:
            _foreign_keys(built[name], tables, primary_keys, settings.table(name), counter)
    for name in names:
        _check_keyed(built[name])
    _times(built, profiles, tables, settings)
    schema = Schema(tables=[built[name] for name in names])
    schema.validate()
    for table in schema:
        _logger.info(
            "table '%s': primary key %s, foreign keys %s, time %s",
            table.name,
            table.primary_key,
            [f"{fk.column}->{fk.link_to}" for fk in table.foreign_keys],
            table.time_column
            or (f"inherited via {table.inherit_time_from}" if table.inherit_time_from else None),
        )
    return schema


def _check_input(tables: Mapping[str, pa.Table], sample_rows: int) -> None:
    if not isinstance(tables, Mapping) or not tables:
        raise SchemaError(
            "infer_schema: 'tables' must be a non-empty mapping of name to Arrow table, "
            f"found {tables!r:.80}"
        )
    if isinstance(sample_rows, bool) or not isinstance(sample_rows, int) or sample_rows < 1:
        raise SchemaError(
            f"infer_schema: 'sample_rows' must be a positive integer, found {sample_rows!r}"
        )
    for name, data in tables.items():
        if not isinstance(name, str) or not name:
            raise SchemaError(
                f"infer_schema: table names must be non-empty strings, found {name!r}"
            )
        if not isinstance(data, pa.Table):
            raise SchemaError(
                f"table '{name}': expected a pyarrow.Table, found {type(data).__name__}"
            )
        columns = data.column_names
        duplicates = sorted({c for c in columns if columns.count(c) > 1})
        if duplicates:
            raise SchemaError(f"table '{name}': duplicate column names {duplicates}")
        if not columns:
            raise SchemaError(f"table '{name}' has no columns")


def _check_overrides(settings: SchemaOverrides, tables: Mapping[str, pa.Table]) -> None:
    for name, table_settings in settings.tables.items():
        if name not in tables:
            raise SchemaError(f"overrides name unknown table '{name}' (tables: {list(tables)})")
        columns = tables[name].column_names
        missing = sorted(table_settings.columns - set(columns))
        if missing:
            raise SchemaError(
                f"overrides for table '{name}' name unknown columns {missing} (columns: {columns})"
            )


# -- dtypes ------------------------------------------------------------------------------------


def _columns(
    name: str, data: pa.Table, settings: TableOverrides, sample_rows: int
) -> tuple[Table, dict[str, ColumnProfile]]:
    sample = sample_table(data, sample_rows)
    profiles: dict[str, ColumnProfile] = {}
    reasons: list[tuple[str, str]] = []
    table = Table(name)
    for column in data.column_names:
        where = f"{name}.{column}"
        forced = settings.dtype(column)
        if forced is None:
            profile = profile_column(sample[column], total_rows=data.num_rows, where=where)
            reasons.append((profile.reason, "inferred"))
        elif forced == ColumnDType.DATETIME:
            fmt = settings.datetime_formats.get(column)
            profile = profile_as_datetime(sample[column], datetime_format=fmt, where=where)
            reasons.append((f"set by override ({profile.reason})", _OVERRIDE))
        else:
            table.columns.append(Column(column, forced))
            reasons.append(("set by override", _OVERRIDE))
            continue
        profiles[column] = profile
        table.columns.append(Column(column, profile.dtype, profile.datetime_format))
    _pair_times_of_day(table, profiles)
    for col, (reason, source) in zip(table.columns, reasons, strict=True):
        if col.time_of_day is not None:
            reason += f"; its time of day is in '{col.time_of_day}' (times of day, named like it)"
        table.decisions.append(
            Decision(DecisionKind.DTYPE, col.name, col.dtype.value, reason, source)
        )
    return table, profiles


def _pair_times_of_day(table: Table, profiles: Mapping[str, ColumnProfile]) -> None:
    """Gives a date column the column holding its rows' time of day (``date`` + ``time``)."""
    for column in table.columns:
        profile = profiles.get(column.name)
        if column.dtype != ColumnDType.DATETIME or profile is None or not profile.date_only:
            continue
        partner = time_of_day_partner(column.name, table.column_names)
        if partner is not None and partner in profiles and profiles[partner].time_of_day:
            column.time_of_day = partner


# -- keys --------------------------------------------------------------------------------------


def _primary_key(table: Table, data: pa.Table, settings: TableOverrides, others: list[str]) -> None:
    if settings.primary_key is INFER:
        choice = infer_primary_key(table.name, data, others)
        table.primary_key = choice.column
        table.decisions.append(
            Decision(
                DecisionKind.PRIMARY_KEY, choice.column, choice.column or "none", choice.reason
            )
        )
    elif settings.primary_key is None:
        table.decisions.append(
            Decision(
                DecisionKind.PRIMARY_KEY,
                None,
                "none",
                "no primary key (set by override)",
                _OVERRIDE,
            )
        )
    else:
        column = settings.primary_key
        check_primary_key(table.name, column, data[column])
        table.primary_key = column
        reason = f"set by override; its {data.num_rows:,} values are unique and non-null"
        table.decisions.append(
            Decision(DecisionKind.PRIMARY_KEY, column, column, reason, _OVERRIDE)
        )


def _foreign_keys(
    table: Table,
    tables: Mapping[str, pa.Table],
    primary_keys: Mapping[str, str | None],
    settings: TableOverrides,
    counter: InclusionCounter,
) -> None:
    skip = [*settings.foreign_keys, *settings.drop_foreign_keys]
    found, decisions = infer_foreign_keys(table.name, tables, primary_keys, counter, skip=skip)
    forced = [
        _forced_foreign_key(table.name, c, t, tables, primary_keys, counter)
        for c, t in settings.foreign_keys.items()
    ]
    by_column = {fk.column: fk for fk in found}
    by_column.update({fk.column: fk for fk, _ in forced})
    table.foreign_keys = [by_column[c] for c in table.column_names if c in by_column]
    table.decisions += decisions + [d for _, d in forced]
    for column in settings.drop_foreign_keys:
        reason = "not a foreign key (set by override)"
        table.decisions.append(
            Decision(DecisionKind.FOREIGN_KEY, column, "none", reason, _OVERRIDE)
        )


def _forced_foreign_key(
    table: str,
    column: str,
    target: str,
    tables: Mapping[str, pa.Table],
    primary_keys: Mapping[str, str | None],
    counter: InclusionCounter,
) -> tuple[ForeignKey, Decision]:
    where = f"foreign key override {table}.{column} -> {target!r}"
    parent, key = target, None
    if target not in tables and "." in target:
        parent, key = target.rsplit(".", 1)
    if parent not in tables:
        raise SchemaError(f"{where}: unknown table '{parent}' (tables: {list(tables)})")
    parent_key = primary_keys[parent]
    if parent_key is None:
        raise SchemaError(f"{where}: table '{parent}' has no primary key")
    if key is not None and key != parent_key:
        raise SchemaError(
            f"{where}: '{key}' is not the primary key of '{parent}' (it is '{parent_key}')"
        )
    child_type, key_type = tables[table][column].type, tables[parent][parent_key].type
    if key_family(child_type) != key_family(key_type):
        raise SchemaError(
            f"{where}: values of type {child_type} cannot reference {parent}.{parent_key} "
            f"of type {key_type}"
        )
    link = f"{parent}.{parent_key}"
    coverage = counter.coverage(table, column, parent, parent_key)
    reason = f"set by override; {coverage.describe(link)}"
    return ForeignKey(column, link), Decision(
        DecisionKind.FOREIGN_KEY, column, link, reason, _OVERRIDE
    )


def _check_keyed(table: Table) -> None:
    if table.primary_key is None and not table.foreign_keys:
        pk = next(d for d in table.decisions if d.kind == DecisionKind.PRIMARY_KEY)
        raise SchemaError(
            f"table '{table.name}' has no primary key and no foreign key ({pk.reason}; no column "
            f"is named like a reference with matching values); set 'primary_key' or "
            f"'foreign_keys' for it in the overrides (columns: {table.column_names})"
        )


# -- time --------------------------------------------------------------------------------------


def _times(
    built: Mapping[str, Table],
    profiles: Mapping[str, Mapping[str, ColumnProfile]],
    tables: Mapping[str, pa.Table],
    settings: SchemaOverrides,
) -> None:
    fixed: dict[str, str | None] = {}
    own: dict[str, tuple[str, str]] = {}
    for name, table in built.items():
        table_settings = settings.table(name)
        if table_settings.inherit_time_from is not INFER:
            fixed[name] = _fixed_inheritance(table, table_settings.inherit_time_from)
        own[name] = _own_time(table, profiles[name], table_settings)
    row_counts = {name: data.num_rows for name, data in tables.items()}
    inherited = infer_inherited_times(built, row_counts, fixed)
    for name, table in built.items():
        own_reason, own_source = own[name]
        if table.time_column is not None:
            column = table.time_column
            decision = Decision(DecisionKind.TIME_COLUMN, column, column, own_reason, own_source)
        elif inherited[name].column is None:
            source = _OVERRIDE if name in fixed or own_source == _OVERRIDE else "inferred"
            reason = f"{own_reason}; {inherited[name].reason}"
            decision = Decision(DecisionKind.TIME_COLUMN, None, "none", reason, source)
        else:
            column = inherited[name].column
            table.inherit_time_from = column
            source = _OVERRIDE if name in fixed else "inferred"
            reason = f"{inherited[name].reason}; own time: {own_reason}"
            link = table.foreign_key(column).link_to
            decision = Decision(DecisionKind.TIME_COLUMN, column, link, reason, source)
        table.decisions.append(decision)


def _fixed_inheritance(table: Table, column: str | None) -> str | None:
    fk_columns = [fk.column for fk in table.foreign_keys]
    if column is not None and column not in fk_columns:
        raise SchemaError(
            f"table '{table.name}': inherit_time_from override '{column}' is not a foreign key "
            f"(foreign keys: {fk_columns})"
        )
    return column


def _own_time(
    table: Table, profiles: Mapping[str, ColumnProfile], settings: TableOverrides
) -> tuple[str, str]:
    """Sets the table's own time column; returns the reason and its source."""
    column = settings.time_column
    if isinstance(column, str):
        dtype = table.column(column).dtype
        if dtype != ColumnDType.DATETIME:
            raise SchemaError(
                f"table '{table.name}': time column override '{column}' has dtype "
                f"'{dtype.value}', not datetime; set its dtype (or a datetime format) in the "
                f"overrides"
            )
        table.time_column = column
        return "set by override", _OVERRIDE
    if column is None or isinstance(settings.inherit_time_from, str):
        return "no own time column (set by override)", _OVERRIDE
    choice = infer_time_column(table, profiles)
    table.time_column = choice.column
    return choice.reason, "inferred"
