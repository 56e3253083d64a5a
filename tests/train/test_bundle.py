"""ModelBundle: a trained model folder saved and loaded back whole, its predictions by task
type, and the check that a graph was built like the training graph."""

import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from relgraph.graph import GraphArtifact, materialize
from relgraph.schema import infer_schema
from relgraph.tasks import NodeTask, load_task
from relgraph.train import ModelBundle, fit_node_task
from relgraph.train.bundle import ARTIFACT_KIND, MANIFEST_FILE, schema_hash
from relgraph.train.job import node_task_tables
from tests.nn.tiny_shop import shop_tables
from tests.registry.tiny import FAST, build_graph, build_task


@pytest.fixture(scope="module")
def graph(tmp_path_factory: pytest.TempPathFactory) -> GraphArtifact:
    return build_graph(tmp_path_factory.mktemp("bundle") / "graph")


def make_bundle(graph: GraphArtifact, folder: Path, kind: str) -> ModelBundle:
    task = load_task(build_task(folder / f"task-{kind}", kind))
    tables = node_task_tables(task)
    result = fit_node_task(
        graph,
        tables,
        entity_table="users",
        entity_column="user_id",
        task_type=task.task_type,
        config=FAST.replace(n_epochs=1),
    )
    holdout = pa.table({"user_id": tables["test"]["user_id"], "score": [0.5] * 40})
    return ModelBundle(
        predictor=result.predictor,
        task=task,
        schema=graph.schema,
        encoder_state=graph.encoder_state,
        graph_hash=graph.content_hash,
        schema_hash=schema_hash(graph.schema),
        data_hash=graph.manifest["made_from"]["data_hash"],
        run_id="0" * 32,
        tracking_uri="sqlite:///x.db",
        metrics=result.metrics,
        holdout=holdout,
        metric=result.metric,
        graph_path=str(graph.path),
        trainer_config=FAST.to_dict(),
    )


@pytest.fixture(scope="module")
def binary(graph: GraphArtifact, tmp_path_factory: pytest.TempPathFactory) -> ModelBundle:
    return make_bundle(graph, tmp_path_factory.mktemp("binary"), "binary")


def test_round_trip_keeps_everything(
    graph: GraphArtifact, binary: ModelBundle, tmp_path: Path
) -> None:
    folder = binary.save(tmp_path / "model")
    manifest = json.loads((folder / MANIFEST_FILE).read_text())
    assert manifest["kind"] == ARTIFACT_KIND and manifest["format_version"] == 1
    assert manifest["made_from"]["schema_hash"] == binary.schema_hash
    assert manifest["task"]["entity_column"] == "user_id"
    assert len(manifest["content_hash"]) == 32
    loaded = ModelBundle.load(folder)
    for name in ("graph_hash", "schema_hash", "data_hash", "run_id", "tracking_uri", "metric"):
        assert getattr(loaded, name) == getattr(binary, name)
    assert loaded.metrics == binary.metrics
    assert loaded.trainer_config == FAST.to_dict()
    assert loaded.schema.to_dict() == binary.schema.to_dict()
    assert loaded.encoder_state == binary.encoder_state
    assert loaded.task.to_dict()["target_column"] == "label"
    assert (loaded.task.name, loaded.task.task_type) == (binary.task.name, binary.task.task_type)
    assert loaded.holdout.equals(binary.holdout)
    table = node_task_tables(binary.task)["test"]
    np.testing.assert_array_equal(
        loaded.predictor.predict(graph, table), binary.predictor.predict(graph, table)
    )
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp folder left


def test_save_refuses_an_existing_folder_unless_asked(binary: ModelBundle, tmp_path: Path) -> None:
    folder = binary.save(tmp_path / "model")
    with pytest.raises(FileExistsError, match="already exists"):
        binary.save(folder)
    binary.save(folder, overwrite=True)
    assert ModelBundle.load(folder).run_id == binary.run_id


def test_load_rejects_what_is_not_a_model(graph: GraphArtifact, tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="not a model folder"):
        ModelBundle.load(tmp_path)
    with pytest.raises(ValueError, match=r"'relgraph\.graph' is not a model"):
        ModelBundle.load(graph.path)


@pytest.mark.parametrize(
    "kind,columns",
    [
        ("binary", ["user_id", "anchor_time", "probability", "prediction"]),
        ("multiclass", ["user_id", "anchor_time", "prediction", "probability", "probabilities"]),
        ("regression", ["user_id", "anchor_time", "prediction"]),
    ],
)
def test_predict_gives_the_columns_of_each_task_type(
    graph: GraphArtifact, tmp_path: Path, kind: str, columns: list[str]
) -> None:
    bundle = make_bundle(graph, tmp_path, kind)
    table = node_task_tables(bundle.task)["test"].drop_columns(["label"])
    out = bundle.predict(graph, table, threshold=0.3)
    assert out.column_names == columns and out.num_rows == table.num_rows
    raw = bundle.predictor.predict(graph, table)
    if kind == "binary":
        np.testing.assert_array_equal(out["probability"].to_numpy(), raw.astype(np.float64))
        assert out["prediction"].to_pylist() == (raw >= 0.3).astype(int).tolist()
    elif kind == "multiclass":
        assert bundle.classes == [0, 1, 2]
        assert out["prediction"].to_pylist() == raw.argmax(axis=1).tolist()
        np.testing.assert_array_equal(np.stack(out["probabilities"].to_numpy(False)), raw)
    else:
        np.testing.assert_array_equal(out["prediction"].to_numpy(), raw.astype(np.float64))
    with pytest.raises(ValueError, match="no column 'anchor_time'"):
        bundle.predict(graph, table.drop_columns(["anchor_time"]))


def test_check_graph_names_both_schema_hashes(
    binary: ModelBundle, graph: GraphArtifact, tmp_path: Path
) -> None:
    binary.check_graph(graph)
    tables = shop_tables()
    other_tables = {**tables, "users": tables["users"].drop_columns(["age"])}
    other = materialize(other_tables, infer_schema(other_tables), tmp_path / "other")
    found = schema_hash(other.schema)
    message = f"its schema hash is {found}, the model's .* is {binary.schema_hash}"
    with pytest.raises(ValueError, match=message):
        binary.check_graph(other)
    with pytest.raises(ValueError, match="another schema"):
        binary.predict(other, node_task_tables(binary.task)["test"])


def test_check_graph_refuses_another_encoding_and_accepts_the_same(
    binary: ModelBundle, tmp_path: Path
) -> None:
    tables = shop_tables()
    refit = materialize(
        tables, binary.schema, tmp_path / "refit", cutoff_time="2024-03-01T00:00:00"
    )
    with pytest.raises(ValueError, match=r"encoder hash .* is not the model's"):
        binary.check_graph(refit)
    same = materialize(tables, binary.schema, tmp_path / "same", encoder_state=binary.encoder_state)
    binary.check_graph(same)


def test_bundle_task_is_the_spec_only(binary: ModelBundle, tmp_path: Path) -> None:
    loaded = ModelBundle.load(binary.save(tmp_path / "model"))
    assert isinstance(loaded.task, NodeTask)
    assert loaded.task.splits == ["train", "validation", "test"]
    assert not (tmp_path / "model" / "task" / "train.parquet").exists()
