"""The pipeline's materialize_graph step: training graphs fitted up to the task's cutoff, and
prediction graphs encoded like a trained model's."""

from pathlib import Path

import numpy as np
import pytest

from relgraph.graph import GraphArtifact
from relgraph.graph.build import build_graph, load_encoder_state
from relgraph.io import Snapshot
from relgraph.schema import SchemaError
from relgraph.schema.artifact import load_schema
from relgraph.tasks import load_task
from relgraph.tasks.build import build_task
from tests.pipeline_data import CHURN_QUERY, shop_schema_artifact, shop_snapshot


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> tuple[Snapshot, Path, Path]:
    """The tiny demo shop: snapshot, schema artifact folder and churn task folder."""
    root = tmp_path_factory.mktemp("shop")
    snap = shop_snapshot(root / "snap")
    schema_dir = shop_schema_artifact(snap, root / "schema")
    build_task(snap, schema_dir, root / "task", spec=CHURN_QUERY, name="churn")
    return snap, schema_dir, root / "task"


def test_training_graph_fits_encoders_up_to_the_task_cutoff(shop, tmp_path: Path) -> None:
    snap, schema_dir, task_dir = shop
    summary = tmp_path / "ui" / "graph.md"

    artifact = build_graph(
        snap.path, schema_dir, tmp_path / "graph", task=task_dir, summary=summary
    )

    made_from = artifact.manifest["made_from"]
    assert made_from["data_hash"] == snap.content_hash
    assert made_from["schema_hash"] == load_schema(schema_dir).content_hash()
    test_start = load_task(task_dir).table("test")["anchor_time"].to_numpy().min()
    assert np.datetime64(made_from["cutoff_time"]) == test_start
    assert artifact.encoder_state.cutoff_time is not None
    assert artifact.store.num_nodes["customers"] == snap.num_rows("customers")
    text = summary.read_text()
    assert text.startswith("# Graph summary") and "customers" in text
    assert not (tmp_path / "graph" / "summary.md").exists()


def test_prediction_graph_encodes_like_the_model(shop, tmp_path: Path) -> None:
    snap, schema_dir, task_dir = shop
    trained = build_graph(snap, schema_dir, tmp_path / "train-graph", task=task_dir)
    # A model folder holds schema.json and encoder_state.json, as a graph artifact does.
    new_data = shop_snapshot(tmp_path / "new-snap", seed=1)

    predicted = build_graph(
        new_data,
        tmp_path / "train-graph",
        tmp_path / "graph",
        encoder_state=tmp_path / "train-graph",
    )

    assert predicted.encoder_state.to_dict() == trained.encoder_state.to_dict()
    assert predicted.manifest["made_from"]["data_hash"] == new_data.content_hash
    assert predicted.schema.content_hash() == trained.schema.content_hash()


def test_extra_snapshot_tables_are_left_out(shop, tmp_path: Path) -> None:
    snap, schema_dir, _ = shop
    schema = load_schema(schema_dir)
    schema.remove_table("reviews")

    artifact = build_graph(snap, schema, tmp_path / "graph")

    assert "reviews" not in artifact.store.num_nodes
    assert artifact.manifest["made_from"]["cutoff_time"] is None
    assert GraphArtifact.load(tmp_path / "graph").store.num_nodes == artifact.store.num_nodes


def test_schema_tables_missing_from_the_snapshot(shop, tmp_path: Path) -> None:
    _, schema_dir, _ = shop
    small = Snapshot.create(
        {"customers": shop_snapshot(tmp_path / "s").table("customers")}, tmp_path / "small"
    )
    with pytest.raises(SchemaError, match=r"tables \[.*'orders'.*\] are not in snapshot"):
        build_graph(small, schema_dir, tmp_path / "graph")
    assert not (tmp_path / "graph").exists()


def test_task_and_encoder_state_exclude_each_other(shop, tmp_path: Path) -> None:
    snap, schema_dir, task_dir = shop
    with pytest.raises(ValueError, match="not both"):
        build_graph(snap, schema_dir, tmp_path / "g", task=task_dir, encoder_state=schema_dir)


def test_load_encoder_state_needs_one(shop) -> None:
    _, schema_dir, _ = shop
    with pytest.raises(FileNotFoundError, match=r"no encoder state in .*give a model folder"):
        load_encoder_state(schema_dir)
    with pytest.raises(FileNotFoundError, match="encoder state file not found"):
        load_encoder_state(schema_dir / "missing.json")
