"""Errors raised by the schema layer."""


class SchemaError(ValueError):
    """A schema is malformed or does not fit its data.

    Args:
        problems: One message per problem found, each naming the table and column.
    """

    def __init__(self, problems: list[str] | str) -> None:
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("; ".join(self.problems))
