"""Tests of relgraph.tasks.pquery.printer, with a parse -> print -> parse property test."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from relgraph.tasks.duration import TimeUnit
from relgraph.tasks.pquery.ast import (
    AggFunc,
    Aggregation,
    ColumnRef,
    CompareOp,
    Comparison,
    EntityRef,
    InList,
    IsNull,
    Literal,
    Not,
    Query,
    Target,
    Window,
    and_,
    or_,
)
from relgraph.tasks.pquery.parser import parse
from relgraph.tasks.pquery.printer import quote_name, to_text


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        (
            "predict count(r.* where r.s <> 1, 0, 30) > 0 for each d.id where count(r.*,0,30,DAYS)>0",
            "PREDICT COUNT(r.* WHERE r.s != 1, 0, 30, days) > 0 FOR EACH d.id WHERE COUNT(r.*, 0, 30, days) > 0",
        ),
        (
            "PREDICT list_distinct(r.a.b, 0, 1, Month) rank top 5 FOR EACH d.id",
            "PREDICT LIST_DISTINCT(r.a.b, 0, 1, months) RANK TOP 5 FOR EACH d.id",
        ),
        (
            "PREDICT d.x FOR EACH d.id WHERE (d.a = 1 OR d.b = 2) AND NOT (d.c IS NULL AND d.e IN (1, 2.5, 'x'))",
            "PREDICT d.x FOR EACH d.id WHERE (d.a = 1 OR d.b = 2) AND NOT (d.c IS NULL AND d.e IN (1, 2.5, 'x'))",
        ),
        (
            "PREDICT d.x FOR EACH d.id WHERE ((d.a = 1) OR (d.b = 2 AND (d.c = 3)))",
            "PREDICT d.x FOR EACH d.id WHERE d.a = 1 OR d.b = 2 AND d.c = 3",
        ),
        (
            "PREDICT d.x NOT IN ('it''s', -3, TRUE) FOR EACH d.id",
            "PREDICT d.x NOT IN ('it''s', -3, TRUE) FOR EACH d.id",
        ),
        (
            'PREDICT "my t"."where" IS NOT NULL FOR EACH "my t"."a""b"',
            'PREDICT "my t"."where" IS NOT NULL FOR EACH "my t"."a""b"',
        ),
    ],
)
def test_canonical_form(text: str, canonical: str) -> None:
    assert to_text(parse(text)) == canonical


@pytest.mark.parametrize(
    ("name", "written"),
    [
        ("drivers", "drivers"),
        ("_a1", "_a1"),
        ("my col", '"my col"'),
        ("where", '"where"'),
        ("Null", '"Null"'),
        ('a"b', '"a""b"'),
        ("1st", '"1st"'),
        ("é", '"é"'),
        ("count", "count"),
    ],
)
def test_names_are_quoted_only_where_needed(name: str, written: str) -> None:
    assert quote_name(name) == written


@pytest.mark.parametrize("value", [float("inf"), float("nan")])
def test_a_constant_must_be_finite(value: float) -> None:
    with pytest.raises(ValueError, match="a query constant must be finite"):
        to_text(Literal(value))


def test_an_unknown_node_cannot_be_printed() -> None:
    with pytest.raises(ValueError, match="cannot print Target as a filter"):
        to_text(Not(Target(ColumnRef("d", ("x",)))))  # type: ignore[arg-type]


# -- property: print then parse gives the same tree ---------------------------------------

names = st.one_of(
    st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,5}", fullmatch=True),
    st.sampled_from(["where", "NULL", "count", "days", "my col", 'a"b', "é", "1x", "--", "'"]),
    st.text(min_size=1, max_size=5),
)
literals = st.builds(
    Literal,
    st.one_of(
        st.integers(),
        st.floats(allow_nan=False, allow_infinity=False),
        st.text(max_size=6),
        st.booleans(),
    ),
)
columns = st.builds(ColumnRef, names, st.lists(names, min_size=1, max_size=3).map(tuple))
windows = st.builds(
    lambda start, length, unit: Window(start, start + length, unit),
    st.integers(-1000, 1000),
    st.integers(1, 1000),
    st.sampled_from(list(TimeUnit)),
)
ops = st.sampled_from(list(CompareOp))


def predicates(operands: st.SearchStrategy) -> st.SearchStrategy:
    return st.one_of(
        st.builds(Comparison, ops, operands, operands),
        st.builds(
            InList, operands, st.lists(literals, min_size=1, max_size=3).map(tuple), st.booleans()
        ),
        st.builds(IsNull, operands, st.booleans()),
    )


def filters(operands: st.SearchStrategy) -> st.SearchStrategy:
    return st.recursive(
        predicates(operands),
        lambda inner: st.one_of(
            st.lists(inner, min_size=2, max_size=3).map(lambda items: and_(*items)),
            st.lists(inner, min_size=2, max_size=3).map(lambda items: or_(*items)),
            st.builds(Not, inner),
        ),
        max_leaves=6,
    )


@st.composite
def aggregations(draw: st.DrawFn, funcs: list[AggFunc] | None = None) -> Aggregation:
    func = draw(st.sampled_from(funcs or list(AggFunc)))
    star = func is AggFunc.COUNT and draw(st.booleans())
    arg = ColumnRef(draw(names)) if star else draw(columns)
    where = draw(st.none() | filters(st.one_of(columns, literals)))
    return Aggregation(func, arg, draw(windows), where)


outer_operands = st.one_of(aggregations(), columns, literals)
targets = st.one_of(
    st.builds(Target, st.one_of(aggregations(), columns)),
    st.builds(Target, st.builds(Comparison, ops, st.one_of(aggregations(), columns), literals)),
    st.builds(
        Target,
        st.builds(
            InList,
            st.one_of(aggregations(), columns),
            st.lists(literals, min_size=1, max_size=3).map(tuple),
            st.booleans(),
        ),
    ),
    st.builds(Target, st.builds(IsNull, st.one_of(aggregations(), columns), st.booleans())),
    st.builds(Target, aggregations([AggFunc.LIST_DISTINCT]), rank_top=st.integers(1, 500)),
)
queries = st.builds(
    Query, targets, st.builds(EntityRef, names, names), st.none() | filters(outer_operands)
)


@settings(max_examples=150, deadline=None)
@given(queries)
def test_print_then_parse_round_trips(query: Query) -> None:
    text = to_text(query)
    again = parse(text)
    assert again == query
    assert to_text(again) == text
