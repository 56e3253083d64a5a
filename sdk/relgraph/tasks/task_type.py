"""The kinds of prediction a task asks for."""

from enum import StrEnum


class TaskType(StrEnum):
    """What a task predicts, in the vocabulary of hosted relational-GNN products."""

    BINARY_CLASSIFICATION = "binary_classification"
    MULTICLASS_CLASSIFICATION = "multiclass_classification"
    MULTILABEL_CLASSIFICATION = "multilabel_classification"
    REGRESSION = "regression"
    LINK_PREDICTION = "link_prediction"
    REPEATED_LINK_PREDICTION = "repeated_link_prediction"

    @classmethod
    def parse(cls, value: "str | TaskType") -> "TaskType":
        """Returns the task type named by ``value`` (case-insensitive).

        Raises:
            ValueError: If ``value`` names no task type; the message lists those there are.
        """
        if isinstance(value, cls):
            return value
        try:
            return cls(str(value).strip().lower())
        except ValueError:
            known = ", ".join(t.value for t in cls)
            raise ValueError(f"unknown task type {value!r} (known: {known})") from None

    @property
    def is_link(self) -> bool:
        """Whether targets are lists of ids of another table's rows."""
        return self in (TaskType.LINK_PREDICTION, TaskType.REPEATED_LINK_PREDICTION)

    @property
    def is_classification(self) -> bool:
        """Whether labels are classes (binary, multiclass or multilabel)."""
        return self in (
            TaskType.BINARY_CLASSIFICATION,
            TaskType.MULTICLASS_CLASSIFICATION,
            TaskType.MULTILABEL_CLASSIFICATION,
        )

    @property
    def has_list_targets(self) -> bool:
        """Whether each example's target is a list (multilabel and link tasks)."""
        return self.is_link or self is TaskType.MULTILABEL_CLASSIFICATION
