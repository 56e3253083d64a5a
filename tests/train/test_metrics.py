"""Metrics per task type against hand-computed values, and their errors on bad input."""

import math

import numpy as np
import pyarrow as pa
import pytest
import torch

from relgraph.tasks import EvaluationMetric, TaskType, default_metrics
from relgraph.train.metrics import (
    average_precision,
    binary_accuracy,
    binary_f1,
    compute_metrics,
    default_metric,
    macro_f1,
    mae,
    map_at_k,
    metric_direction,
    metric_names,
    multiclass_accuracy,
    multilabel_average_precision,
    multilabel_macro_f1,
    multilabel_micro_f1,
    multilabel_roc_auc,
    ndcg_at_k,
    precision_at_k,
    r2,
    recall_at_k,
    rmse,
    roc_auc,
)

# --------------------------------------------------------------------------- binary


@pytest.mark.parametrize(
    ("y_true", "y_score", "expected"),
    [
        ([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9], 1.0),
        ([0, 0, 1, 1], [0.9, 0.8, 0.2, 0.1], 0.0),
        # pairs (pos, neg): (.9,.1)=1 (.9,.4)=1 (.4,.1)=1 (.4,.4)=tie=1/2 -> 3.5/4
        ([0, 1, 1, 0], [0.1, 0.9, 0.4, 0.4], 0.875),
        # every score tied: each pair counts half
        ([0, 1, 0, 1, 1], [0.3] * 5, 0.5),
        # logits work too: only the order matters
        ([1, 0, 1], [2.0, -1.0, -3.0], 0.5),
    ],
)
def test_roc_auc_hand_computed(y_true: list[int], y_score: list[float], expected: float) -> None:
    assert roc_auc(y_true, y_score) == pytest.approx(expected)


def test_average_precision_hand_computed() -> None:
    # ranking 0.9(1) 0.8(0) 0.7(1) 0.1(0): precision at the hits 1/1 and 2/3 -> (1 + 2/3) / 2
    assert average_precision([1, 0, 1, 0], [0.9, 0.8, 0.7, 0.1]) == pytest.approx(5 / 6)


@pytest.mark.parametrize(
    ("y_proba", "accuracy", "f1"),
    [
        # predictions 0 1 1 0 vs labels 0 1 0 1 -> TP=1 FP=1 FN=1
        ([0.2, 0.5, 0.7, 0.49], 0.5, 0.5),
        # nothing predicted positive: F1 is 0, not an error
        ([0.1, 0.1, 0.1, 0.1], 0.5, 0.0),
        ([0.0, 1.0, 0.0, 1.0], 1.0, 1.0),
    ],
)
def test_binary_accuracy_and_f1_threshold_half(
    y_proba: list[float], accuracy: float, f1: float
) -> None:
    y_true = [0, 1, 0, 1]
    assert binary_accuracy(y_true, y_proba) == pytest.approx(accuracy)
    assert binary_f1(y_true, y_proba) == pytest.approx(f1)


def test_binary_threshold_is_configurable() -> None:
    assert binary_accuracy([0, 1], [0.3, 0.4], threshold=0.35) == 1.0


@pytest.mark.parametrize("fn", [roc_auc, average_precision])
def test_ranking_binary_metrics_reject_a_single_class(fn) -> None:
    with pytest.raises(ValueError, match=r"(single class|without positives).*label 0"):
        fn([0, 0, 0], [0.1, 0.5, 0.9])


def test_roc_auc_single_positive_class_names_it() -> None:
    with pytest.raises(ValueError, match="all 2 example\\(s\\) have label 1"):
        roc_auc([1, 1], [0.3, 0.4])


@pytest.mark.parametrize(
    ("y_true", "y_pred", "match"),
    [
        ([0, 1, 2], [0.1, 0.2, 0.3], r"0/1 labels, found values \[0, 1, 2\]"),
        ([0, 1], [0.1, 0.2, 0.3], "y_true has 2 examples but y_pred has 3"),
        ([0, 1], [0.1, float("nan")], "1 NaN or infinite"),
        ([], [], "no examples"),
        ([0, 1], [[0.1], [0.2]], "y_pred must have 1 dimension"),
    ],
)
def test_binary_bad_input(y_true, y_pred, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        roc_auc(y_true, y_pred)


def test_threshold_metrics_reject_logits() -> None:
    with pytest.raises(ValueError, match=r"probabilities in \[0, 1\].*sigmoid"):
        binary_accuracy([0, 1], [-2.0, 3.0])


# --------------------------------------------------------------------------- multiclass


def test_multiclass_hand_computed() -> None:
    y_true = [0, 1, 2, 2]
    proba = np.array([[0.8, 0.1, 0.1], [0.2, 0.3, 0.5], [0.1, 0.1, 0.8], [0.1, 0.6, 0.3]])
    # argmax: 0 2 2 1 -> accuracy 2/4; F1 per class: c0=1, c1=0 (TP0 FP1 FN1), c2=1/2
    assert multiclass_accuracy(y_true, proba) == pytest.approx(0.5)
    assert macro_f1(y_true, proba) == pytest.approx((1 + 0 + 0.5) / 3)
    result = compute_metrics("multiclass_classification", y_true, proba)
    assert result == pytest.approx({"accuracy": 0.5, "macro_f1": 0.5, "micro_f1": 0.5})


def test_multiclass_class_id_out_of_range() -> None:
    with pytest.raises(ValueError, match=r"\[0, 2\) to match y_pred's 2 columns, found range"):
        multiclass_accuracy([0, 2], np.eye(2))


def test_multiclass_rejects_fractional_labels() -> None:
    with pytest.raises(ValueError, match="integer class ids"):
        macro_f1([0.5, 1.0], np.eye(2))


# --------------------------------------------------------------------------- multilabel


def test_multilabel_hand_computed() -> None:
    y_true = np.array([[1, 0], [0, 1], [1, 1], [0, 0]])
    proba = np.array([[0.9, 0.6], [0.4, 0.7], [0.6, 0.2], [0.1, 0.3]])
    # label 0: perfectly ranked, predictions 1 0 1 0 (all right, F1 1)
    # label 1: positives .7 .2 vs negatives .6 .3 -> pairs won 2 of 4 -> AUROC .5;
    #          predictions 1 1 0 0 vs 0 1 1 0 -> TP1 FP1 FN1 -> F1 .5;
    #          AP: ranking .7(1) .6(0) .3(0) .2(1) -> (1 + 2/4) / 2 = .75
    assert multilabel_roc_auc(y_true, proba) == pytest.approx((1.0 + 0.5) / 2)
    assert multilabel_macro_f1(y_true, proba) == pytest.approx((1.0 + 0.5) / 2)
    assert multilabel_average_precision(y_true, proba) == pytest.approx((1.0 + 0.75) / 2)
    # pooled: TP 3, FP 1, FN 1 -> 6 / 8
    assert multilabel_micro_f1(y_true, proba) == pytest.approx(0.75)


def test_multilabel_auroc_skips_single_class_labels(caplog: pytest.LogCaptureFixture) -> None:
    y_true = np.array([[1, 0], [0, 0], [1, 0]])
    proba = np.array([[0.9, 0.1], [0.2, 0.5], [0.7, 0.3]])
    assert multilabel_roc_auc(y_true, proba) == 1.0
    assert "skipping 1 of 2 label(s)" in caplog.text


def test_multilabel_auroc_with_no_scorable_label() -> None:
    with pytest.raises(ValueError, match="no label has both positive and negative"):
        multilabel_roc_auc(np.ones((2, 3)), np.full((2, 3), 0.5))


def test_multilabel_shapes_must_match() -> None:
    with pytest.raises(ValueError, match=r"y_true \(2, 2\) and y_pred \(2, 3\)"):
        multilabel_macro_f1(np.zeros((2, 2)), np.zeros((2, 3)))


# --------------------------------------------------------------------------- regression


def test_regression_hand_computed() -> None:
    y_true = [1.0, 2.0, 3.0]
    y_pred = [1.5, 2.0, 2.0]
    # errors .5 0 1: MAE .5, MSE 1.25/3, R2 = 1 - (1.25/3) / (2/3)
    assert mae(y_true, y_pred) == pytest.approx(0.5)
    assert rmse(y_true, y_pred) == pytest.approx(math.sqrt(1.25 / 3))
    assert r2(y_true, y_pred) == pytest.approx(1 - 1.25 / 2)
    assert compute_metrics("regression", y_true, y_pred)["mse"] == pytest.approx(1.25 / 3)


def test_r2_of_constant_labels_is_an_error() -> None:
    with pytest.raises(ValueError, match=r"r2 is undefined when y_true is constant.*equal 4"):
        r2([4.0, 4.0], [3.0, 5.0])


def test_torch_tensors_with_grad_are_accepted() -> None:
    pred = torch.tensor([1.5, 2.0, 2.0], requires_grad=True)
    assert mae(torch.tensor([1.0, 2.0, 3.0]), pred) == pytest.approx(0.5)


# --------------------------------------------------------------------------- link prediction

LINK_TRUE = [[1, 2], [3]]
LINK_PRED = np.array([[2, 5, 1], [4, 3, 9]])
# row 0: hits at ranks 1 and 3; row 1: a hit at rank 2


@pytest.mark.parametrize(
    ("fn", "k", "expected"),
    [
        # AP row0 = (1/1 + 2/3) / min(2, 3); row1 = (1/2) / 1
        (map_at_k, None, ((1 + 2 / 3) / 2 + 0.5) / 2),
        # at k=1: row0 hit (1/1) / min(2, 1) = 1; row1 nothing
        (map_at_k, 1, 0.5),
        (precision_at_k, None, (2 / 3 + 1 / 3) / 2),
        (precision_at_k, 2, (1 / 2 + 1 / 2) / 2),
        (recall_at_k, None, 1.0),
        (recall_at_k, 1, (1 / 2 + 0) / 2),
        # DCG row0 = 1 + 1/log2(4); ideal (2 targets) = 1 + 1/log2(3)
        # DCG row1 = 1/log2(3); ideal (1 target) = 1
        (ndcg_at_k, None, ((1 + 0.5) / (1 + 1 / math.log2(3)) + 1 / math.log2(3)) / 2),
    ],
)
def test_link_metrics_hand_computed(fn, k: int | None, expected: float) -> None:
    assert fn(LINK_TRUE, LINK_PRED, k) == pytest.approx(expected)


def test_link_accepts_arrow_lists_and_dedupes_targets() -> None:
    lists = pa.chunked_array([pa.array([[1, 2, 2]]), pa.array([[3]])], pa.list_(pa.int64()))
    assert map_at_k(lists, LINK_PRED) == pytest.approx(map_at_k(LINK_TRUE, LINK_PRED))


def test_compute_metrics_link_keys_carry_k() -> None:
    result = compute_metrics("link_prediction", LINK_TRUE, LINK_PRED, k=2)
    assert set(result) == {"map@2", "precision@2", "recall@2", "ndcg@2"}
    chosen = compute_metrics(
        TaskType.REPEATED_LINK_PREDICTION, LINK_TRUE, LINK_PRED, metrics=["map@1", "recall"]
    )
    assert chosen == pytest.approx({"map@1": 0.5, "recall@3": 1.0})


@pytest.mark.parametrize(
    ("y_true", "y_pred", "k", "match"),
    [
        ([[1], []], np.array([[1], [2]]), None, r"1 row\(s\) have no true target \(first: row 1\)"),
        ([[1]], np.array([[1, 1]]), None, "row 0 ranks the same id twice"),
        ([[1]], np.array([[1, 2]]), 3, r"k must lie in \[1, 2\]"),
        ([[1]], np.array([1, 2]), None, "2-D integer array"),
        ([[1], [2]], np.array([[1, 2]]), None, "y_true has 2 rows but y_pred has 1"),
    ],
)
def test_link_bad_input(y_true, y_pred, k, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        map_at_k(y_true, y_pred, k)


# --------------------------------------------------------------------------- registry


@pytest.mark.parametrize("task_type", list(TaskType))
def test_default_metric_agrees_with_the_task_layer(task_type: TaskType) -> None:
    expected = str(default_metrics(task_type)[0])
    assert default_metric(task_type) == expected
    if task_type.is_link:
        assert default_metric(task_type, k=5) == "map@5"
    else:
        assert expected in metric_names(task_type)


@pytest.mark.parametrize("task_type", list(TaskType))
def test_every_task_layer_metric_is_computable(task_type: TaskType) -> None:
    from relgraph.tasks.metric import _BY_TASK_TYPE  # the task layer's list per type

    names = set(metric_names(task_type))
    assert {EvaluationMetric.parse(n).name for n in _BY_TASK_TYPE[task_type]} <= names


def test_compute_metrics_binary_all_keys() -> None:
    result = compute_metrics("binary_classification", [0, 1, 1, 0], [0.1, 0.9, 0.4, 0.4])
    assert result == pytest.approx(
        {"roc_auc": 0.875, "average_precision": 5 / 6, "accuracy": 0.75, "f1": 2 / 3}
    )


def test_compute_metrics_subset_by_alias() -> None:
    result = compute_metrics("binary_classification", [0, 1], [0.2, 0.7], metrics=["auroc"])
    assert result == {"roc_auc": 1.0}


def test_compute_metrics_rejects_a_metric_of_another_task_type() -> None:
    with pytest.raises(ValueError, match="metric 'mae' does not fit a binary_classification"):
        compute_metrics("binary_classification", [0, 1], [0.2, 0.7], metrics=["mae"])


@pytest.mark.parametrize(
    ("name", "direction"),
    [
        ("roc_auc", "max"),
        ("auroc", "max"),
        ("mae", "min"),
        ("rmse", "min"),
        ("r2", "max"),
        ("map@10", "max"),
        ("val_mae", "min"),
        ("val/roc_auc", "max"),
        ("loss", "min"),
        (EvaluationMetric("mse"), "min"),
    ],
)
def test_metric_direction(name, direction: str) -> None:
    assert metric_direction(name) == direction


def test_metric_direction_unknown_name() -> None:
    with pytest.raises(ValueError, match="unknown evaluation metric 'bogus'"):
        metric_direction("bogus")
