"""What the components show in the Kubeflow Pipelines UI: metrics names, links and reports."""

import math
from types import SimpleNamespace

import pytest
from kfp import dsl

from relgraph.components.reports import (
    flat_metrics,
    log_metrics,
    mlflow_model_url,
    mlflow_run_url,
    prediction_markdown,
    prediction_metrics,
    registration_markdown,
)
from relgraph.components.structs import restore_ints


def test_flat_metrics_names_like_the_evaluation_report() -> None:
    metrics = {"validation": {"map@10": 0.5, "mrr": math.nan}, "test": {"map@10": 0.25}}
    assert flat_metrics(metrics) == {"validation_map_at_10": 0.5, "test_map_at_10": 0.25}
    assert flat_metrics({"test": {"mae": 2}}, prefix="baseline_") == {"baseline_test_mae": 2.0}


def test_log_metrics_sorted(tmp_path) -> None:
    output = dsl.Metrics(name="metrics", uri=str(tmp_path / "metrics"))
    log_metrics(output, {"b": 2, "a": 1.5})
    assert list(output.metadata.items()) == [("a", 1.5), ("b", 2.0)]


def test_links_for_a_local_store() -> None:
    assert mlflow_run_url("sqlite:////tmp/m.db", "abc") == "sqlite:////tmp/m.db"
    assert mlflow_model_url("sqlite:////tmp/m.db", "churn", "3") == "sqlite:////tmp/m.db"


def test_links_for_a_tracking_server(mlflow_server: str) -> None:
    from mlflow import MlflowClient

    client = MlflowClient(mlflow_server)
    experiment = client.create_experiment("reports-links")
    run = client.create_run(experiment).info.run_id

    assert mlflow_run_url(mlflow_server + "/", run) == (
        f"{mlflow_server}/#/experiments/{experiment}/runs/{run}"
    )
    assert mlflow_model_url(mlflow_server, "churn model", "3") == (
        f"{mlflow_server}/#/models/churn%20model/versions/3"
    )


def _prediction(drift: dict) -> SimpleNamespace:
    return SimpleNamespace(
        model={"run_id": "r1", "name": "churn", "version": "2", "uri": "models:/churn/2"},
        anchor_time="2024-12-31T00:00:00",
        num_rows=1234,
        job_id="job-1",
        outputs={"PREDICTIONS_DAILY": "s3://b/p/PREDICTIONS_DAILY.parquet"},
        drift=drift,
    )


def test_prediction_report_and_metrics() -> None:
    result = _prediction({"psi": 0.1, "ks": {"statistic": 0.2, "pvalue": math.inf}, "note": "x"})
    text = prediction_markdown(result)
    assert "- model: `churn` version 2 (`models:/churn/2`)" in text
    assert "- rows: 1,234" in text
    assert "| `PREDICTIONS_DAILY` | `s3://b/p/PREDICTIONS_DAILY.parquet` |" in text
    assert "| ks.statistic | 0.2 |" in text and "pvalue" not in text
    assert prediction_metrics(result) == {
        "num_rows": 1234.0,
        "drift_psi": 0.1,
        "drift_ks.statistic": 0.2,
    }
    assert "Drift" not in prediction_markdown(_prediction({}))


@pytest.mark.parametrize(
    ("blessed", "line"),
    [(True, "blessed, now champion"), (False, "not blessed"), (None, None)],
)
def test_registration_report(blessed, line) -> None:
    version = SimpleNamespace(
        name="churn",
        version="4",
        run_id="r4",
        aliases=["candidate"],
        tags={"relgraph.decision_reason": "why not"},
    )
    text = registration_markdown(version, blessed=blessed, tracking_uri="http://mlflow:5000")
    assert text.startswith("# Registered `churn` version 4")
    assert "[models:/churn/4](http://mlflow:5000/#/models/churn/versions/4)" in text
    assert "`@candidate`" in text and text.rstrip().endswith("why not")
    assert ("decision:" in text) is (line is not None)
    if line is not None:
        assert line in text


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (
            {"n_epochs": 2.0, "lr": 0.5, "fanouts": [4.0, 2.0]},
            {"n_epochs": 2, "lr": 0.5, "fanouts": [4, 2]},
        ),
        (
            {"nested": {"seed": 0.0, "name": "x", "flag": True}},
            {"nested": {"seed": 0, "name": "x", "flag": True}},
        ),
        (1.0, 1),
        (math.inf, math.inf),
        ([], []),
    ],
)
def test_restore_ints(value, expected) -> None:
    restored = restore_ints(value)
    assert restored == expected
    assert type(restored) is type(expected)
