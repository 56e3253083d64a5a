"""Output table shapes per task type, and embeddings."""

import numpy as np
import pyarrow as pa
import pytest

from relgraph.predict.tables import (
    embeddings_table,
    link_predictions_table,
    node_predictions_table,
)
from relgraph.tasks import TaskType

IDS = pa.array([10, 20, 30])
ANCHOR = pa.array(np.full(3, np.datetime64("2024-01-01", "us")))


def test_binary_has_probability_and_class_by_threshold() -> None:
    table = node_predictions_table(
        TaskType.BINARY_CLASSIFICATION,
        "user_id",
        IDS,
        ANCHOR,
        np.array([0.2, 0.5, 0.9]),
        threshold=0.6,
    )
    assert table.column_names == ["user_id", "anchor_time", "probability", "prediction"]
    assert table["prediction"].to_pylist() == [0, 0, 1]
    assert table.schema.field("anchor_time").type == pa.timestamp("us")


def test_multiclass_has_class_values_and_per_class_columns() -> None:
    probs = np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8], [0.3, 0.4, 0.3]])
    table = node_predictions_table(
        TaskType.MULTICLASS_CLASSIFICATION,
        "user_id",
        IDS,
        ANCHOR,
        probs,
        classes=["low", "mid", "high"],
    )
    assert table.column_names == [
        "user_id",
        "anchor_time",
        "prediction",
        "probability",
        "probability_low",
        "probability_mid",
        "probability_high",
    ]
    assert table["prediction"].to_pylist() == ["low", "high", "mid"]
    assert table["probability"].to_pylist() == [0.7, 0.8, 0.4]


def test_multilabel_and_regression() -> None:
    probs = np.array([[0.7, 0.2], [0.1, 0.9], [0.6, 0.6]])
    table = node_predictions_table(
        TaskType.MULTILABEL_CLASSIFICATION, "u", IDS, ANCHOR, probs, classes=["a", "b"]
    )
    assert table["predicted_a"].to_pylist() == [1, 0, 1]
    assert table["predicted_b"].to_pylist() == [0, 1, 1]
    values = node_predictions_table(TaskType.REGRESSION, "u", IDS, ANCHOR, np.array([1.5, 2, 3]))
    assert values.column_names == ["u", "anchor_time", "prediction"]


def test_link_predictions_are_long() -> None:
    table = link_predictions_table(
        "driverId",
        pa.array([1, 2]),
        ANCHOR[:2],
        "circuitId",
        np.array([[7, 8, 9], [9, 8, 7]]),
        np.array([[3.0, 2.0, 1.0], [6.0, 5.0, 4.0]]),
    )
    assert table.column_names == ["driverId", "anchor_time", "rank", "circuitId", "score"]
    assert table["driverId"].to_pylist() == [1, 1, 1, 2, 2, 2]
    assert table["rank"].to_pylist() == [1, 2, 3, 1, 2, 3]
    assert table["circuitId"].to_pylist() == [7, 8, 9, 9, 8, 7]


def test_embeddings_are_fixed_size_lists() -> None:
    matrix = np.arange(6, dtype=np.float64).reshape(3, 2)
    table = embeddings_table("user_id", IDS, ANCHOR, matrix)
    assert table.schema.field("embedding").type == pa.list_(pa.float32(), 2)
    assert table["embedding"].to_pylist() == [[0, 1], [2, 3], [4, 5]]


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (
            lambda: node_predictions_table(
                TaskType.BINARY_CLASSIFICATION, "u", IDS, ANCHOR, np.zeros(2)
            ),
            "predictions has 2 rows for 3 entities",
        ),
        (
            lambda: node_predictions_table(
                TaskType.BINARY_CLASSIFICATION, "u", IDS, ANCHOR, np.zeros(3), threshold=1.5
            ),
            r"threshold must lie in \[0, 1\]",
        ),
        (
            lambda: node_predictions_table(
                TaskType.MULTICLASS_CLASSIFICATION,
                "u",
                IDS,
                ANCHOR,
                np.zeros((3, 2)),
                classes=["a"],
            ),
            "2 columns for 1 classes",
        ),
        (
            lambda: node_predictions_table(
                TaskType.BINARY_CLASSIFICATION, "probability", IDS, ANCHOR, np.zeros(3)
            ),
            "'probability' would be written twice",
        ),
        (
            lambda: node_predictions_table(TaskType.LINK_PREDICTION, "u", IDS, ANCHOR, np.zeros(3)),
            "not a node task type",
        ),
        (lambda: embeddings_table("u", IDS, ANCHOR, np.zeros(3)), r"\[rows, dims\]"),
        (
            lambda: link_predictions_table(
                "u", IDS, ANCHOR, "u", np.zeros((3, 1)), np.zeros((3, 1))
            ),
            "'u' would be written twice",
        ),
    ],
)
def test_bad_shapes_and_clashes_are_named(call, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        call()
