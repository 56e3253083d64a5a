"""Tests of relgraph.tasks.task_type."""

import pytest

from relgraph.tasks import TaskType


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("regression", TaskType.REGRESSION),
        (" Binary_Classification ", TaskType.BINARY_CLASSIFICATION),
        (TaskType.LINK_PREDICTION, TaskType.LINK_PREDICTION),
    ],
)
def test_parse(text: str, expected: TaskType) -> None:
    assert TaskType.parse(text) is expected


def test_parse_rejects_unknown_names() -> None:
    with pytest.raises(
        ValueError, match="unknown task type 'ranking' \\(known: binary_classification, "
    ):
        TaskType.parse("ranking")


@pytest.mark.parametrize(
    ("task_type", "is_link", "is_classification", "has_list_targets"),
    [
        (TaskType.BINARY_CLASSIFICATION, False, True, False),
        (TaskType.MULTICLASS_CLASSIFICATION, False, True, False),
        (TaskType.MULTILABEL_CLASSIFICATION, False, True, True),
        (TaskType.REGRESSION, False, False, False),
        (TaskType.LINK_PREDICTION, True, False, True),
        (TaskType.REPEATED_LINK_PREDICTION, True, False, True),
    ],
)
def test_properties(
    task_type: TaskType, is_link: bool, is_classification: bool, has_list_targets: bool
) -> None:
    assert (task_type.is_link, task_type.is_classification, task_type.has_list_targets) == (
        is_link,
        is_classification,
        has_list_targets,
    )
