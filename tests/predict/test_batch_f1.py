"""Issue 6 acceptance on the F1 data: train driver-dnf, register it, make it champion, predict
through ``models:/f1-dnf@champion`` at an anchor time into the S3 server, read the parquet
back; a second, worse training run is evaluated against the champion and not promoted."""

from pathlib import Path

import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from mlflow import MlflowClient

from relgraph.datasets import REL_F1_SPLIT, REL_F1_TASKS, relbench_view
from relgraph.graph import materialize
from relgraph.io import filesystem_for, read_tables
from relgraph.predict import OutputConfig, OutputMetadata, batch_predict
from relgraph.registry import CHAMPION, evaluate_candidate, register_and_promote
from relgraph.schema import infer_schema
from relgraph.tasks import ANCHOR_TIME, PredictiveQuery
from relgraph.train import TrainerConfig, train_model
from tests.registry.tiny import sqlite_store

NAME = "f1-dnf"
GOOD = TrainerConfig(
    device="cpu",
    channels=16,
    fanouts=(4, 2),
    n_epochs=1,
    max_iters=30,
    train_batch_size=256,
    val_batch_size=1024,
    lr=0.01,
    patience=None,
    num_threads=1,
)
"""A quick configuration that learns something (test AUROC well above chance)."""
WORSE = GOOD.replace(lr=1e-7, eta_min=0.0, max_iters=1)
"""One step at a vanishing learning rate: the model stays at its random start."""
ANCHOR = "2010-01-01"


def test_train_register_promote_predict_to_s3_and_refuse_a_worse_model(
    f1_dir: Path, s3_bucket: str, tmp_path: Path
) -> None:
    tables = relbench_view(read_tables(f1_dir))
    schema = infer_schema(tables)
    graph = tmp_path / "graph"
    materialize(tables, schema, graph, cutoff_time=REL_F1_SPLIT.test_time)
    task = PredictiveQuery(REL_F1_TASKS["driver-dnf"].query).to_task(
        "driver-dnf", schema, tables, REL_F1_SPLIT
    )
    task.save(tmp_path / "task")
    uri = sqlite_store(tmp_path / "mlflow")

    first = train_model(
        graph,
        tmp_path / "task",
        output=tmp_path / "model1",
        config=GOOD,
        tracking_uri=uri,
        experiment="f1-acceptance",
    )
    evaluation = evaluate_candidate(
        first.model_path,
        graph,
        tmp_path / "task",
        output=tmp_path / "eval1",
        registered_name=NAME,
        tracking_uri=uri,
    )
    assert evaluation.blessed  # no champion yet
    registered = register_and_promote(first.model_path, tmp_path / "eval1", NAME, tracking_uri=uri)
    assert registered.version == "1" and CHAMPION in registered.aliases

    result = batch_predict(
        f"models:/{NAME}@{CHAMPION}",
        graph,
        output=OutputConfig.object_store(f"{s3_bucket}/predictions"),
        output_alias="dnf_2010",
        anchor_time=ANCHOR,
        tracking_uri=uri,
        job_id="acceptance",
    )
    assert result.model == {
        "run_id": first.run_id,
        "name": NAME,
        "version": "1",
        "uri": f"models:/{NAME}/1",
    }
    location = f"{s3_bucket}/predictions/PREDICTIONS_dnf_2010.parquet"
    assert result.outputs == {"PREDICTIONS_dnf_2010": location}
    filesystem, path = filesystem_for(location)
    with filesystem.open_input_file(path) as handle:
        table = pq.read_table(handle)
    drivers = tables["drivers"].num_rows  # a static table: every driver exists in 2010
    assert table.num_rows == result.num_rows == drivers
    assert table.column_names == ["driverId", ANCHOR_TIME, "probability", "prediction"]
    assert pc.count_distinct(table["driverId"]).as_py() == drivers
    assert {t.isoformat() for t in pc.unique(table[ANCHOR_TIME]).to_pylist()} == {
        f"{ANCHOR}T00:00:00"
    }
    assert pc.min(table["probability"]).as_py() >= 0 and pc.max(table["probability"]).as_py() <= 1
    metadata = OutputMetadata.of_table(table.schema, where=location)
    assert (metadata.model_name, metadata.model_version, metadata.model_run_id) == (
        NAME,
        "1",
        first.run_id,
    )
    assert (metadata.anchor_time, metadata.job_id) == (f"{ANCHOR}T00:00:00", "acceptance")
    assert {"psi", "ks_statistic", "ks_pvalue"} <= set(result.drift)
    client = MlflowClient(tracking_uri=uri)
    assert client.get_run(result.tracking_run_id).data.metrics["drift_psi"] == pytest.approx(
        result.drift["psi"]
    )

    second = train_model(
        graph,
        tmp_path / "task",
        output=tmp_path / "model2",
        config=WORSE,
        tracking_uri=uri,
        experiment="f1-acceptance",
    )
    worse = evaluate_candidate(
        second.model_path,
        graph,
        tmp_path / "task",
        output=tmp_path / "eval2",
        registered_name=NAME,
        tracking_uri=uri,
    )
    assert not worse.blessed, worse.reason
    assert worse.candidate_score < worse.champion_score
    kept = register_and_promote(second.model_path, tmp_path / "eval2", NAME, tracking_uri=uri)
    assert kept.version == "2" and CHAMPION not in kept.aliases
    assert str(client.get_model_version_by_alias(NAME, CHAMPION).version) == "1"
