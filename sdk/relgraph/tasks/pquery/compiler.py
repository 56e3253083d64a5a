"""Compiling a bound predictive query to one DuckDB SQL statement.

The statement reads registered Arrow relations, never user text: every table and column
name in it was checked against the schema and is double-quoted, tables are registered under
internal names (``__t0``, ``__t1``, ...), and every constant is a ``$n`` parameter. Window
bounds are not in the SQL either: when a table is registered, each row gets, per window it is
aggregated over, the range of anchors whose window holds it (``__first{w}``..``__last{w}``,
found by binary search over the sorted anchors in numpy, so calendar months work like days).
A row then joins exactly the anchors it belongs to, an equi-join instead of a range join.

Shape of the statement for a temporal query::

    WITH __ent AS (entity ids and the entity columns the query uses),
         __g0  AS (per (entity, anchor index): the aggregations over one table and window),
         ...
    SELECT id, anchor_time, label
    FROM __ent x anchors                 -- or FROM a group every example must have
    LEFT JOIN __g0 ... WHERE filter AND label IS NOT NULL
    ORDER BY anchor_time, id

Semantics that the SQL encodes:

* a window is ``(anchor + start, anchor + end]``; rows without a time are in no window;
* over a window without rows, COUNT, COUNT_DISTINCT and SUM are 0, other aggregations missing,
  LIST_DISTINCT an empty list;
* a comparison or IN with a missing value is false (so ``NOT`` of it is true);
* an example whose target is missing (e.g. AVG over no rows) is left out; for link
  prediction, so is an example with no target id;
* a temporal entity table contributes, at each anchor, the entities whose time is at or
  before the anchor.
"""

import operator
from collections.abc import Callable
from dataclasses import dataclass, field

from relgraph.schema import ColumnDType, Schema
from relgraph.tasks.pquery.ast import (
    AggFunc,
    Aggregation,
    And,
    ColumnRef,
    CompareOp,
    Comparison,
    Expr,
    InList,
    IsNull,
    Literal,
    Not,
    Operand,
    Or,
    Window,
)
from relgraph.tasks.pquery.errors import PQueryError
from relgraph.tasks.pquery.resolve import (
    ResolvedAggregation,
    ResolvedColumn,
    ResolvedQuery,
    ValueKind,
    parse_datetime,
)
from relgraph.tasks.task_table import ANCHOR_TIME, LABEL

ANCHORS_RELATION = "__anchors"
"""The registered name of the anchor relation: ``__i`` (0, 1, ...) and ``anchor_time``,
sorted by time."""

FIRST, LAST = "__first", "__last"
"""Prefixes of the per-window anchor-range columns of registered tables (see ``TableUse``)."""

TIME = "__time"
"""The column registered tables carry with each row's own or inherited time."""

ROW = "__row"
"""The column registered tables carry with each row's position (to break time ties)."""

_OPS: dict[CompareOp, Callable[[object, object], bool]] = {
    CompareOp.EQ: operator.eq,
    CompareOp.NE: operator.ne,
    CompareOp.LT: operator.lt,
    CompareOp.LE: operator.le,
    CompareOp.GT: operator.gt,
    CompareOp.GE: operator.ge,
}
_FLIPPED = {
    CompareOp.LT: CompareOp.GT,
    CompareOp.LE: CompareOp.GE,
    CompareOp.GT: CompareOp.LT,
    CompareOp.GE: CompareOp.LE,
    CompareOp.EQ: CompareOp.EQ,
    CompareOp.NE: CompareOp.NE,
}


@dataclass(frozen=True)
class TableUse:
    """A table the statement reads, and what of it.

    Args:
        table: The schema table.
        relation: The name it is registered under.
        columns: The data columns read.
        datetime_columns: Those of ``columns`` to register as ``timestamp[us]``.
        row_numbers: Whether the relation needs the ``__row`` column.
        windows: The windows (indexes into ``CompiledQuery.windows``) aggregated over this
            table: for each window ``w`` the relation needs the columns ``__first{w}`` and
            ``__last{w}``, the first and last anchor (indexes into the anchor relation) whose
            window holds the row (``__first > __last`` when none does).
    """

    table: str
    relation: str
    columns: tuple[str, ...]
    datetime_columns: tuple[str, ...]
    row_numbers: bool
    windows: tuple[int, ...]


@dataclass(frozen=True)
class CompiledQuery:
    """A predictive query as one DuckDB statement.

    Args:
        sql: The statement.
        params: Values of its ``$1, $2, ...`` parameters.
        tables: The tables to register, and what of them.
        windows: The windows whose bounds the anchor relation must carry, by index.
        entity_column: The output column of entity ids.
        label_column: The output column of targets.
        temporal: Whether the statement reads anchor times (else it has no
            ``anchor_time`` output and no anchor relation).
    """

    sql: str
    params: tuple[object, ...]
    tables: tuple[TableUse, ...]
    windows: tuple[Window, ...]
    entity_column: str
    label_column: str
    temporal: bool


def compile_query(resolved: ResolvedQuery, schema: Schema) -> CompiledQuery:
    """Compiles a bound query to DuckDB SQL.

    Args:
        resolved: The query bound to ``schema``.
        schema: The schema.

    Returns:
        The statement and what it needs registered.

    Raises:
        PQueryError: If an output column name would clash with another.
    """
    return _Compiler(resolved, schema).run()


def label_column_name(resolved: ResolvedQuery, schema: Schema) -> str:
    """The output column of targets: ``label``, or for link prediction the primary key of the
    ranked table (``target_<key>`` where that is the entity key or ``anchor_time``)."""
    if resolved.link_table is None:
        return LABEL
    key = schema.table(resolved.link_table).primary_key
    return f"target_{key}" if key in (resolved.entity_column, ANCHOR_TIME) else key


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@dataclass
class _Use:
    relation: str
    columns: dict[str, None] = field(default_factory=dict)
    datetime_columns: dict[str, None] = field(default_factory=dict)
    row_numbers: bool = False
    windows: set[int] = field(default_factory=set)


@dataclass
class _Group:
    index: int
    table: str
    window: int
    link_column: str
    joins: "_Joins"
    values: dict[Aggregation, str] = field(default_factory=dict)
    value_sql: list[str] = field(default_factory=list)

    @property
    def alias(self) -> str:
        return f"g{self.index}"


class _Joins:
    """The LEFT JOINs that follow foreign keys from one aliased table."""

    def __init__(self, compiler: "_Compiler", alias: str, table: str) -> None:
        self.compiler = compiler
        self.alias = alias
        self.table = table
        self.aliases: dict[tuple[str, ...], str] = {(): alias}
        self.clauses: list[str] = []

    def column(self, resolved: ResolvedColumn) -> str:
        key: tuple[str, ...] = ()
        alias = self.alias
        for hop in resolved.hops:
            self.compiler.need(hop.table, hop.column)
            key = (*key, hop.column)
            if key not in self.aliases:
                new = f"{self.alias}_{len(self.aliases)}"
                relation = self.compiler.need(hop.parent, hop.parent_key)
                self.clauses.append(
                    f"LEFT JOIN {_quote(relation)} AS {new} "
                    f"ON {alias}.{_quote(hop.column)} = {new}.{_quote(hop.parent_key)}"
                )
                self.aliases[key] = new
            alias = self.aliases[key]
        self.compiler.need(
            resolved.table, resolved.column, datetime=resolved.dtype is ColumnDType.DATETIME
        )
        return f"{alias}.{_quote(resolved.column)}"


class _Compiler:
    def __init__(self, resolved: ResolvedQuery, schema: Schema) -> None:
        self.resolved = resolved
        self.schema = schema
        self.params: list[object] = []
        self.uses: dict[str, _Use] = {}
        self.windows: list[Window] = []
        self.groups: dict[tuple[str, Window], _Group] = {}
        self.entity = resolved.entity_table
        self.entity_joins = _Joins(self, "e", self.entity)
        self.entity_columns: dict[ColumnRef, str] = {}
        self.entity_sql: list[str] = []

    # -- bookkeeping ----------------------------------------------------------------------

    def need(self, table: str, column: str | None = None, *, datetime: bool = False) -> str:
        use = self.uses.get(table)
        if use is None:
            use = self.uses[table] = _Use(relation=f"__t{len(self.uses)}")
        if column is not None:
            use.columns[column] = None
            if datetime:
                use.datetime_columns[column] = None
        return use.relation

    def param(self, value: object) -> str:
        self.params.append(value)
        return f"${len(self.params)}"

    def window(self, window: Window) -> int:
        if window not in self.windows:
            self.windows.append(window)
        return self.windows.index(window)

    # -- operands -------------------------------------------------------------------------

    def kind(self, operand: Operand) -> ValueKind:
        if isinstance(operand, Aggregation):
            return self.resolved.aggregations[operand].kind
        if isinstance(operand, ColumnRef):
            return self.resolved.columns[operand].kind
        return ValueKind.OTHER

    def literal(self, literal: Literal, other: Operand) -> str:
        value = literal.value
        if self.kind(other) is ValueKind.DATETIME and isinstance(value, str):
            value = parse_datetime(value)
        return self.param(value)

    def outer_operand(self, operand: Operand) -> str:
        if isinstance(operand, Aggregation):
            return self.aggregation_value(operand)
        name = self.entity_columns.get(operand)
        if name is None:
            name = f"__c{len(self.entity_columns)}"
            self.entity_columns[operand] = name
            column = self.entity_joins.column(self.resolved.columns[operand])
            self.entity_sql.append(f"{column} AS {name}")
        return f"c.{name}"

    def aggregation_value(self, node: Aggregation) -> str:
        agg = self.resolved.aggregations[node]
        group = self.group(agg)
        name = group.values.get(node)
        if name is None:
            name = f"__v{len(group.values)}"
            group.values[node] = name
            group.value_sql.append(f"{self.aggregate(agg, group)} AS {name}")
        value = f"{group.alias}.{name}"
        if agg.empty_value is not None:
            return f"COALESCE({value}, {agg.empty_value})"
        return value

    def group(self, agg: ResolvedAggregation) -> _Group:
        key = (agg.table, agg.node.window)
        if key not in self.groups:
            self.need(agg.table, agg.link_column)
            self.uses[agg.table].windows.add(self.window(agg.node.window))
            self.groups[key] = _Group(
                index=len(self.groups),
                table=agg.table,
                window=self.window(agg.node.window),
                link_column=agg.link_column,
                joins=_Joins(self, "r", agg.table),
            )
        return self.groups[key]

    def aggregate(self, agg: ResolvedAggregation, group: _Group) -> str:
        func = agg.node.func
        conditions = []
        if agg.node.where is not None:
            conditions.append(self.expr(agg.node.where, inner=group))
        if agg.arg.column is None:
            sql = "count(*)"
        else:
            x = group.joins.column(agg.arg)
            if func is AggFunc.COUNT:
                sql = f"count({x})"
            elif func is AggFunc.COUNT_DISTINCT:
                sql = f"count(DISTINCT {x})"
            elif func in (AggFunc.SUM, AggFunc.AVG, AggFunc.MIN, AggFunc.MAX):
                sql = f"{func.value.lower()}({x})"
            else:
                conditions.append(f"{x} IS NOT NULL")
                if func is AggFunc.LIST_DISTINCT:
                    sql = f"list(DISTINCT {x} ORDER BY {x})"
                else:
                    self.uses[agg.table].row_numbers = True
                    which = "arg_min" if func is AggFunc.FIRST else "arg_max"
                    sql = f"{which}({x}, (r.{TIME}, r.{ROW}))"
        if conditions:
            sql += f" FILTER (WHERE {' AND '.join(conditions)})"
        return sql

    # -- filters --------------------------------------------------------------------------

    def expr(self, node: Expr, *, inner: _Group | None = None) -> str:
        if isinstance(node, And | Or):
            joiner = " AND " if isinstance(node, And) else " OR "
            return "(" + joiner.join(self.expr(item, inner=inner) for item in node.items) + ")"
        if isinstance(node, Not):
            return f"(NOT {self.expr(node.item, inner=inner)})"

        def operand(x: Operand, other: Operand) -> str:
            if isinstance(x, Literal):
                return self.literal(x, other)
            if inner is not None:
                return inner.joins.column(self.resolved.columns[x])
            return self.outer_operand(x)

        if isinstance(node, IsNull):
            test = "IS NOT NULL" if node.negated else "IS NULL"
            return f"({operand(node.operand, node.operand)} {test})"
        if isinstance(node, InList):
            x = operand(node.operand, node.operand)
            values = ", ".join(self.literal(v, node.operand) for v in node.values)
            keyword = "NOT IN" if node.negated else "IN"
            return f"COALESCE(({x} {keyword} ({values})), FALSE)"
        left = operand(node.left, node.right)
        right = operand(node.right, node.left)
        return f"COALESCE(({left} {node.op.value} {right}), FALSE)"

    # -- statement ------------------------------------------------------------------------

    def run(self) -> CompiledQuery:
        resolved = self.resolved
        entity_table = self.schema.table(self.entity)
        entity_key = resolved.entity_column
        label_name = label_column_name(resolved, self.schema)
        if entity_key in (ANCHOR_TIME, label_name):
            raise PQueryError(
                f"the entity key '{entity_key}' clashes with the task table's column "
                f"'{ANCHOR_TIME if entity_key == ANCHOR_TIME else label_name}'"
            )
        self.need(self.entity, entity_key)
        target = resolved.query.target
        if isinstance(target.expr, Comparison | InList | IsNull):
            label = f"CAST({self.expr(target.expr)} AS BIGINT)"
            label_nullable = False
        else:
            value = self.outer_operand(target.expr)
            if resolved.target_kind is ValueKind.NUMERIC:
                label = f"CAST({value} AS DOUBLE)"
            elif resolved.task_type.name == "MULTILABEL_CLASSIFICATION":
                label = f"COALESCE({value}, [])"
            else:
                label = value
            label_nullable = True
        where = [] if resolved.query.where is None else [self.expr(resolved.query.where)]
        if label_nullable:
            where.append(f"({label}) IS NOT NULL")
        required = self.required_groups()
        entity_temporal = self.schema.time_source(self.entity) is not None

        ctes = [self.entity_cte(entity_table.name, entity_key, entity_temporal)]
        ctes += [self.group_cte(group) for group in self.groups.values()]
        if resolved.is_temporal:
            if required:
                first = required[0]
                key = f"{first.alias}.__k"
                source = (
                    f'FROM "__g{first.index}" AS {first.alias} '
                    f'JOIN "__ent" AS c ON c.__id = {first.alias}.__id '
                    f'JOIN "{ANCHORS_RELATION}" AS a ON a.__i = {key}'
                )
            else:
                key = "a.__i"
                source = f'FROM "__ent" AS c CROSS JOIN "{ANCHORS_RELATION}" AS a'
            joins = []
            for group in self.groups.values():
                if required and group is required[0]:
                    continue
                kind = "JOIN" if group in required else "LEFT JOIN"
                joins.append(
                    f'{kind} "__g{group.index}" AS {group.alias} '
                    f"ON {group.alias}.__id = c.__id AND {group.alias}.__k = {key}"
                )
            if entity_temporal:
                where.append("c.__etime <= a.anchor_time")
            select = (
                f"SELECT c.__id AS {_quote(entity_key)}, a.anchor_time AS {_quote(ANCHOR_TIME)}, "
                f"{label} AS {_quote(label_name)}"
            )
            order = "ORDER BY 2, 1"
        else:
            source, joins = 'FROM "__ent" AS c', []
            select = f"SELECT c.__id AS {_quote(entity_key)}, {label} AS {_quote(label_name)}"
            order = "ORDER BY 1"
        sql = "WITH " + ",\n".join(ctes) + f"\n{select}\n{source}"
        if joins:
            sql += "\n" + "\n".join(joins)
        if where:
            sql += "\nWHERE " + "\n  AND ".join(where)
        sql += f"\n{order}"
        tables = tuple(
            TableUse(
                table=name,
                relation=use.relation,
                columns=tuple(use.columns),
                datetime_columns=tuple(use.datetime_columns),
                row_numbers=use.row_numbers,
                windows=tuple(sorted(use.windows)),
            )
            for name, use in self.uses.items()
        )
        return CompiledQuery(
            sql=sql,
            params=tuple(self.params),
            tables=tables,
            windows=tuple(self.windows),
            entity_column=entity_key,
            label_column=label_name,
            temporal=resolved.is_temporal,
        )

    def entity_cte(self, table: str, key: str, temporal: bool) -> str:
        relation = self.need(table, key)
        columns = [f"e.{_quote(key)} AS __id"]
        if temporal:
            columns.append(f"e.{TIME} AS __etime")
        columns += self.entity_sql
        joins = "".join(f" {clause}" for clause in self.entity_joins.clauses)
        return (
            f'"__ent" AS (SELECT {", ".join(columns)} FROM {_quote(relation)} AS e{joins} '
            f"WHERE e.{_quote(key)} IS NOT NULL)"
        )

    def group_cte(self, group: _Group) -> str:
        relation = self.uses[group.table].relation
        link = f"r.{_quote(group.link_column)}"
        joins = "".join(f" {clause}" for clause in group.joins.clauses)
        values = "".join(f", {v}" for v in group.value_sql)
        w = group.window
        # Each row goes to every anchor whose window holds it: anchors __first{w}..__last{w},
        # found by binary search when the relation is registered (see TableUse.windows).
        rows = (
            f"(SELECT *, unnest(range({FIRST}{w}, {LAST}{w} + 1)) AS __k "
            f"FROM {_quote(relation)} WHERE {FIRST}{w} <= {LAST}{w})"
        )
        return (
            f'"__g{group.index}" AS (SELECT {link} AS __id, r.__k AS __k{values} '
            f"FROM {rows} AS r{joins} "
            f"WHERE {link} IS NOT NULL GROUP BY {link}, r.__k)"
        )

    def required_groups(self) -> list[_Group]:
        """Groups without which an example cannot exist: its filter is false, or its target
        missing, when the group has no row. Joining them with an inner join (and starting from
        the first) gives the same examples as the cross product of entities and anchors,
        much faster."""
        resolved = self.resolved
        found: list[Aggregation] = []
        target = resolved.query.target
        if isinstance(target.expr, Aggregation):
            agg = resolved.aggregations[target.expr]
            if agg.empty_value is None and resolved.task_type.name != "MULTILABEL_CLASSIFICATION":
                found.append(target.expr)
        where = resolved.query.where
        conjuncts = where.items if isinstance(where, And) else (() if where is None else (where,))
        for item in conjuncts:
            agg = self.false_when_empty(item)
            if agg is not None:
                found.append(agg)
        groups: list[_Group] = []
        for node in found:
            group = self.group(resolved.aggregations[node])
            if group not in groups:
                groups.append(group)
        return groups

    def false_when_empty(self, node: Expr) -> Aggregation | None:
        """The aggregation of a predicate that is false over a window without rows."""
        aggs = self.resolved.aggregations
        if isinstance(node, IsNull) and isinstance(node.operand, Aggregation):
            empty = aggs[node.operand].empty_value
            holds = (empty is None) != node.negated
            return None if holds else node.operand
        if isinstance(node, InList) and isinstance(node.operand, Aggregation):
            empty = aggs[node.operand].empty_value
            if empty is None:
                return node.operand
            holds = any(v.value == empty for v in node.values) != node.negated
            return None if holds else node.operand
        if isinstance(node, Comparison):
            if isinstance(node.left, Aggregation) and isinstance(node.right, Literal):
                agg, literal, op = node.left, node.right, node.op
            elif isinstance(node.right, Aggregation) and isinstance(node.left, Literal):
                agg, literal, op = node.right, node.left, _FLIPPED[node.op]
            else:
                return None
            empty = aggs[agg].empty_value
            if empty is None or not _OPS[op](empty, literal.value):
                return agg
        return None
