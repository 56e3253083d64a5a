"""Tests of relgraph.tasks.pquery.lexer."""

import pytest

from relgraph.tasks.pquery.errors import PQuerySyntaxError
from relgraph.tasks.pquery.lexer import TokenKind, tokenize


def test_tokens_carry_kind_value_and_position() -> None:
    tokens = tokenize('PREDICT COUNT(t.*, -3, 1.5e2) <> \'it\'\'s\' -- note\n"a ""b"""')
    assert [(t.kind, t.value, t.pos) for t in tokens] == [
        (TokenKind.NAME, "PREDICT", 0),
        (TokenKind.NAME, "COUNT", 8),
        (TokenKind.PUNCT, "(", 13),
        (TokenKind.NAME, "t", 14),
        (TokenKind.PUNCT, ".", 15),
        (TokenKind.PUNCT, "*", 16),
        (TokenKind.PUNCT, ",", 17),
        (TokenKind.PUNCT, "-", 19),
        (TokenKind.NUMBER, 3, 20),
        (TokenKind.PUNCT, ",", 21),
        (TokenKind.NUMBER, 150.0, 23),
        (TokenKind.PUNCT, ")", 28),
        (TokenKind.OPERATOR, "!=", 30),
        (TokenKind.STRING, "it's", 33),
        (TokenKind.QUOTED_NAME, 'a "b"', 49),
        (TokenKind.END, None, 58),
    ]


@pytest.mark.parametrize(
    ("text", "value"),
    [("7", 7), ("7.", 7.0), (".5", 0.5), ("1e3", 1000.0), ("2.5E-1", 0.25), ("0", 0)],
)
def test_numbers_are_ints_unless_written_with_a_point_or_exponent(text: str, value: object) -> None:
    (token, _) = tokenize(text)
    assert token.kind is TokenKind.NUMBER
    assert token.value == value
    assert type(token.value) is type(value)


@pytest.mark.parametrize("op", ["=", "!=", "<", "<=", ">", ">="])
def test_operators(op: str) -> None:
    assert tokenize(f"a {op} b")[1].value == op


@pytest.mark.parametrize(
    ("text", "message", "column"),
    [
        ("a = 'open", "unterminated string", 5),
        ('"open.x', "unterminated quoted name", 1),
        ("a = @", "unexpected character '@'", 5),
        ('"" = 1', "empty quoted name", 1),
    ],
)
def test_errors_point_at_the_character(text: str, message: str, column: int) -> None:
    with pytest.raises(PQuerySyntaxError, match=message) as info:
        tokenize(text)
    assert (info.value.line, info.value.column) == (1, column)
