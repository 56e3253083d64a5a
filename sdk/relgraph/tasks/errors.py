"""Errors and warnings raised by the task layer."""


class TaskError(ValueError):
    """A task, or one of its task tables, is malformed or does not fit the data.

    Args:
        problems: One message per problem found, each naming the split, column and value.
    """

    def __init__(self, problems: list[str] | str) -> None:
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("; ".join(self.problems))


class TaskWarning(UserWarning):
    """A task is valid but probably not what was meant (for example, no time column on a
    temporal schema, so a model may see the future)."""
