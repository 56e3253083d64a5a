"""A job that really trains: the registry tests' tiny model, trained by
``relgraph.train.train_model`` inside a ``kfp.local`` step, then reported and registered
through its :class:`JobMonitor` (model run, metrics, holdout predictions, registry)."""

from io import StringIO
from pathlib import Path

import pytest
from rich.console import Console

from relgraph.client.jobs import LocalBackend
from tests.client.job_fixtures import job_root  # noqa: F401
from tests.client.job_pipelines import MODULE
from tests.registry.tiny import build_graph, build_task, sqlite_store


@pytest.mark.slow
def test_a_training_job_reports_and_registers_its_model(
    job_root: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    graph = build_graph(tmp_path / "graph").path
    task = build_task(tmp_path / "task")
    uri = sqlite_store(tmp_path / "mlflow")
    arguments = {"graph": str(graph), "task": str(task), "tracking_uri": uri}
    job = LocalBackend(job_root).submit(f"{MODULE}:train_pipeline", arguments, kind="fit")

    result = job.result(timeout=300)
    assert result.model_run_id == job.model_run_id == result.outputs["train-step/Output"]
    assert result.tracking_uri == job.tracking_url == uri  # a local store has no run page
    metrics = job.metrics()
    assert {"validation", "test"} <= set(metrics) and "roc_auc" in metrics["test"]
    holdout = job.holdout_df()
    assert {"user_id", "label", "probability"} <= set(holdout.columns) and len(holdout) > 0
    assert job.registered_models == []

    out = StringIO()
    version = job.register_model("jobs-model", console=Console(file=out, width=200))
    assert version.version == "1" and version.run_id == job.model_run_id
    assert f"registered jobs-model version 1 (run {job.model_run_id})" in out.getvalue()
    assert [(v.name, v.version, v.aliases) for v in job.registered_models] == [
        ("jobs-model", "1", ["candidate"])
    ]
