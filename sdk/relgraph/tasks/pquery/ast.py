"""The syntax tree of a predictive query.

Nodes are frozen dataclasses compared by content: the ``pos`` of each node (its character
offset in the query text, for error messages) is left out of comparisons, so a query and its
printed-and-reparsed form are equal.
"""

from dataclasses import dataclass, field
from enum import StrEnum

from relgraph.tasks.duration import TimeUnit


class AggFunc(StrEnum):
    """An aggregation over the rows of a time window."""

    COUNT = "COUNT"
    COUNT_DISTINCT = "COUNT_DISTINCT"
    SUM = "SUM"
    AVG = "AVG"
    MIN = "MIN"
    MAX = "MAX"
    FIRST = "FIRST"
    LAST = "LAST"
    LIST_DISTINCT = "LIST_DISTINCT"


class CompareOp(StrEnum):
    """A comparison operator (``<>`` is read as ``!=``)."""

    EQ = "="
    NE = "!="
    LT = "<"
    LE = "<="
    GT = ">"
    GE = ">="


@dataclass(frozen=True)
class ColumnRef:
    """A column, or all rows (``table.*``), of a table.

    ``results.raceId.circuitId`` follows the foreign key ``results.raceId`` to ``races`` and
    names its ``circuitId``: ``path`` is ``("raceId", "circuitId")``.

    Args:
        table: The table name.
        path: Foreign-key columns to follow, then the column; empty for ``table.*``.
        pos: Offset in the query text (not compared).
    """

    table: str
    path: tuple[str, ...] = ()
    pos: int = field(default=-1, compare=False, repr=False)

    @property
    def is_star(self) -> bool:
        """Whether this is ``table.*`` (every row)."""
        return not self.path


@dataclass(frozen=True)
class Literal:
    """A constant: an integer, a float, a string or a boolean.

    Args:
        value: The value.
        pos: Offset in the query text (not compared).
    """

    value: int | float | str | bool
    pos: int = field(default=-1, compare=False, repr=False)


@dataclass(frozen=True)
class Window:
    """The time window ``(anchor + start, anchor + end]`` in ``unit``.

    Args:
        start: The exclusive start, relative to the anchor time (negative for the past).
        end: The inclusive end, relative to the anchor time; greater than ``start``.
        unit: Days, hours or months (default: days).
    """

    start: int
    end: int
    unit: TimeUnit = TimeUnit.DAYS

    @property
    def is_future(self) -> bool:
        """Whether the window reaches past the anchor time (labels come from such windows)."""
        return self.end > 0


@dataclass(frozen=True)
class Aggregation:
    """``FUNC(table.column [WHERE filter], start, end, unit)``.

    Args:
        func: The aggregation.
        arg: The column aggregated, or ``table.*`` for ``COUNT``.
        window: The time window.
        where: A filter on the aggregated rows (default: ``None``).
        pos: Offset in the query text (not compared).
    """

    func: AggFunc
    arg: ColumnRef
    window: Window
    where: "Expr | None" = None
    pos: int = field(default=-1, compare=False, repr=False)


Operand = ColumnRef | Literal | Aggregation
"""What a comparison compares."""


@dataclass(frozen=True)
class Comparison:
    """``left op right``.

    Args:
        op: The operator.
        left: The left operand.
        right: The right operand.
        pos: Offset in the query text (not compared).
    """

    op: CompareOp
    left: Operand
    right: Operand
    pos: int = field(default=-1, compare=False, repr=False)


@dataclass(frozen=True)
class InList:
    """``operand [NOT] IN (value, ...)``.

    Args:
        operand: The value tested.
        values: The constants, at least one.
        negated: ``NOT IN`` (default: ``False``).
        pos: Offset in the query text (not compared).
    """

    operand: Operand
    values: tuple[Literal, ...]
    negated: bool = False
    pos: int = field(default=-1, compare=False, repr=False)


@dataclass(frozen=True)
class IsNull:
    """``operand IS [NOT] NULL``.

    Args:
        operand: The value tested.
        negated: ``IS NOT NULL`` (default: ``False``).
        pos: Offset in the query text (not compared).
    """

    operand: Operand
    negated: bool = False
    pos: int = field(default=-1, compare=False, repr=False)


@dataclass(frozen=True)
class And:
    """All of ``items`` hold (two or more; never directly an ``And``, see :func:`and_`)."""

    items: tuple["Expr", ...]
    pos: int = field(default=-1, compare=False, repr=False)


@dataclass(frozen=True)
class Or:
    """Any of ``items`` holds (two or more; never directly an ``Or``, see :func:`or_`)."""

    items: tuple["Expr", ...]
    pos: int = field(default=-1, compare=False, repr=False)


@dataclass(frozen=True)
class Not:
    """``item`` does not hold."""

    item: "Expr"
    pos: int = field(default=-1, compare=False, repr=False)


Predicate = Comparison | InList | IsNull
"""A test of one or two operands."""

Expr = Predicate | And | Or | Not
"""A filter."""


def and_(*items: "Expr", pos: int = -1) -> "Expr":
    """``items`` joined by AND, with nested ANDs flattened (AND is associative)."""
    flat: list[Expr] = []
    for item in items:
        flat.extend(item.items if isinstance(item, And) else (item,))
    return flat[0] if len(flat) == 1 else And(tuple(flat), pos=pos)


def or_(*items: "Expr", pos: int = -1) -> "Expr":
    """``items`` joined by OR, with nested ORs flattened (OR is associative)."""
    flat: list[Expr] = []
    for item in items:
        flat.extend(item.items if isinstance(item, Or) else (item,))
    return flat[0] if len(flat) == 1 else Or(tuple(flat), pos=pos)


@dataclass(frozen=True)
class Target:
    """What to predict: a value, a test of a value, or a ranked list.

    Args:
        expr: An aggregation or column (regression, multiclass, multilabel), or a predicate
            over one (binary classification).
        rank_top: ``k`` of ``RANK TOP k`` after ``LIST_DISTINCT`` (link prediction)
            (default: ``None``).
        pos: Offset in the query text (not compared).
    """

    expr: "Operand | Predicate"
    rank_top: int | None = None
    pos: int = field(default=-1, compare=False, repr=False)


@dataclass(frozen=True)
class EntityRef:
    """``table.column``: the entities to predict for, by their primary key.

    Args:
        table: The entity table.
        column: Its primary-key column.
        pos: Offset in the query text (not compared).
    """

    table: str
    column: str
    pos: int = field(default=-1, compare=False, repr=False)


@dataclass(frozen=True)
class Query:
    """``PREDICT target FOR EACH entity [WHERE filter]``.

    Args:
        target: What to predict.
        entity: The entities.
        where: Which entities (and anchor times) make examples (default: ``None``, all).
    """

    target: Target
    entity: EntityRef
    where: Expr | None = None


def walk(node: object) -> list[object]:
    """Every node under ``node`` (itself included), parents before children."""
    out: list[object] = [node]
    if isinstance(node, Query):
        children: tuple = (node.target, node.entity, node.where)
    elif isinstance(node, Target):
        children = (node.expr,)
    elif isinstance(node, Aggregation):
        children = (node.arg, node.where)
    elif isinstance(node, Comparison):
        children = (node.left, node.right)
    elif isinstance(node, InList):
        children = (node.operand, *node.values)
    elif isinstance(node, IsNull):
        children = (node.operand,)
    elif isinstance(node, And | Or):
        children = node.items
    elif isinstance(node, Not):
        children = (node.item,)
    else:
        children = ()
    for child in children:
        if child is not None:
            out.extend(walk(child))
    return out
