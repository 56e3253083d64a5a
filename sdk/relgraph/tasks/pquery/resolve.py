"""Binding a predictive query to a schema: names, links, value kinds and the task type.

Everything here needs only the schema, so a query's task type is known, and its mistakes
reported, before any data is read. Given the Arrow types of the data, constants are also
checked against the columns they are compared with.
"""

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

import pandas as pd
import pyarrow as pa

from relgraph.schema import ColumnDType, Schema, Table
from relgraph.tasks.duration import Duration
from relgraph.tasks.pquery.ast import (
    AggFunc,
    Aggregation,
    And,
    ColumnRef,
    Comparison,
    Expr,
    InList,
    IsNull,
    Literal,
    Not,
    Operand,
    Or,
    Query,
    Window,
    walk,
)
from relgraph.tasks.pquery.errors import PQueryError
from relgraph.tasks.pquery.printer import to_text
from relgraph.tasks.task_type import TaskType


class ValueKind(StrEnum):
    """What kind of value a column or aggregation gives."""

    NUMERIC = "numeric"
    CATEGORICAL = "categorical"
    TEXT = "text"
    DATETIME = "datetime"
    LIST = "list"
    OTHER = "other"
    """Multi-categorical and embedding columns: only counted."""


_KIND_OF_DTYPE = {
    ColumnDType.INTEGER: ValueKind.NUMERIC,
    ColumnDType.FLOAT: ValueKind.NUMERIC,
    ColumnDType.CATEGORY: ValueKind.CATEGORICAL,
    ColumnDType.TEXT: ValueKind.TEXT,
    ColumnDType.DATETIME: ValueKind.DATETIME,
    ColumnDType.MULTI_CATEGORICAL: ValueKind.OTHER,
    ColumnDType.EMBEDDING: ValueKind.OTHER,
}

_COUNTS = (AggFunc.COUNT, AggFunc.COUNT_DISTINCT)


@dataclass(frozen=True)
class Hop:
    """One step along a foreign key: ``table.column -> parent.parent_key``."""

    table: str
    column: str
    parent: str
    parent_key: str


@dataclass(frozen=True)
class ResolvedColumn:
    """A column reference bound to the schema.

    Args:
        ref: The reference as written.
        hops: The foreign keys followed, in order.
        table: The table that holds the column (the last hop's parent, or ``ref.table``).
        column: The column, or ``None`` for ``table.*``.
        kind: The kind of its values (``OTHER`` for ``table.*``).
        dtype: Its dtype, or ``None`` for ``table.*``.
        id_table: The table whose row ids its values are (a foreign or primary key), if any.
    """

    ref: ColumnRef
    hops: tuple[Hop, ...]
    table: str
    column: str | None
    kind: ValueKind
    dtype: ColumnDType | None
    id_table: str | None


@dataclass(frozen=True)
class ResolvedAggregation:
    """An aggregation bound to the schema.

    Args:
        node: The aggregation as written.
        table: The aggregated table.
        link_column: Its foreign key to the entity table.
        arg: The aggregated column (or ``table.*``).
        kind: The kind of the result.
    """

    node: Aggregation
    table: str
    link_column: str
    arg: ResolvedColumn
    kind: ValueKind

    @property
    def empty_value(self) -> int | None:
        """The value over a window with no rows: 0 for counts and sums, else missing."""
        return 0 if self.node.func in (*_COUNTS, AggFunc.SUM) else None


@dataclass(frozen=True)
class ResolvedQuery:
    """A predictive query bound to a schema.

    Args:
        query: The syntax tree.
        text: The query in canonical form.
        entity_table: The entity table.
        entity_column: Its primary key.
        task_type: The task type the target implies.
        target_kind: The kind of the target value (boolean targets are ``CATEGORICAL``
            with ``task_type`` binary).
        target_window: The target's time window, or ``None`` for a static target.
        link_table: For link prediction, the table whose ids are ranked.
        rank_top: For link prediction, ``k``.
        columns: Every column reference, bound.
        aggregations: Every aggregation, bound.
    """

    query: Query
    text: str
    entity_table: str
    entity_column: str
    task_type: TaskType
    target_kind: ValueKind
    target_window: Window | None
    link_table: str | None
    rank_top: int | None
    columns: Mapping[ColumnRef, ResolvedColumn] = field(repr=False)
    aggregations: Mapping[Aggregation, ResolvedAggregation] = field(repr=False)

    @property
    def is_temporal(self) -> bool:
        """Whether examples have anchor times (the target aggregates a time window)."""
        return self.target_window is not None

    @property
    def window_length(self) -> Duration | None:
        """The length of the target window, the default step between anchors; ``None`` for a
        static target."""
        w = self.target_window
        return None if w is None else Duration(w.end - w.start, w.unit)


def resolve(
    query: Query,
    schema: Schema,
    *,
    text: str | None = None,
    types: Mapping[str, pa.Schema] | None = None,
) -> ResolvedQuery:
    """Binds ``query`` to ``schema`` and derives its task type.

    Args:
        query: The parsed query.
        schema: The schema its names refer to.
        text: The query text, for error positions (default: ``None``, the canonical text
            without positions).
        types: Arrow schemas by table name; when given, constants are checked against the
            stored types of the columns they are compared with (default: ``None``).

    Returns:
        The bound query.

    Raises:
        PQueryError: At the first name, link, type or window problem, with its position.
    """
    return _Resolver(query, schema, text, types or {}).run()


class _Resolver:
    def __init__(
        self, query: Query, schema: Schema, text: str | None, types: Mapping[str, pa.Schema]
    ) -> None:
        self.query = query
        self.schema = schema
        self.text = text
        self.types = types
        self.columns: dict[ColumnRef, ResolvedColumn] = {}
        self.aggregations: dict[Aggregation, ResolvedAggregation] = {}

    def error(self, message: str, node: object | None = None) -> PQueryError:
        pos = getattr(node, "pos", -1) if self.text is not None else None
        length = len(to_text(node)) if isinstance(node, ColumnRef | Aggregation) else 1
        return PQueryError(
            message, self.text, pos if pos is not None and pos >= 0 else None, length
        )

    def run(self) -> ResolvedQuery:
        entity = self.query.entity
        table = self.table(entity.table, entity)
        if table.primary_key is None:
            raise self.error(f"entity table '{table.name}' has no primary key", entity)
        if entity.column != table.primary_key:
            if not table.has_column(entity.column):
                raise self.error(
                    f"table '{table.name}' has no column '{entity.column}' "
                    f"(its primary key is '{table.primary_key}')",
                    entity,
                )
            raise self.error(
                f"FOR EACH names the entity's primary key: '{entity.column}' is not the primary "
                f"key of '{table.name}' (it is '{table.primary_key}')",
                entity,
            )
        target = self.query.target
        expr = target.expr
        if isinstance(expr, ColumnRef) and expr.is_star:
            raise self.error(
                "the target must be a value: aggregate the rows, e.g. COUNT(t.*, ...)", expr
            )
        if isinstance(expr, Comparison | InList | IsNull):
            self.predicate(expr, outer=True)
            kind = ValueKind.CATEGORICAL
            task_type = TaskType.BINARY_CLASSIFICATION
        else:
            kind = self.operand(expr, outer=True)
            task_type = self.task_type_of(expr, kind, target.rank_top)
        if self.query.where is not None:
            self.filter(self.query.where, outer=True)
        aggregations = [n for n in walk(target) if isinstance(n, Aggregation)]
        target_window = aggregations[0].window if aggregations else None
        if target_window is None:
            windowed = [n for n in walk(self.query) if isinstance(n, Aggregation)]
            if windowed:
                raise self.error(
                    "the target is a static column, so examples have no anchor time, but this "
                    "filter aggregates a time window; predict an aggregation instead",
                    windowed[0],
                )
        elif not target_window.is_future:
            raise self.error(
                f"the target window ({target_window.start}, {target_window.end}] ends at or "
                "before the anchor time: a label must come from the future (end > 0)",
                aggregations[0],
            )
        link_table = None
        if target.rank_top is not None:
            link_table = self.aggregations[expr].arg.id_table
        return ResolvedQuery(
            query=self.query,
            text=to_text(self.query),
            entity_table=table.name,
            entity_column=table.primary_key,
            task_type=task_type,
            target_kind=kind,
            target_window=target_window,
            link_table=link_table,
            rank_top=target.rank_top,
            columns=self.columns,
            aggregations=self.aggregations,
        )

    def task_type_of(self, expr: Operand, kind: ValueKind, rank_top: int | None) -> TaskType:
        if rank_top is not None:
            arg = self.aggregations[expr].arg
            if arg.id_table is None:
                raise self.error(
                    f"RANK TOP ranks ids of another table's rows, but '{to_text(arg.ref)}' is "
                    "neither a foreign nor a primary key; without RANK TOP, LIST_DISTINCT "
                    "predicts a set of labels (multilabel classification)",
                    arg.ref,
                )
            return TaskType.LINK_PREDICTION
        if kind is ValueKind.NUMERIC:
            return TaskType.REGRESSION
        if kind is ValueKind.CATEGORICAL:
            return TaskType.MULTICLASS_CLASSIFICATION
        if kind is ValueKind.LIST:
            return TaskType.MULTILABEL_CLASSIFICATION
        what = {
            ValueKind.TEXT: "free text; compare it (= 'value') for a binary task, or give the "
            "column the category dtype for a multiclass task",
            ValueKind.DATETIME: "a datetime; compare it with a date for a binary task",
        }.get(kind, f"of kind {kind.value}, which cannot be predicted")
        raise self.error(f"the target is {what}", expr)

    # -- names ----------------------------------------------------------------------------

    def table(self, name: str, node: object) -> Table:
        if name not in self.schema:
            raise self.error(f"unknown table '{name}' (tables: {self.schema.table_names})", node)
        return self.schema.table(name)

    def column(self, ref: ColumnRef) -> ResolvedColumn:
        if ref in self.columns:
            return self.columns[ref]
        table = self.table(ref.table, ref)
        hops: list[Hop] = []
        for step in ref.path[:-1]:
            fk_columns = [fk.column for fk in table.foreign_keys]
            if step not in fk_columns:
                raise self.error(
                    f"'{to_text(ref)}': '{step}' is not a foreign key of '{table.name}', so it "
                    f"cannot be followed (foreign keys: {fk_columns})",
                    ref,
                )
            fk = table.foreign_key(step)
            hops.append(Hop(table.name, step, fk.table, fk.target_column))
            table = self.table(fk.table, ref)
        if ref.is_star:
            resolved = ResolvedColumn(ref, (), table.name, None, ValueKind.OTHER, None, None)
        else:
            name = ref.path[-1]
            if not table.has_column(name):
                raise self.error(
                    f"table '{table.name}' has no column '{name}' (columns: {table.column_names})",
                    ref,
                )
            dtype = table.column(name).dtype
            id_table = None
            if name in {fk.column for fk in table.foreign_keys}:
                id_table = table.foreign_key(name).table
            elif name == table.primary_key:
                id_table = table.name
            resolved = ResolvedColumn(
                ref, tuple(hops), table.name, name, _KIND_OF_DTYPE[dtype], dtype, id_table
            )
        self.columns[ref] = resolved
        return resolved

    # -- expressions ----------------------------------------------------------------------

    def operand(self, node: Operand, *, outer: bool, within: str | None = None) -> ValueKind:
        if isinstance(node, Literal):
            return _literal_kind(node.value)
        if isinstance(node, Aggregation):
            return self.aggregation(node).kind
        resolved = self.column(node)
        home = self.query.entity.table if outer else within
        if node.table != home:
            if outer:
                raise self.error(
                    f"'{to_text(node)}' is not a column of the entity table '{home}': outside an "
                    f"aggregation, columns belong to '{home}'; aggregate '{node.table}' over a "
                    f"time window, e.g. COUNT({node.table}.* WHERE ..., 0, 30, days)",
                    node,
                )
            raise self.error(
                f"'{to_text(node)}' is not a column of '{home}': an aggregation's WHERE filters "
                f"the rows of the table it aggregates",
                node,
            )
        if node.is_star:
            raise self.error(
                f"'{node.table}.*' can only be counted: COUNT({node.table}.*, ...)", node
            )
        return resolved.kind

    def aggregation(self, node: Aggregation) -> ResolvedAggregation:
        if node in self.aggregations:
            return self.aggregations[node]
        entity = self.query.entity.table
        table = self.table(node.arg.table, node.arg)
        if self.schema.time_source(table.name) is None:
            raise self.error(
                f"table '{table.name}' has no time, so it has no rows in a time window; "
                f"aggregate a table of events",
                node,
            )
        links = [fk.column for fk in table.foreign_keys if fk.table == entity]
        if not links:
            linked = [
                t.name
                for t in self.schema.tables
                if any(fk.table == entity for fk in t.foreign_keys)
                and self.schema.time_source(t.name) is not None
            ]
            raise self.error(
                f"table '{table.name}' has no foreign key to the entity table '{entity}', so "
                f"its rows cannot be attributed to entities (tables with events of '{entity}': "
                f"{linked})",
                node,
            )
        if len(links) > 1:
            raise self.error(
                f"table '{table.name}' references '{entity}' through several foreign keys "
                f"{links}; it is ambiguous whose rows these are",
                node,
            )
        arg = self.column(node.arg)
        if node.where is not None:
            self.filter(node.where, outer=False, within=table.name)
        kind = self.aggregated_kind(node, arg)
        resolved = ResolvedAggregation(node, table.name, links[0], arg, kind)
        self.aggregations[node] = resolved
        return resolved

    def aggregated_kind(self, node: Aggregation, arg: ResolvedColumn) -> ValueKind:
        func = node.func
        where = f"{func.value}({to_text(arg.ref)})"
        if func in _COUNTS:
            return ValueKind.NUMERIC
        if arg.kind is ValueKind.OTHER:
            raise self.error(
                f"{where}: '{arg.column}' is {arg.dtype.value}; it can only be counted", node
            )
        if func in (AggFunc.SUM, AggFunc.AVG) and arg.kind is not ValueKind.NUMERIC:
            raise self.error(
                f"{where}: {func.value} needs a numeric column, '{arg.column}' is "
                f"{arg.dtype.value}",
                node,
            )
        if func in (AggFunc.SUM, AggFunc.AVG):
            return ValueKind.NUMERIC
        if func is AggFunc.LIST_DISTINCT:
            return ValueKind.LIST
        return arg.kind

    def filter(self, node: Expr, *, outer: bool, within: str | None = None) -> None:
        for predicate in predicates(node):
            self.predicate(predicate, outer=outer, within=within)

    def predicate(
        self, node: Comparison | InList | IsNull, *, outer: bool, within: str | None = None
    ) -> None:
        if isinstance(node, IsNull):
            self.operand(node.operand, outer=outer, within=within)
            return
        if isinstance(node, InList):
            kind = self.operand(node.operand, outer=outer, within=within)
            for value in node.values:
                self.check_constant(node.operand, kind, value)
            return
        left = self.operand(node.left, outer=outer, within=within)
        right = self.operand(node.right, outer=outer, within=within)
        if isinstance(node.left, Literal) and isinstance(node.right, Literal):
            raise self.error("the comparison is between two constants", node)
        if isinstance(node.right, Literal):
            self.check_constant(node.left, left, node.right)
        elif isinstance(node.left, Literal):
            self.check_constant(node.right, right, node.left)
        elif not _comparable(left, right):
            raise self.error(
                f"cannot compare {left.value} '{to_text(node.left)}' with {right.value} "
                f"'{to_text(node.right)}'",
                node,
            )

    def check_constant(self, operand: Operand, kind: ValueKind, literal: Literal) -> None:
        value = literal.value
        what = f"'{to_text(operand)}'"
        if kind is ValueKind.LIST:
            raise self.error(
                f"{what} is a list; lists are predicted with RANK TOP k, not compared", literal
            )
        if kind is ValueKind.OTHER:
            raise self.error(f"{what} cannot be compared with a constant", literal)
        if kind is ValueKind.NUMERIC and _literal_kind(value) is not ValueKind.NUMERIC:
            raise self.error(f"{what} is numeric, but is compared with {to_text(literal)}", literal)
        if kind is ValueKind.TEXT and not isinstance(value, str):
            raise self.error(f"{what} is text, but is compared with {to_text(literal)}", literal)
        if kind is ValueKind.DATETIME and (
            not isinstance(value, str) or parse_datetime(value) is None
        ):
            raise self.error(
                f"{what} is a datetime; compare it with a date or timestamp in quotes "
                f"('2005-01-01'), not {to_text(literal)}",
                literal,
            )
        if kind is ValueKind.CATEGORICAL and isinstance(value, float) and not value.is_integer():
            raise self.error(f"{what} is categorical, but is compared with {value!r}", literal)
        stored = self.stored_type(operand)
        if stored is None:
            return
        if pa.types.is_boolean(stored) and not isinstance(value, bool):
            raise self.error(
                f"{what} holds true/false, but is compared with {to_text(literal)}", literal
            )
        if _is_string(stored) and not isinstance(value, str) and kind is not ValueKind.NUMERIC:
            raise self.error(f"{what} holds text, but is compared with {to_text(literal)}", literal)
        if (pa.types.is_integer(stored) or pa.types.is_floating(stored)) and isinstance(value, str):
            raise self.error(
                f"{what} holds numbers, but is compared with {to_text(literal)}", literal
            )

    def stored_type(self, operand: Operand) -> pa.DataType | None:
        ref = operand.arg if isinstance(operand, Aggregation) else operand
        if not isinstance(ref, ColumnRef) or ref.is_star:
            return None
        if isinstance(operand, Aggregation) and operand.func in (
            *_COUNTS,
            AggFunc.SUM,
            AggFunc.AVG,
        ):
            return None
        resolved = self.columns.get(ref)
        arrow = self.types.get(resolved.table) if resolved is not None else None
        if arrow is None or resolved.column not in arrow.names:
            return None
        return arrow.field(resolved.column).type


def predicates(node: Expr) -> list[Comparison | InList | IsNull]:
    """The predicates a filter combines with AND, OR and NOT (not those inside its
    aggregations' own filters)."""
    if isinstance(node, And | Or):
        return [p for item in node.items for p in predicates(item)]
    if isinstance(node, Not):
        return predicates(node.item)
    return [node]


def parse_datetime(text: str) -> dt.datetime | None:
    """Reads an ISO 8601 date or timestamp constant; ``None`` if it is not one."""
    try:
        stamp = pd.Timestamp(text)
    except (TypeError, ValueError):
        return None
    if stamp is pd.NaT:
        return None
    if stamp.tzinfo is not None:
        stamp = stamp.tz_convert("UTC").tz_localize(None)
    return stamp.to_pydatetime()


def _literal_kind(value: object) -> ValueKind:
    if isinstance(value, bool):
        return ValueKind.CATEGORICAL
    if isinstance(value, int | float):
        return ValueKind.NUMERIC
    return ValueKind.TEXT


def _comparable(left: ValueKind, right: ValueKind) -> bool:
    if ValueKind.LIST in (left, right) or ValueKind.OTHER in (left, right):
        return False
    textual = {ValueKind.CATEGORICAL, ValueKind.TEXT}
    return left == right or (left in textual and right in textual)


def _is_string(dtype: pa.DataType) -> bool:
    return pa.types.is_string(dtype) or pa.types.is_large_string(dtype)
