"""Splitting predictive-query text into tokens that remember where they came from."""

import re
from dataclasses import dataclass
from enum import Enum

from relgraph.tasks.pquery.errors import PQuerySyntaxError


class TokenKind(Enum):
    """The kind of a token."""

    NAME = "name"
    """A bare identifier or keyword: ``drivers``, ``PREDICT``."""
    QUOTED_NAME = "quoted name"
    """A double-quoted identifier, never a keyword: ``"my table"``."""
    NUMBER = "number"
    STRING = "string"
    OPERATOR = "operator"
    """A comparison: ``=``, ``!=``, ``<>``, ``<``, ``<=``, ``>``, ``>=``."""
    PUNCT = "punctuation"
    """One of ``( ) , . * -``."""
    END = "end of query"


@dataclass(frozen=True)
class Token:
    """A token of a query.

    Args:
        kind: What it is.
        text: The text as written.
        value: The value: the name (unquoted), the number, the string (unescaped), the operator.
        pos: The character offset in the query.
    """

    kind: TokenKind
    text: str
    value: object
    pos: int

    def describe(self) -> str:
        """How error messages name the token."""
        return "the end of the query" if self.kind is TokenKind.END else repr(self.text)


_PATTERNS = [
    ("space", r"\s+"),
    ("comment", r"--[^\n]*"),
    ("number", r"(?:\d+\.\d*|\.\d+|\d+)(?:[eE][+-]?\d+)?"),
    ("name", r"[A-Za-z_][A-Za-z0-9_]*"),
    ("quoted_name", r'"(?:[^"]|"")*"'),
    ("string", r"'(?:[^']|'')*'"),
    ("operator", r"<=|>=|<>|!=|=|<|>"),
    ("punct", r"[(),.*\-]"),
]
_TOKEN = re.compile("|".join(f"(?P<{name}>{pattern})" for name, pattern in _PATTERNS))


def tokenize(text: str) -> list[Token]:
    """Splits ``text`` into tokens, ending with an ``END`` token.

    Whitespace and ``--`` comments separate tokens. Numbers are integers unless written with a
    decimal point or exponent.

    Raises:
        PQuerySyntaxError: At an unterminated string or quoted name, or a character that
            starts no token.
    """
    tokens: list[Token] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            char = text[pos]
            if char in "'\"":
                what = "string" if char == "'" else "quoted name"
                raise PQuerySyntaxError(f"unterminated {what}: no closing {char}", text, pos)
            raise PQuerySyntaxError(f"unexpected character {char!r}", text, pos)
        kind, raw = match.lastgroup, match.group()
        if kind == "number":
            tokens.append(Token(TokenKind.NUMBER, raw, _number(raw), pos))
        elif kind == "name":
            tokens.append(Token(TokenKind.NAME, raw, raw, pos))
        elif kind == "quoted_name":
            name = raw[1:-1].replace('""', '"')
            if not name:
                raise PQuerySyntaxError("empty quoted name", text, pos, 2)
            tokens.append(Token(TokenKind.QUOTED_NAME, raw, name, pos))
        elif kind == "string":
            tokens.append(Token(TokenKind.STRING, raw, raw[1:-1].replace("''", "'"), pos))
        elif kind == "operator":
            tokens.append(Token(TokenKind.OPERATOR, raw, "!=" if raw == "<>" else raw, pos))
        elif kind == "punct":
            tokens.append(Token(TokenKind.PUNCT, raw, raw, pos))
        pos = match.end()
    tokens.append(Token(TokenKind.END, "", None, len(text)))
    return tokens


def _number(raw: str) -> int | float:
    if any(c in raw for c in ".eE"):
        return float(raw)
    return int(raw)
