"""Parsing predictive-query text into a syntax tree (recursive descent).

Grammar (keywords and aggregation names are case-insensitive; names are case-sensitive and
may be double-quoted; ``--`` starts a comment)::

    query       := PREDICT target FOR EACH name "." name [WHERE filter]
    target      := operand [predicate_tail(literal)] | aggregation RANK TOP integer
    filter      := conjunct {OR conjunct}
    conjunct    := negation {AND negation}
    negation    := NOT negation | "(" filter ")" | operand predicate_tail(operand)
    predicate_tail(rhs) := op rhs | [NOT] IN "(" literal {"," literal} ")" | IS [NOT] NULL
    operand     := aggregation | column | literal
    aggregation := FUNC "(" column [WHERE filter] "," int "," int ["," unit] ")"
    column      := name "." ("*" | name {"." name})
    literal     := ["-"] number | string | TRUE | FALSE
    op          := "=" | "!=" | "<>" | "<" | "<=" | ">" | ">="
    unit        := days | hours | months      (singular accepted; default days)

The parser is hand-written rather than generated so that every error says, in the user's
terms, what was expected at which line and column.
"""

from relgraph.tasks.duration import TimeUnit
from relgraph.tasks.pquery.ast import (
    AggFunc,
    Aggregation,
    ColumnRef,
    CompareOp,
    Comparison,
    EntityRef,
    Expr,
    InList,
    IsNull,
    Literal,
    Not,
    Operand,
    Predicate,
    Query,
    Target,
    Window,
    and_,
    or_,
)
from relgraph.tasks.pquery.errors import PQuerySyntaxError
from relgraph.tasks.pquery.lexer import Token, TokenKind, tokenize

KEYWORDS = frozenset(
    {"PREDICT", "FOR", "EACH", "WHERE", "AND", "OR", "NOT", "IN", "IS", "NULL", "TRUE", "FALSE"}
    | {"RANK", "TOP"}
)
"""Words that cannot be bare names (double-quote them to use them as names)."""


def parse(text: str) -> Query:
    """Parses a predictive query.

    Args:
        text: The query, e.g.
            ``PREDICT COUNT(results.*, 0, 30, days) > 0 FOR EACH drivers.driverId``.

    Returns:
        Its syntax tree.

    Raises:
        PQuerySyntaxError: Naming the line and column of the first problem.
    """
    if not isinstance(text, str):
        raise TypeError(f"a predictive query is text, found {type(text).__name__}")
    return _Parser(text).query()


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.i = 0

    # -- token helpers --------------------------------------------------------------------

    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def peek(self, offset: int = 1) -> Token:
        return self.tokens[min(self.i + offset, len(self.tokens) - 1)]

    def advance(self) -> Token:
        tok = self.tokens[self.i]
        if tok.kind is not TokenKind.END:
            self.i += 1
        return tok

    def error(self, message: str, tok: Token | None = None) -> PQuerySyntaxError:
        tok = tok or self.tok
        return PQuerySyntaxError(message, self.text, tok.pos, max(1, len(tok.text)))

    def at_keyword(self, *words: str, tok: Token | None = None) -> bool:
        tok = tok or self.tok
        return tok.kind is TokenKind.NAME and str(tok.value).upper() in words

    def expect_keyword(self, word: str, context: str) -> Token:
        if not self.at_keyword(word):
            raise self.error(f"expected {word} {context}, found {self.tok.describe()}")
        return self.advance()

    def at_punct(self, char: str) -> bool:
        return self.tok.kind is TokenKind.PUNCT and self.tok.value == char

    def expect_punct(self, char: str, context: str) -> Token:
        if not self.at_punct(char):
            raise self.error(f"expected '{char}' {context}, found {self.tok.describe()}")
        return self.advance()

    # -- query ----------------------------------------------------------------------------

    def query(self) -> Query:
        if self.tok.kind is TokenKind.END:
            raise self.error("empty query: expected PREDICT <target> FOR EACH <table>.<key>")
        self.expect_keyword("PREDICT", "at the start of the query")
        target = self.target()
        self.expect_keyword("FOR", "after the target (PREDICT <target> FOR EACH <table>.<key>)")
        self.expect_keyword("EACH", "after FOR")
        entity = self.entity()
        where = None
        if self.at_keyword("WHERE"):
            self.advance()
            where = self.filter(in_aggregation=False)
        if self.tok.kind is not TokenKind.END:
            hint = " (join conditions with AND or OR)" if where is not None else ""
            raise self.error(f"unexpected {self.tok.describe()} after the query{hint}")
        return Query(target=target, entity=entity, where=where)

    def target(self) -> Target:
        start = self.tok
        operand = self.operand(in_aggregation=False)
        if self.at_keyword("RANK"):
            rank = self.advance()
            if not (isinstance(operand, Aggregation) and operand.func is AggFunc.LIST_DISTINCT):
                raise self.error("RANK TOP k ranks a list: it follows LIST_DISTINCT(...)", rank)
            self.expect_keyword("TOP", "after RANK")
            k = self.tok
            if k.kind is not TokenKind.NUMBER or not isinstance(k.value, int) or k.value < 1:
                raise self.error(
                    f"expected a positive whole number after TOP, found {k.describe()}"
                )
            self.advance()
            return Target(expr=operand, rank_top=k.value, pos=start.pos)
        if isinstance(operand, Literal):
            raise self.error("the target must be an aggregation or a column, not a constant", start)
        if self.at_predicate_tail():
            return Target(expr=self.predicate_tail(operand, literal_rhs=True), pos=start.pos)
        return Target(expr=operand, pos=start.pos)

    def entity(self) -> EntityRef:
        start = self.tok
        table = self.name("an entity table after FOR EACH")
        self.expect_punct(".", "between the entity table and its key (FOR EACH <table>.<key>)")
        if self.at_punct("*"):
            raise self.error("FOR EACH names the entity key column, not '*'")
        column = self.name("the entity key column")
        return EntityRef(table=table, column=column, pos=start.pos)

    # -- filters --------------------------------------------------------------------------

    def filter(self, *, in_aggregation: bool) -> Expr:
        start = self.tok.pos
        items = [self.conjunct(in_aggregation=in_aggregation)]
        while self.at_keyword("OR"):
            self.advance()
            items.append(self.conjunct(in_aggregation=in_aggregation))
        return or_(*items, pos=start)

    def conjunct(self, *, in_aggregation: bool) -> Expr:
        start = self.tok.pos
        items = [self.negation(in_aggregation=in_aggregation)]
        while self.at_keyword("AND"):
            self.advance()
            items.append(self.negation(in_aggregation=in_aggregation))
        return and_(*items, pos=start)

    def negation(self, *, in_aggregation: bool) -> Expr:
        if self.at_keyword("NOT"):
            tok = self.advance()
            return Not(self.negation(in_aggregation=in_aggregation), pos=tok.pos)
        if self.at_punct("("):
            self.advance()
            inner = self.filter(in_aggregation=in_aggregation)
            self.expect_punct(")", "to close the parenthesis")
            return inner
        operand = self.operand(in_aggregation=in_aggregation)
        if not self.at_predicate_tail():
            raise self.error(
                f"expected a comparison (=, !=, <, <=, >, >=), IN or IS after the operand, "
                f"found {self.tok.describe()}"
            )
        return self.predicate_tail(operand, literal_rhs=False, in_aggregation=in_aggregation)

    def at_predicate_tail(self) -> bool:
        return (
            self.tok.kind is TokenKind.OPERATOR
            or self.at_keyword("IN", "IS")
            or (self.at_keyword("NOT") and self.at_keyword("IN", tok=self.peek()))
        )

    def predicate_tail(
        self, operand: Operand, *, literal_rhs: bool, in_aggregation: bool = False
    ) -> Predicate:
        tok = self.tok
        pos = _pos(operand)
        if tok.kind is TokenKind.OPERATOR:
            self.advance()
            if literal_rhs:
                right: Operand = self.literal("a constant to compare the target with")
            else:
                right = self.operand(in_aggregation=in_aggregation)
            if self.tok.kind is TokenKind.OPERATOR:
                raise self.error("comparisons cannot be chained; join them with AND")
            return Comparison(op=CompareOp(tok.value), left=operand, right=right, pos=pos)
        if self.at_keyword("IS"):
            self.advance()
            negated = self.at_keyword("NOT")
            if negated:
                self.advance()
            if not self.at_keyword("NULL"):
                raise self.error(f"expected NULL after IS, found {self.tok.describe()}")
            self.advance()
            return IsNull(operand=operand, negated=negated, pos=pos)
        negated = self.at_keyword("NOT")
        if negated:
            self.advance()
        self.expect_keyword("IN", "after NOT")
        self.expect_punct("(", "after IN")
        if self.at_punct(")"):
            raise self.error("IN needs at least one value")
        values = [self.literal("a constant in the IN list")]
        while self.at_punct(","):
            self.advance()
            values.append(self.literal("a constant in the IN list"))
        self.expect_punct(")", "to close the IN list")
        return InList(operand=operand, values=tuple(values), negated=negated, pos=pos)

    # -- operands -------------------------------------------------------------------------

    def operand(self, *, in_aggregation: bool) -> Operand:
        tok = self.tok
        if (
            tok.kind is TokenKind.NAME
            and self.peek().kind is TokenKind.PUNCT
            and self.peek().value == "("
        ):
            if in_aggregation:
                raise self.error("aggregations cannot be nested inside an aggregation's WHERE")
            return self.aggregation()
        if tok.kind is TokenKind.QUOTED_NAME or (
            tok.kind is TokenKind.NAME and str(tok.value).upper() not in KEYWORDS
        ):
            return self.column()
        if self.at_keyword("NULL"):
            raise self.error("NULL is not a value to compare with; test it with IS [NOT] NULL")
        if (
            tok.kind in (TokenKind.NUMBER, TokenKind.STRING)
            or self.at_punct("-")
            or self.at_keyword("TRUE", "FALSE")
        ):
            return self.literal("a value")
        raise self.error(f"expected an aggregation, a column or a value, found {tok.describe()}")

    def aggregation(self) -> Aggregation:
        name = self.advance()
        try:
            func = AggFunc(str(name.value).upper())
        except ValueError:
            known = ", ".join(f.value for f in AggFunc)
            raise self.error(f"unknown aggregation {name.text!r} (known: {known})", name) from None
        self.advance()  # "("
        arg = self.column()
        if arg.is_star and func is not AggFunc.COUNT:
            raise PQuerySyntaxError(
                f"'{arg.table}.*' stands for whole rows, which only COUNT takes; "
                f"{func.value} needs a column",
                self.text,
                arg.pos,
                len(arg.table) + 2,
            )
        where = None
        if self.at_keyword("WHERE"):
            self.advance()
            where = self.filter(in_aggregation=True)
        self.expect_punct(",", f"before the window start of {func.value}(..., start, end, unit)")
        start_tok = self.tok
        start = self.whole_number("window start")
        self.expect_punct(",", "between the window start and end")
        end = self.whole_number("window end")
        unit = TimeUnit.DAYS
        if self.at_punct(","):
            self.advance()
            unit_tok = self.tok
            if unit_tok.kind is not TokenKind.NAME:
                raise self.error(
                    f"expected a time unit (days, hours, months), found {unit_tok.describe()}"
                )
            try:
                unit = TimeUnit.parse(str(unit_tok.value))
            except ValueError:
                raise self.error(
                    f"unknown time unit {unit_tok.text!r} (known: days, hours, months)"
                ) from None
            self.advance()
        self.expect_punct(")", f"to close {func.value}(...)")
        if start >= end:
            raise self.error(
                f"window start {start} must be before its end {end}: the window is "
                "(anchor + start, anchor + end]",
                start_tok,
            )
        return Aggregation(
            func=func, arg=arg, window=Window(start, end, unit), where=where, pos=name.pos
        )

    def whole_number(self, what: str) -> int:
        negative = self.at_punct("-")
        if negative:
            self.advance()
        tok = self.tok
        if tok.kind is not TokenKind.NUMBER:
            raise self.error(f"expected the {what} (a whole number), found {tok.describe()}")
        if not isinstance(tok.value, int):
            raise self.error(f"the {what} must be a whole number, found {tok.text}")
        self.advance()
        return -tok.value if negative else tok.value

    def column(self) -> ColumnRef:
        start = self.tok
        table = self.name("a table name")
        self.expect_punct(".", f"after table '{table}' (write <table>.<column> or <table>.*)")
        if self.at_punct("*"):
            self.advance()
            return ColumnRef(table=table, path=(), pos=start.pos)
        path = [self.name(f"a column of '{table}' or '*'")]
        while self.at_punct("."):
            self.advance()
            path.append(self.name("a column after '.'"))
        return ColumnRef(table=table, path=tuple(path), pos=start.pos)

    def literal(self, what: str) -> Literal:
        tok = self.tok
        if self.at_punct("-"):
            self.advance()
            number = self.tok
            if number.kind is not TokenKind.NUMBER:
                raise self.error(f"expected a number after '-', found {number.describe()}")
            self.advance()
            return Literal(-number.value, pos=tok.pos)
        if tok.kind in (TokenKind.NUMBER, TokenKind.STRING):
            self.advance()
            return Literal(tok.value, pos=tok.pos)
        if self.at_keyword("TRUE", "FALSE"):
            self.advance()
            return Literal(str(tok.value).upper() == "TRUE", pos=tok.pos)
        if self.at_keyword("NULL"):
            raise self.error("NULL is not a value to compare with; test it with IS [NOT] NULL")
        raise self.error(f"expected {what}, found {tok.describe()}")

    def name(self, what: str) -> str:
        tok = self.tok
        if tok.kind is TokenKind.QUOTED_NAME:
            self.advance()
            return str(tok.value)
        if tok.kind is TokenKind.NAME:
            if str(tok.value).upper() in KEYWORDS:
                raise self.error(
                    f"expected {what}, found keyword {tok.text!r} "
                    f'(double-quote it, "{tok.text}", to use it as a name)'
                )
            self.advance()
            return str(tok.value)
        raise self.error(f"expected {what}, found {tok.describe()}")


def _pos(node: object) -> int:
    return getattr(node, "pos", -1)
