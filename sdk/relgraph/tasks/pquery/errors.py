"""Errors of predictive queries, pointing at the place in the query text they concern."""


class PQueryError(ValueError):
    """A predictive query is malformed or does not fit the schema or data.

    The message names the line and column and shows the query line with a caret under the
    problem, for example::

        line 1, column 9: expected an aggregation, a column or a value, found 'FOR'
          PREDICT FOR EACH drivers.driverId
                  ^^^

    Args:
        message: What is wrong.
        text: The query text (default: ``None``, no position shown).
        pos: The character offset of the problem in ``text`` (default: ``None``).
        length: How many characters to underline (default: 1).
    """

    def __init__(
        self, message: str, text: str | None = None, pos: int | None = None, length: int = 1
    ) -> None:
        self.message = message
        self.text = text
        self.pos = pos
        self.line: int | None = None
        self.column: int | None = None
        if text is not None and pos is not None and pos >= 0:
            pos = min(pos, len(text))
            self.line = text.count("\n", 0, pos) + 1
            start = text.rfind("\n", 0, pos) + 1
            self.column = pos - start + 1
            end = text.find("\n", pos)
            source_line = text[start : end if end >= 0 else len(text)]
            width = max(1, min(length, len(source_line) - (pos - start)))
            caret = " " * (pos - start) + "^" * width
            super().__init__(
                f"line {self.line}, column {self.column}: {message}\n  {source_line}\n  {caret}"
            )
        else:
            super().__init__(message)


class PQuerySyntaxError(PQueryError):
    """The query text does not follow the grammar of predictive queries."""
