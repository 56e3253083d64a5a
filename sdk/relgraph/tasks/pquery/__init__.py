"""Predictive queries: ``PREDICT <target> FOR EACH <table>.<key> [WHERE <filter>]``."""

from relgraph.tasks.pquery.ast import (
    AggFunc,
    Aggregation,
    And,
    ColumnRef,
    CompareOp,
    Comparison,
    EntityRef,
    InList,
    IsNull,
    Literal,
    Not,
    Or,
    Query,
    Target,
    Window,
    and_,
    or_,
)
from relgraph.tasks.pquery.compiler import CompiledQuery, TableUse, compile_query
from relgraph.tasks.pquery.errors import PQueryError, PQuerySyntaxError
from relgraph.tasks.pquery.parser import KEYWORDS, parse
from relgraph.tasks.pquery.printer import quote_name, to_text
from relgraph.tasks.pquery.query import PredictiveQuery
from relgraph.tasks.pquery.resolve import ResolvedQuery, ValueKind, resolve

__all__ = [
    "KEYWORDS",
    "AggFunc",
    "Aggregation",
    "And",
    "ColumnRef",
    "CompareOp",
    "Comparison",
    "CompiledQuery",
    "EntityRef",
    "InList",
    "IsNull",
    "Literal",
    "Not",
    "Or",
    "PQueryError",
    "PQuerySyntaxError",
    "PredictiveQuery",
    "Query",
    "ResolvedQuery",
    "TableUse",
    "Target",
    "ValueKind",
    "Window",
    "and_",
    "compile_query",
    "or_",
    "parse",
    "quote_name",
    "resolve",
    "to_text",
]
