"""The training and batch-prediction pipelines end to end under kfp.local on the F1 data:
driver-dnf with a tiny model, the version in MLflow, the predictions in the S3 server."""

import io
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from relgraph.datasets import REL_F1_SPLIT, REL_F1_TASKS
from relgraph.io import filesystem_for

pytestmark = pytest.mark.slow

TABLES = "drivers,results,races,circuits,constructors"
TINY = {"n_epochs": 1, "channels": 8, "fanouts": [4, 2], "num_threads": 1}


def test_f1_driver_dnf_trains_registers_and_predicts_into_the_object_store(
    f1_dir: Path, tmp_path: Path, s3_bucket: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mlflow import MlflowClient

    from relgraph.client.local_pipeline import run_pipeline

    monkeypatch.chdir(tmp_path)
    state, log = tmp_path / ".relgraph", io.StringIO()
    trained = run_pipeline(
        "training",
        {
            "source": str(f1_dir),
            "tables": TABLES,
            "task": REL_F1_TASKS["driver-dnf"].query,
            "model_name": "f1-dnf",
            "split": {
                "kind": "temporal",
                "validation_time": str(REL_F1_SPLIT.validation_time)[:10],
                "test_time": str(REL_F1_SPLIT.test_time)[:10],
            },
            "trainer_config": TINY,
        },
        pipeline_root=tmp_path / "pipelines",
        state_dir=state,
        log=log,
    )
    assert trained.state == "SUCCEEDED", log.getvalue()[-3000:]
    assert trained.outputs["register/version"] == "1"
    client = MlflowClient(f"sqlite:///{state / 'mlflow.db'}")
    version = client.get_model_version("f1-dnf", "1")
    assert version.run_id == trained.outputs["train/run_id"]
    assert "test_roc_auc" in client.get_run(version.run_id).data.metrics

    location = f"{s3_bucket}/f1"
    predicted = run_pipeline(
        "batch_prediction",
        {
            "source": str(f1_dir),
            "tables": TABLES,
            "model": "f1-dnf@champion",
            "anchor_time": "2010-01-01",
            "output_location": location,
            "output_alias": "dnf",
        },
        pipeline_root=tmp_path / "pipelines",
        state_dir=state,
        log=log,
    )
    assert predicted.state == "SUCCEEDED", log.getvalue()[-3000:]
    filesystem, path = filesystem_for(f"{location}/PREDICTIONS_dnf.parquet")
    with filesystem.open_input_file(path) as handle:
        table = pq.read_table(handle)
    assert table.num_rows == int(predicted.outputs["batch-predict/num_rows"]) > 0
    assert {"driverId", "anchor_time", "probability", "prediction"} <= set(table.column_names)
