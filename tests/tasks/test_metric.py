"""Tests of relgraph.tasks.metric."""

import pytest

from relgraph.tasks import DEFAULT_EVAL_AT_K, EvaluationMetric, TaskType, default_metrics
from relgraph.tasks.metric import resolve_metrics


@pytest.mark.parametrize(
    ("name", "canonical"),
    [
        ("roc_auc", "roc_auc"),
        ("AUROC", "roc_auc"),
        ("auc", "roc_auc"),
        ("ap", "average_precision"),
        ("MAE", "mae"),
        ("f1_macro", "macro_f1"),
    ],
)
def test_names_and_aliases(name: str, canonical: str) -> None:
    assert EvaluationMetric(name).name == canonical


def test_ranking_metrics_take_k_and_default_it() -> None:
    assert EvaluationMetric("map").eval_at_k == DEFAULT_EVAL_AT_K
    assert str(EvaluationMetric("map", 12)) == "map@12"
    assert EvaluationMetric.parse("ndcg@5") == EvaluationMetric("ndcg", 5)
    assert EvaluationMetric.parse("mae") == EvaluationMetric("mae")
    assert str(EvaluationMetric("mae")) == "mae"


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: EvaluationMetric("accuracy_top"), "unknown evaluation metric 'accuracy_top'"),
        (
            lambda: EvaluationMetric("mae", 3),
            "metric 'mae' does not rank, so it takes no eval_at_k",
        ),
        (lambda: EvaluationMetric("map", 0), "eval_at_k must be a positive integer, found 0"),
        (lambda: EvaluationMetric("map", True), "eval_at_k must be a positive integer, found True"),
        (lambda: EvaluationMetric.parse("map@x"), "k after '@' must be an integer"),
        (
            lambda: EvaluationMetric.parse("map@-2"),
            "eval_at_k must be a positive integer, found -2",
        ),
    ],
)
def test_bad_metrics(make: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make()


@pytest.mark.parametrize(
    ("task_type", "names"),
    [
        (TaskType.BINARY_CLASSIFICATION, ["roc_auc"]),
        (TaskType.MULTICLASS_CLASSIFICATION, ["accuracy", "macro_f1"]),
        (TaskType.MULTILABEL_CLASSIFICATION, ["macro_f1"]),
        (TaskType.REGRESSION, ["mae"]),
        (TaskType.LINK_PREDICTION, ["map@10"]),
        (TaskType.REPEATED_LINK_PREDICTION, ["map@10"]),
    ],
)
def test_defaults_per_task_type(task_type: TaskType, names: list[str]) -> None:
    assert [str(m) for m in default_metrics(task_type)] == names
    assert all(m.fits(task_type) for m in default_metrics(task_type))


def test_link_defaults_take_k() -> None:
    assert default_metrics("link_prediction", 12) == (EvaluationMetric("map", 12),)


def test_resolve_checks_fit() -> None:
    assert resolve_metrics(["ap", "roc_auc"], TaskType.BINARY_CLASSIFICATION, where="t") == (
        EvaluationMetric("average_precision"),
        EvaluationMetric("roc_auc"),
    )
    assert resolve_metrics("rmse", TaskType.REGRESSION, where="t") == (EvaluationMetric("rmse"),)
    with pytest.raises(
        ValueError, match="t: metric 'mae' does not fit a binary_classification task"
    ):
        resolve_metrics("mae", TaskType.BINARY_CLASSIFICATION, where="t")
    with pytest.raises(ValueError, match="t: evaluation_metric is empty"):
        resolve_metrics([], TaskType.REGRESSION, where="t")


def test_json_round_trip() -> None:
    metric = EvaluationMetric("recall", 20)
    assert EvaluationMetric.from_dict(metric.to_dict()) == metric
