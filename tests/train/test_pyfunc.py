"""The MLflow pyfunc of a trained model: loaded through its champion alias in a fresh process, it
predicts exactly what the NodePredictor predicts; the graph is a model config default that a
parameter overrides."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import mlflow.pyfunc
import numpy as np
import pyarrow.parquet as pq
import pytest

from relgraph.graph import GraphArtifact, materialize
from relgraph.registry import promote, register_model
from relgraph.schema import infer_schema
from relgraph.train import TrainOutput, train_model
from relgraph.train.job import node_task_tables
from relgraph.train.tracking import use_tracking_uri
from tests.nn.tiny_shop import shop_tables
from tests.registry.tiny import FAST, build_graph, build_task, sqlite_store

REPO = Path(__file__).resolve().parents[2]

FRESH_PROCESS = """
import json, sys
import mlflow.pyfunc, pandas as pd, pyarrow as pa, pyarrow.parquet as pq
uri, model_uri, rows, other_graph, out = sys.argv[1:6]
mlflow.set_tracking_uri(uri)
model = mlflow.pyfunc.load_model(model_uri)
frame = pq.read_table(rows).to_pandas()
pq.write_table(pa.Table.from_pandas(model.predict(frame)), out + ".default.parquet")
moved = model.predict(frame, params={"graph": other_graph, "threshold": 0.2})
pq.write_table(pa.Table.from_pandas(moved), out + ".params.parquet")
try:
    model.predict(frame, params={"graph": other_graph + "-missing"})
except FileNotFoundError as exc:
    print(json.dumps({"missing_graph": str(exc)}))
"""


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, TrainOutput]:
    base = tmp_path_factory.mktemp("pyfunc")
    build_graph(base / "graph")
    build_task(base / "task")
    uri = sqlite_store(base / "mlflow")
    out = train_model(
        base / "graph", base / "task", output=base / "model", config=FAST, tracking_uri=uri
    )
    return base, uri, out


def test_a_fresh_process_reproduces_the_predictor_exactly(
    trained: tuple[Path, str, TrainOutput], tmp_path: Path
) -> None:
    base, uri, out = trained
    graph = GraphArtifact.load(base / "graph")
    rows = node_task_tables(out.bundle.task)["test"].drop_columns(["label"])
    pq.write_table(rows, tmp_path / "rows.parquet")
    copy = shutil.copytree(base / "graph", tmp_path / "graph-copy")
    version = register_model(out.run_id, "pyfunc-shop", tracking_uri=uri).version
    promote("pyfunc-shop", version, tracking_uri=uri)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("MLFLOW_TRACKING_URI", None)
    result = subprocess.run(
        [sys.executable, "-c", FRESH_PROCESS, uri, "models:/pyfunc-shop@champion",
         str(tmp_path / "rows.parquet"), str(copy), str(tmp_path / "out")],
        capture_output=True, text=True, env=env, timeout=300, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    expected = out.bundle.predictor.predict(graph, rows).astype(np.float64)
    default = pq.read_table(tmp_path / "out.default.parquet")
    np.testing.assert_array_equal(default["probability"].to_numpy(), expected)
    assert default["user_id"].to_pylist() == rows["user_id"].to_pylist()
    assert default["prediction"].to_pylist() == (expected >= 0.5).astype(int).tolist()
    moved = pq.read_table(tmp_path / "out.params.parquet")
    np.testing.assert_array_equal(moved["probability"].to_numpy(), expected)
    assert moved["prediction"].to_pylist() == (expected >= 0.2).astype(int).tolist()
    message = json.loads(result.stdout.strip().splitlines()[-1])["missing_graph"]
    assert "graph-copy-missing" in message


def test_a_graph_of_another_schema_is_refused(
    trained: tuple[Path, str, TrainOutput], tmp_path: Path
) -> None:
    _, uri, out = trained
    tables = shop_tables()
    tables = {**tables, "items": tables["items"].drop_columns(["price"])}
    other = materialize(tables, infer_schema(tables), tmp_path / "other")
    with use_tracking_uri(uri):
        model = mlflow.pyfunc.load_model(f"runs:/{out.run_id}/model")
    frame = node_task_tables(out.bundle.task)["test"].select(["user_id", "anchor_time"])
    with pytest.raises(
        ValueError, match=f"schema hash is .*, the model's .* is {out.bundle.schema_hash}"
    ):
        model.predict(frame.to_pandas(), params={"graph": str(other.path)})
    assert model.predict(frame.to_pandas()).shape == (40, 4)
