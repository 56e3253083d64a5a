"""Trainer on a Kubeflow backend: fit and predict submit the compiled pipelines to the
recording Kubeflow Pipelines API server (tests/kfp_api_server.py), with the dataset's data in
an S3 server (moto) the cluster would read; data only this machine has is refused."""

from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pytest

from relgraph.client import (
    Dataset,
    JobStatus,
    KubeflowBackend,
    OutputConfig,
    Trainer,
    TrainerConfig,
)
from relgraph.io import open_source
from tests.client.conftest import CHURN
from tests.kfp_api_server import KfpApiServer
from tests.servers import upload_to_s3

TINY = TrainerConfig(channels=8, n_epochs=1, fanouts=[4, 2], num_threads=1)


@pytest.fixture
def kfp_server() -> Iterator[KfpApiServer]:
    with KfpApiServer() as server:
        yield server


@pytest.fixture
def trainer(kfp_server: KfpApiServer, tmp_path: Path) -> Trainer:
    backend = KubeflowBackend(kfp_server.url, "team-a", root=tmp_path / ".relgraph", poll_s=0.02)
    return Trainer(TINY, backend, tracking_uri="http://mlflow.kubeflow:5000")


@pytest.fixture
def s3_dataset(s3_bucket: str, shop_tables: dict[str, pa.Table]) -> Dataset:
    upload_to_s3(shop_tables, f"{s3_bucket}/shop")
    return Dataset.infer(f"{s3_bucket}/shop", task=CHURN, experiment_name="churn")


def test_fit_submits_the_training_pipeline_with_the_datasets_settings(
    trainer: Trainer, s3_dataset: Dataset, kfp_server: KfpApiServer, s3_bucket: str
) -> None:
    job = trainer.fit(s3_dataset, non_blocking=True)
    (created,) = kfp_server.requests_to("POST", "/runs")
    parameters = created.body["runtime_config"]["parameters"]
    assert parameters["source"] == f"{s3_bucket}/shop"
    assert parameters["tables"] == ",".join(s3_dataset.table_names)
    assert parameters["task"] == s3_dataset.task_description.text
    assert parameters["model_name"] == parameters["experiment"] == "churn"
    assert parameters["trainer_config"] == {
        "channels": 8,
        "n_epochs": 1,
        "fanouts": [4, 2],
        "num_threads": 1,
    }
    assert parameters["mlflow_tracking_uri"] == "http://mlflow.kubeflow:5000"
    assert set(parameters["schema_overrides"]["tables"]) == set(s3_dataset.table_names)
    record = job.record()
    assert (record.backend, record.kind, record.status) == ("kubeflow", "fit", JobStatus.QUEUED)

    kfp_server.set_run_state(record.remote["run_id"], "SUCCEEDED")
    assert job.result(timeout=5).tracking_url == record.remote["url"]


def test_predict_submits_the_batch_prediction_pipeline(
    trainer: Trainer, s3_dataset: Dataset, kfp_server: KfpApiServer, s3_bucket: str
) -> None:
    job = trainer.predict(
        s3_dataset,
        output_config=OutputConfig.object_store(f"{s3_bucket}/predictions"),
        output_alias="churn",
        alias="champion",
        non_blocking=True,
    )
    (created,) = kfp_server.requests_to("POST", "/runs")
    parameters = created.body["runtime_config"]["parameters"]
    assert parameters["model"] == "models:/churn@champion"
    assert parameters["output_location"] == f"{s3_bucket}/predictions"
    assert parameters["source"] == f"{s3_bucket}/shop"
    assert job.record().kind == "predict"


def test_an_edited_dataset_is_staged_where_the_cluster_reads(
    kfp_server: KfpApiServer, s3_dataset: Dataset, s3_bucket: str, tmp_path: Path
) -> None:
    backend = KubeflowBackend(kfp_server.url, "team-a", root=tmp_path / ".relgraph")
    trainer = Trainer(TINY, backend, staging_dir=f"{s3_bucket}/staging")
    s3_dataset.table("customers").remove_column("loaded_at")
    trainer.fit(s3_dataset, non_blocking=True)
    (created,) = kfp_server.requests_to("POST", "/runs")
    source = created.body["runtime_config"]["parameters"]["source"]
    assert source == f"{s3_bucket}/staging/{s3_dataset.content_hash()}"
    assert "loaded_at" not in open_source(source).read_table("customers").column_names


def test_data_or_outputs_only_this_machine_has_are_refused(
    trainer: Trainer, s3_dataset: Dataset, shop_dir: Path, kfp_server: KfpApiServer
) -> None:
    with pytest.raises(ValueError, match="a cluster cannot read this dataset's tables"):
        trainer.fit(Dataset.infer(shop_dir, task=CHURN))
    s3_dataset.table("customers").remove_column("loaded_at")
    with pytest.raises(ValueError, match="edited columns"):
        trainer.fit(s3_dataset)
    with pytest.raises(ValueError, match="cannot write to the local folder"):
        trainer.predict(
            Dataset.infer(s3_dataset.table("orders").location, task=CHURN),
            output_config=OutputConfig.local("predictions"),
            output_alias="churn",
            alias="champion",
        )
    assert kfp_server.requests_to("POST", "/runs") == []
