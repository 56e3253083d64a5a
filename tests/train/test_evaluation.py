"""Holdout frames, ROC points, confusion matrices and the evaluation report."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from kfp.dsl import ClassificationMetrics, Metrics

from relgraph.tasks import TaskType
from relgraph.train.evaluation import (
    ConfusionMatrix,
    EvaluationReport,
    RocCurve,
    confusion_matrix,
    holdout_frame,
    roc_curve_points,
)

# --------------------------------------------------------------------------- holdout frame


def test_binary_holdout_frame_from_seed_seconds() -> None:
    frame = holdout_frame(
        [10, 11, 12],
        np.array([0, 86_400, 2 * 86_400], dtype=np.int64),
        [0, 1, 1],
        np.array([0.2, 0.5, 0.4]),
        entity_column="driverId",
        task_type="binary_classification",
    )
    assert list(frame.columns) == ["driverId", "anchor_time", "label", "prediction", "probability"]
    assert frame["anchor_time"].tolist() == list(
        pd.to_datetime(["1970-01-01", "1970-01-02", "1970-01-03"])
    )
    assert frame["anchor_time"].dtype == "datetime64[us]"
    assert frame["prediction"].tolist() == [0, 1, 0]  # P(1) >= 0.5
    assert frame["probability"].tolist() == [0.2, 0.5, 0.4]


def test_multiclass_holdout_keeps_argmax_and_its_probability() -> None:
    frame = holdout_frame(
        ["a", "b"],
        pa.array([0, 1_000_000], pa.timestamp("us")),
        [2, 0],
        np.array([[0.1, 0.2, 0.7], [0.5, 0.4, 0.1]]),
        entity_column="user",
        task_type=TaskType.MULTICLASS_CLASSIFICATION,
    )
    assert frame["prediction"].tolist() == [2, 0]
    assert frame["probability"].tolist() == [0.7, 0.5]
    assert frame["user"].tolist() == ["a", "b"]


def test_multilabel_holdout_lists_positive_labels() -> None:
    frame = holdout_frame(
        [1, 2],
        np.array(["2020-01-01", "2021-06-01"], dtype="datetime64[D]"),
        np.array([[1, 0, 1], [0, 0, 0]]),
        np.array([[0.6, 0.2, 0.4], [0.1, 0.9, 0.5]]),
        entity_column="id",
        task_type="multilabel_classification",
    )
    assert [list(v) for v in frame["label"]] == [[0, 2], []]
    assert [list(v) for v in frame["prediction"]] == [[0], [1, 2]]
    assert [list(v) for v in frame["probability"]] == [[0.6, 0.2, 0.4], [0.1, 0.9, 0.5]]
    assert isinstance(frame["prediction"].dtype, pd.ArrowDtype)


def test_link_holdout_keeps_ranked_ids() -> None:
    frame = holdout_frame(
        [1, 2],
        [0, 0],
        [[7, 8], [9]],
        np.array([[8, 3], [4, 9]]),
        entity_column="driverId",
        task_type="link_prediction",
    )
    assert [list(v) for v in frame["label"]] == [[7, 8], [9]]
    assert [list(v) for v in frame["prediction"]] == [[8, 3], [4, 9]]
    assert "probability" not in frame


def test_regression_holdout() -> None:
    frame = holdout_frame(
        [1], [0], [3.0], np.array([2.5]), entity_column="id", task_type="regression"
    )
    assert frame.loc[0, "prediction"] == 2.5


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"entity_ids": [1, 2]}, "predictions has 3 rows but entity_ids has 2"),
        ({"labels": [0, 1]}, "labels has 2 rows but entity_ids has 3"),
        ({"anchor_times": [0, 1]}, "anchor_times has 2 values but entity_ids has 3"),
        ({"anchor_times": [0.5, 1.5, 2.5]}, "anchor_times must be timestamps.*float64"),
        ({"entity_column": "label"}, "entity_column 'label' clashes"),
        ({"predictions": np.zeros((3, 2))}, r"binary_classification task needs 1-D.*\(3, 2\)"),
    ],
)
def test_holdout_frame_bad_input(kwargs: dict, match: str) -> None:
    args = {
        "entity_ids": [1, 2, 3],
        "anchor_times": [0, 1, 2],
        "labels": [0, 1, 0],
        "predictions": np.array([0.1, 0.2, 0.3]),
        "entity_column": "id",
        "task_type": "binary_classification",
        **kwargs,
    }
    with pytest.raises(ValueError, match=match):
        holdout_frame(
            args.pop("entity_ids"),
            args.pop("anchor_times"),
            args.pop("labels"),
            args.pop("predictions"),
            **args,
        )


# --------------------------------------------------------------------------- ROC curve


def test_roc_curve_points_hand_computed() -> None:
    curve = roc_curve_points([0, 1, 1, 0], [0.1, 0.9, 0.4, 0.4])
    # thresholds .9 -> (0, 1/2); .4 (tie of a 1 and a 0) -> (1/2, 1); .1 -> (1, 1)
    assert curve.fpr == [0.0, 0.0, 0.5, 1.0]
    assert curve.tpr == [0.0, 0.5, 1.0, 1.0]
    assert curve.thresholds[1:] == [0.9, 0.4, 0.1]
    # the "nothing positive" point: just above the top score, finite for JSON
    assert 0.9 < curve.thresholds[0] < 0.9 + 1e-12
    json.dumps(curve.to_dict(), allow_nan=False)


def test_roc_curve_is_thinned_to_max_points_keeping_both_ends() -> None:
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 5_000)
    full = roc_curve_points(y, rng.random(5_000), max_points=None)
    thin = roc_curve_points(y, rng.random(5_000) * 0 + np.linspace(0, 1, 5_000), max_points=50)
    assert len(full.fpr) > 50
    assert len(thin.fpr) <= 50
    assert (thin.fpr[0], thin.tpr[0], thin.fpr[-1], thin.tpr[-1]) == (0.0, 0.0, 1.0, 1.0)
    assert np.all(np.diff(thin.fpr) >= 0)


@pytest.mark.parametrize(
    ("y_true", "y_score", "match"),
    [
        ([1, 1], [0.2, 0.3], "needs both classes; all 2 example\\(s\\) have label 1"),
        ([0, 2], [0.2, 0.3], "0/1 labels"),
        ([0, 1], [0.2], "must be 1-D of one length"),
        ([0, 1], [0.2, float("inf")], "NaN or infinite"),
    ],
)
def test_roc_curve_bad_input(y_true, y_score, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        roc_curve_points(y_true, y_score)


# --------------------------------------------------------------------------- confusion matrix


def test_confusion_matrix_hand_computed() -> None:
    matrix = confusion_matrix([0, 0, 1, 2, 2, 2], [0, 1, 1, 2, 0, 2], categories=["a", "b", "c"])
    assert matrix == ConfusionMatrix(["a", "b", "c"], [[1, 1, 0], [0, 1, 0], [1, 0, 2]])


def test_confusion_matrix_includes_unseen_classes() -> None:
    assert confusion_matrix([0, 0], [0, 0], num_classes=3).matrix == [
        [2, 0, 0],
        [0, 0, 0],
        [0, 0, 0],
    ]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"num_classes": 2}, r"class ids must lie in \[0, 2\), found range \[0, 2\]"),
        ({"categories": ["x"], "num_classes": 3}, "1 categories but num_classes=3"),
    ],
)
def test_confusion_matrix_bad_input(kwargs: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        confusion_matrix([0, 2], [1, 0], **kwargs)


def test_confusion_matrix_rejects_probabilities() -> None:
    with pytest.raises(ValueError, match="y_pred must hold class ids, found float64"):
        confusion_matrix([0, 1], [0.2, 0.9])


# --------------------------------------------------------------------------- report


def _binary_report(holdout: pd.DataFrame | None = None) -> EvaluationReport:
    return EvaluationReport.from_predictions(
        "binary_classification",
        {
            "val": ([0, 1, 1, 0], [0.1, 0.9, 0.4, 0.4]),
            "test": ([0, 1, 1, 0, 1], [0.1, 0.9, 0.4, 0.3, 0.8]),
        },
        baseline={"test": ([0, 1, 1, 0, 1], [0.5, 0.4, 0.6, 0.3, 0.2])},
        holdout=holdout,
    )


def test_report_scores_every_split_and_draws_test_curves() -> None:
    report = _binary_report()
    assert report.target_metric == "roc_auc"
    assert report.metrics["val"]["roc_auc"] == pytest.approx(0.875)
    assert report.metrics["test"]["roc_auc"] == pytest.approx(1.0)
    # baseline test: positives .4 .6 .2 vs negatives .5 .3 -> wins 1+0, 1+1, 0+0 -> 3/6
    assert set(report.baseline_metrics) == {"test"}
    assert report.baseline_metrics["test"]["roc_auc"] == pytest.approx(0.5)
    assert report.curve_split == "test"
    # test predictions at 0.5: 0 1 0 0 1 vs 0 1 1 0 1
    assert report.confusion_matrix == ConfusionMatrix(["0", "1"], [[2, 0], [1, 2]])
    assert report.roc_curve is not None and report.roc_curve.tpr[-1] == 1.0


def test_report_flat_metrics_name_splits_and_baseline() -> None:
    flat = _binary_report().flat_metrics()
    assert flat["test_roc_auc"] == pytest.approx(1.0)
    assert flat["baseline_test_roc_auc"] == pytest.approx(0.5)
    assert "val_f1" in flat


def test_report_logs_into_real_kfp_artifacts() -> None:
    report = _binary_report()
    metrics = Metrics(name="metrics")
    classification = ClassificationMetrics(name="classification")
    report.log_kfp(metrics, classification)
    assert metrics.metadata["test_roc_auc"] == pytest.approx(1.0)
    points = classification.metadata["confidenceMetrics"]
    assert len(points) == len(report.roc_curve.fpr)
    assert classification.metadata["confusionMatrix"]["rows"] == [{"row": [2, 0]}, {"row": [1, 2]}]


def test_report_save_load_round_trip(tmp_path: Path) -> None:
    holdout = holdout_frame(
        [1, 2],
        [0, 60],
        [[3], [4, 5]],
        np.array([[3, 4], [5, 6]]),
        entity_column="driverId",
        task_type="link_prediction",
    )
    report = EvaluationReport.from_predictions(
        "link_prediction",
        {"test": ([[3], [4, 5]], np.array([[3, 4], [5, 6]]))},
        holdout=holdout,
    )
    assert report.target_metric == "map@2"
    assert report.roc_curve is None and report.confusion_matrix is None
    folder = report.save(tmp_path / "report")
    json.loads((folder / "report.json").read_text())  # plain JSON
    loaded = EvaluationReport.load(folder)
    assert loaded == report
    assert [list(v) for v in loaded.holdout["label"]] == [[3], [4, 5]]
    with pytest.raises(FileExistsError):
        report.save(tmp_path / "report")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report"]  # no temporary left


def test_report_round_trip_binary(tmp_path: Path) -> None:
    report = _binary_report()
    loaded = EvaluationReport.load(report.save(tmp_path / "r"))
    assert loaded == report
    assert loaded.holdout is None


def test_report_rejects_non_finite_metrics() -> None:
    with pytest.raises(ValueError, match="metric test/mae is nan, not a finite number"):
        EvaluationReport(TaskType.REGRESSION, {"test": {"mae": float("nan")}})


def test_report_rejects_unknown_target_metric() -> None:
    with pytest.raises(ValueError, match="unknown evaluation metric 'bogus'"):
        EvaluationReport(TaskType.REGRESSION, {"test": {"mae": 1.0}}, target_metric="bogus")


def test_report_load_of_a_folder_without_report(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"holds no report\.json"):
        EvaluationReport.load(tmp_path)


def test_report_multiclass_has_confusion_matrix_only() -> None:
    report = EvaluationReport.from_predictions(
        "multiclass_classification", {"test": ([0, 1, 2], np.eye(3)[[0, 2, 2]])}
    )
    assert report.roc_curve is None
    assert report.confusion_matrix.matrix == [[1, 0, 0], [0, 0, 1], [0, 0, 1]]
    assert RocCurve.from_dict({"fpr": [0], "tpr": [0], "thresholds": [1]}).kfp_args()["threshold"]
