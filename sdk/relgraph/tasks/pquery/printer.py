"""Printing a syntax tree back to predictive-query text, in canonical form.

Keywords and aggregation names are upper case, units lower case, names are double-quoted
only where needed, and parentheses appear only where precedence needs them
(``OR`` < ``AND`` < ``NOT`` < comparisons). Parsing the printed text gives back an equal tree.
"""

import math
import re

from relgraph.tasks.pquery.ast import (
    Aggregation,
    And,
    ColumnRef,
    Comparison,
    EntityRef,
    Expr,
    InList,
    IsNull,
    Literal,
    Not,
    Or,
    Query,
    Target,
)
from relgraph.tasks.pquery.parser import KEYWORDS

_BARE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_PRECEDENCE = {Or: 1, And: 2, Not: 3}


def to_text(node: Query | Target | Expr | Aggregation | ColumnRef | Literal | EntityRef) -> str:
    """Prints a query, or any node of one, as predictive-query text.

    Raises:
        ValueError: If a float literal is not finite, or a node is of an unknown kind.
    """
    if isinstance(node, Query):
        text = f"PREDICT {to_text(node.target)} FOR EACH {to_text(node.entity)}"
        return text if node.where is None else f"{text} WHERE {_expr(node.where, 0)}"
    if isinstance(node, Target):
        text = _operand_or_expr(node.expr)
        return text if node.rank_top is None else f"{text} RANK TOP {node.rank_top}"
    if isinstance(node, EntityRef):
        return f"{quote_name(node.table)}.{quote_name(node.column)}"
    return _operand_or_expr(node)


def quote_name(name: str) -> str:
    """``name`` as written in a query: bare when it can be, else double-quoted."""
    if _BARE_NAME.fullmatch(name) and name.upper() not in KEYWORDS:
        return name
    return '"' + name.replace('"', '""') + '"'


def _operand_or_expr(node: object) -> str:
    if isinstance(node, ColumnRef):
        tail = ".".join(quote_name(p) for p in node.path) if node.path else "*"
        return f"{quote_name(node.table)}.{tail}"
    if isinstance(node, Literal):
        return _literal(node.value)
    if isinstance(node, Aggregation):
        arg = _operand_or_expr(node.arg)
        if node.where is not None:
            arg = f"{arg} WHERE {_expr(node.where, 0)}"
        w = node.window
        return f"{node.func.value}({arg}, {w.start}, {w.end}, {w.unit.value})"
    return _expr(node, 0)


def _expr(node: object, parent: int) -> str:
    own = _PRECEDENCE.get(type(node), 4)
    if isinstance(node, Or):
        text = " OR ".join(_expr(item, own + 1) for item in node.items)
    elif isinstance(node, And):
        text = " AND ".join(_expr(item, own + 1) for item in node.items)
    elif isinstance(node, Not):
        text = f"NOT {_expr(node.item, own)}"
    elif isinstance(node, Comparison):
        text = f"{_operand_or_expr(node.left)} {node.op.value} {_operand_or_expr(node.right)}"
    elif isinstance(node, InList):
        values = ", ".join(_literal(v.value) for v in node.values)
        keyword = "NOT IN" if node.negated else "IN"
        text = f"{_operand_or_expr(node.operand)} {keyword} ({values})"
    elif isinstance(node, IsNull):
        text = f"{_operand_or_expr(node.operand)} IS {'NOT NULL' if node.negated else 'NULL'}"
    else:
        raise ValueError(f"cannot print {type(node).__name__} as a filter")
    return f"({text})" if own < parent else text


def _literal(value: object) -> str:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"a query constant must be finite, found {value!r}")
        return repr(value)
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    raise ValueError(f"cannot print constant {value!r} of type {type(value).__name__}")
