"""Tests of relgraph.tasks.pquery.parser: every construct, and every error path."""

import pytest

from relgraph.tasks.duration import TimeUnit
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
)
from relgraph.tasks.pquery.errors import PQuerySyntaxError
from relgraph.tasks.pquery.parser import parse

ENTITY = EntityRef("d", "id")


def count(table: str = "r", start: int = 0, end: int = 30, where: object = None) -> Aggregation:
    return Aggregation(AggFunc.COUNT, ColumnRef(table), Window(start, end, TimeUnit.DAYS), where)


def col(table: str, *path: str) -> ColumnRef:
    return ColumnRef(table, tuple(path))


def cmp(op: str, left: object, right: object) -> Comparison:
    return Comparison(CompareOp(op), left, right)


def where_of(text: str) -> object:
    return parse(f"PREDICT d.x FOR EACH d.id WHERE {text}").where


def test_a_full_query() -> None:
    query = parse(
        "PREDICT COUNT(r.* WHERE r.status != 1, 0, 30, days) > 0 "
        "FOR EACH d.id WHERE COUNT(r.*, 0, 30, days) > 0"
    )
    assert query == Query(
        target=Target(cmp(">", count(where=cmp("!=", col("r", "status"), Literal(1))), Literal(0))),
        entity=ENTITY,
        where=cmp(">", count(), Literal(0)),
    )


@pytest.mark.parametrize("func", list(AggFunc))
def test_every_aggregation(func: AggFunc) -> None:
    target = parse(f"PREDICT {func.value.lower()}(r.v, -7, 7, hours) FOR EACH d.id").target
    assert target.expr == Aggregation(func, col("r", "v"), Window(-7, 7, TimeUnit.HOURS))


@pytest.mark.parametrize(
    ("unit", "expected"),
    [
        ("days", TimeUnit.DAYS),
        ("DAY", TimeUnit.DAYS),
        ("hours", TimeUnit.HOURS),
        ("Hour", TimeUnit.HOURS),
        ("months", TimeUnit.MONTHS),
        ("month", TimeUnit.MONTHS),
    ],
)
def test_time_units(unit: str, expected: TimeUnit) -> None:
    assert (
        parse(f"PREDICT COUNT(r.*, 0, 2, {unit}) FOR EACH d.id").target.expr.window.unit is expected
    )


def test_the_unit_defaults_to_days() -> None:
    assert parse("PREDICT COUNT(r.*, -90, 0) FOR EACH d.id").target.expr.window == Window(-90, 0)


def test_column_paths_follow_foreign_keys() -> None:
    target = parse("PREDICT LIST_DISTINCT(r.race.circuit, 0, 365) RANK TOP 10 FOR EACH d.id").target
    assert target == Target(
        Aggregation(AggFunc.LIST_DISTINCT, col("r", "race", "circuit"), Window(0, 365)), rank_top=10
    )


@pytest.mark.parametrize("op", ["=", "!=", "<", "<=", ">", ">="])
def test_target_comparisons(op: str) -> None:
    assert parse(f"PREDICT AVG(r.v, 0, 1) {op} -2.5 FOR EACH d.id").target.expr == cmp(
        op, Aggregation(AggFunc.AVG, col("r", "v"), Window(0, 1)), Literal(-2.5)
    )


def test_not_equal_has_two_spellings() -> None:
    assert where_of("d.x <> 1") == where_of("d.x != 1")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("PREDICT d.x FOR EACH d.id", col("d", "x")),
        (
            "PREDICT d.x IN ('a', 'b') FOR EACH d.id",
            InList(col("d", "x"), (Literal("a"), Literal("b"))),
        ),
        (
            "PREDICT d.x NOT IN (1) FOR EACH d.id",
            InList(col("d", "x"), (Literal(1),), negated=True),
        ),
        (
            "PREDICT MAX(r.v, 0, 1) IS NULL FOR EACH d.id",
            IsNull(Aggregation(AggFunc.MAX, col("r", "v"), Window(0, 1))),
        ),
        ("PREDICT d.x IS NOT NULL FOR EACH d.id", IsNull(col("d", "x"), negated=True)),
        ("PREDICT d.flag = TRUE FOR EACH d.id", cmp("=", col("d", "flag"), Literal(True))),
        ("PREDICT d.flag = false FOR EACH d.id", cmp("=", col("d", "flag"), Literal(False))),
    ],
)
def test_static_and_tested_targets(text: str, expected: object) -> None:
    assert parse(text).target.expr == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "d.a = 1 OR d.b = 2 AND d.c = 3",
            Or(
                (
                    cmp("=", col("d", "a"), Literal(1)),
                    And((cmp("=", col("d", "b"), Literal(2)), cmp("=", col("d", "c"), Literal(3)))),
                )
            ),
        ),
        (
            "(d.a = 1 OR d.b = 2) AND d.c = 3",
            And(
                (
                    Or((cmp("=", col("d", "a"), Literal(1)), cmp("=", col("d", "b"), Literal(2)))),
                    cmp("=", col("d", "c"), Literal(3)),
                )
            ),
        ),
        (
            "NOT d.a = 1 AND d.b = 2",
            And((Not(cmp("=", col("d", "a"), Literal(1))), cmp("=", col("d", "b"), Literal(2)))),
        ),
        (
            "NOT (d.a = 1 AND d.b = 2)",
            Not(And((cmp("=", col("d", "a"), Literal(1)), cmp("=", col("d", "b"), Literal(2))))),
        ),
        ("NOT NOT d.a IS NULL", Not(Not(IsNull(col("d", "a"))))),
        (
            "(d.a = 1 AND d.b = 2) AND d.c = 3",
            And(
                (
                    cmp("=", col("d", "a"), Literal(1)),
                    cmp("=", col("d", "b"), Literal(2)),
                    cmp("=", col("d", "c"), Literal(3)),
                )
            ),
        ),
        (
            "d.a = 1 OR (d.b = 2 OR d.c = 3)",
            Or(
                (
                    cmp("=", col("d", "a"), Literal(1)),
                    cmp("=", col("d", "b"), Literal(2)),
                    cmp("=", col("d", "c"), Literal(3)),
                )
            ),
        ),
        ("COUNT(r.*, -365, 0) >= 1", cmp(">=", count(start=-365, end=0), Literal(1))),
        ("0 < COUNT(r.*, 0, 30)", cmp("<", Literal(0), count())),
        ("COUNT(r.*, 0, 30) > COUNT(r.*, -30, 0)", cmp(">", count(), count(start=-30, end=0))),
        ("d.a = d.b", cmp("=", col("d", "a"), col("d", "b"))),
        ("d.s = 'it''s'", cmp("=", col("d", "s"), Literal("it's"))),
    ],
)
def test_filters_and_precedence(text: str, expected: object) -> None:
    assert where_of(text) == expected


def test_filter_inside_an_aggregation_may_combine_predicates() -> None:
    agg = parse(
        "PREDICT COUNT(r.* WHERE r.a IN (1, 2) AND NOT r.b IS NULL OR r.c < 0, 0, 5) FOR EACH d.id"
    ).target.expr
    assert agg.where == Or(
        (
            And((InList(col("r", "a"), (Literal(1), Literal(2))), Not(IsNull(col("r", "b"))))),
            cmp("<", col("r", "c"), Literal(0)),
        )
    )


def test_keywords_are_case_insensitive_names_are_not() -> None:
    lower = parse("predict count(Res.*, 0, 1) > 0 for each Drv.Id where drv.x is not null")
    upper = parse("PREDICT COUNT(Res.*, 0, 1) > 0 FOR EACH Drv.Id WHERE drv.x IS NOT NULL")
    assert lower == upper
    assert lower.entity == EntityRef("Drv", "Id")
    assert lower.where == IsNull(col("drv", "x"), negated=True)


def test_quoted_names_may_be_keywords_or_hold_anything() -> None:
    query = parse('PREDICT "my table"."where" FOR EACH "my table"."ID ""1""" WHERE "é".x = 1')
    assert query.target.expr == col("my table", "where")
    assert query.entity == EntityRef("my table", 'ID "1"')
    assert query.where == cmp("=", col("é", "x"), Literal(1))


def test_comments_and_line_breaks_are_whitespace() -> None:
    text = "PREDICT COUNT(r.*, 0, 30) -- next month\n  FOR EACH d.id -- every driver\n"
    assert parse(text) == parse("PREDICT COUNT(r.*, 0, 30) FOR EACH d.id")


def test_positions_point_into_the_text() -> None:
    text = "PREDICT COUNT(r.*, 0, 1) > 0\nFOR EACH d.id WHERE d.x = 'a'"
    query = parse(text)
    assert text[query.target.expr.pos :].startswith("COUNT(")
    assert text[query.target.expr.left.arg.pos :].startswith("r.*")
    assert text[query.entity.pos :].startswith("d.id")
    assert text[query.where.pos :].startswith("d.x")
    assert text[query.where.right.pos :].startswith("'a'")


PREFIX = "PREDICT d.x FOR EACH d.id WHERE "
ERRORS = [
    ("", "empty query", 1, 1),
    ("SELECT x FROM t", "expected PREDICT at the start of the query, found 'SELECT'", 1, 1),
    ("PREDICT", "expected an aggregation, a column or a value, found the end of the query", 1, 8),
    ("PREDICT FOR EACH d.id", "expected an aggregation, a column or a value, found 'FOR'", 1, 9),
    ("PREDICT d.x d.id", "expected FOR after the target", 1, 13),
    ("PREDICT d.x FOR d.id", "expected EACH after FOR", 1, 17),
    ("PREDICT d.x FOR EACH d", "expected '.' between the entity table and its key", 1, 23),
    ("PREDICT d.x FOR EACH d.*", "FOR EACH names the entity key column, not '\\*'", 1, 24),
    ("PREDICT d.x FOR EACH where.id", "found keyword 'where'", 1, 22),
    ("PREDICT d.x FOR EACH d.id extra", "unexpected 'extra' after the query", 1, 27),
    ("PREDICT CNT(r.*, 0, 1) FOR EACH d.id", "unknown aggregation 'CNT'", 1, 9),
    ("PREDICT SUM(r.*, 0, 1) FOR EACH d.id", "only COUNT takes; SUM needs a column", 1, 13),
    ("PREDICT COUNT(r.* 0, 1) FOR EACH d.id", "expected ',' before the window start", 1, 19),
    (
        "PREDICT COUNT(r.*, x, 1) FOR EACH d.id",
        "expected the window start \\(a whole number\\), found 'x'",
        1,
        20,
    ),
    (
        "PREDICT COUNT(r.*, 0.5, 1) FOR EACH d.id",
        "the window start must be a whole number, found 0.5",
        1,
        20,
    ),
    (
        "PREDICT COUNT(r.*, 0 1) FOR EACH d.id",
        "expected ',' between the window start and end",
        1,
        22,
    ),
    ("PREDICT COUNT(r.*, 0, 1, weeks) FOR EACH d.id", "unknown time unit 'weeks'", 1, 26),
    ("PREDICT COUNT(r.*, 0, 1, 3) FOR EACH d.id", "expected a time unit", 1, 26),
    ("PREDICT COUNT(r.*, 5, 1) FOR EACH d.id", "window start 5 must be before its end 1", 1, 20),
    ("PREDICT COUNT(r.*, 1, 1) FOR EACH d.id", "window start 1 must be before its end 1", 1, 20),
    ("PREDICT COUNT(r.*, 0, 1 FOR EACH d.id", "expected '\\)' to close COUNT", 1, 25),
    ("PREDICT COUNT(r.*, 0, 1) RANK TOP 3 FOR EACH d.id", "RANK TOP k ranks a list", 1, 26),
    ("PREDICT LIST_DISTINCT(r.x, 0, 1) RANK 3 FOR EACH d.id", "expected TOP after RANK", 1, 39),
    (
        "PREDICT LIST_DISTINCT(r.x, 0, 1) RANK TOP 0 FOR EACH d.id",
        "expected a positive whole number after TOP",
        1,
        43,
    ),
    (
        "PREDICT LIST_DISTINCT(r.x, 0, 1) RANK TOP 2.5 FOR EACH d.id",
        "expected a positive whole number after TOP",
        1,
        43,
    ),
    (
        "PREDICT 3 FOR EACH d.id",
        "the target must be an aggregation or a column, not a constant",
        1,
        9,
    ),
    (
        "PREDICT COUNT(r.*, 0, 1) > d.y FOR EACH d.id",
        "expected a constant to compare the target with, found 'd'",
        1,
        28,
    ),
    ("PREDICT d.x = NULL FOR EACH d.id", "NULL is not a value to compare with", 1, 15),
    ("PREDICT d. FOR EACH d.id", "expected a column of 'd' or '\\*', found keyword 'FOR'", 1, 12),
    ("PREDICT d FOR EACH d.id", "expected '.' after table 'd'", 1, 11),
    ("PREDICT d.x.'s' FOR EACH d.id", "expected a column after '.', found \"'s'\"", 1, 13),
    (PREFIX, "expected an aggregation, a column or a value, found the end of the query", 1, 33),
    (
        PREFIX + "d.x",
        "expected a comparison \\(=, !=, <, <=, >, >=\\), IN or IS after the operand",
        1,
        36,
    ),
    (PREFIX + "1 < d.x < 3", "comparisons cannot be chained; join them with AND", 1, 41),
    (PREFIX + "d.x IN ()", "IN needs at least one value", 1, 41),
    (PREFIX + "d.x IN (1, d.y)", "expected a constant in the IN list, found 'd'", 1, 44),
    (PREFIX + "d.x IN (1 2)", "expected '\\)' to close the IN list", 1, 43),
    (PREFIX + "d.x IN 1", "expected '\\(' after IN", 1, 40),
    (PREFIX + "d.x IS 3", "expected NULL after IS, found '3'", 1, 40),
    (PREFIX + "d.x = NULL", "NULL is not a value to compare with; test it with IS", 1, 39),
    (PREFIX + "(d.x = 1", "expected '\\)' to close the parenthesis", 1, 41),
    (
        PREFIX + "d.x = 1 d.y = 2",
        "unexpected 'd' after the query \\(join conditions with AND or OR\\)",
        1,
        41,
    ),
    (PREFIX + "d.x = -d.y", "expected a number after '-', found 'd'", 1, 40),
    (
        PREFIX + "COUNT(r.* WHERE COUNT(r.*, 0, 1) > 0, 0, 1) > 0",
        "aggregations cannot be nested",
        1,
        49,
    ),
    (PREFIX + "d.x = 'open", "unterminated string", 1, 39),
    (PREFIX + "d.x = ?", "unexpected character '\\?'", 1, 39),
    (PREFIX + "d.x AND d.y = 1", "IN or IS after the operand, found 'AND'", 1, 37),
    ("PREDICT d.x\nFOR EACH d.id\nWHERE d.x IS 3", "expected NULL after IS", 3, 14),
]


@pytest.mark.parametrize(("text", "message", "line", "column"), ERRORS)
def test_errors_name_line_and_column(text: str, message: str, line: int, column: int) -> None:
    with pytest.raises(PQuerySyntaxError, match=message) as info:
        parse(text)
    assert (info.value.line, info.value.column) == (line, column)


def test_error_message_shows_the_line_and_a_caret() -> None:
    with pytest.raises(PQuerySyntaxError) as info:
        parse("PREDICT COUNT(r.*, 0, 1)\nFOR EACH d.id\nWHERE d.x IS maybe")
    lines = str(info.value).splitlines()
    assert lines[0] == "line 3, column 14: expected NULL after IS, found 'maybe'"
    assert lines[1] == "  WHERE d.x IS maybe"
    assert lines[2] == "               ^^^^^"


def test_a_query_is_text() -> None:
    with pytest.raises(TypeError, match="a predictive query is text, found int"):
        parse(3)  # type: ignore[arg-type]
