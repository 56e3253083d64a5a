"""Fixtures of the batch-prediction tests: an S3 server of their own that they may kill, a
TCP forwarder in front of the shared one, and output tables to write."""

import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pytest

from relgraph.predict import OutputMetadata, OutputTable, embeddings_name, predictions_name
from tests.servers import _wait_for_http, create_bucket, free_port, set_s3_environment

if TYPE_CHECKING:
    from relgraph.train import TrainOutput

REPO_ROOT = Path(__file__).resolve().parents[2]


def output_tables(alias: str, rows: int = 3, *, embeddings: bool = True) -> list[OutputTable]:
    """Predictions (and source embeddings) of ``rows`` users, with metadata."""
    ids = pa.array(np.arange(rows, dtype=np.int64))
    anchor = pa.array(np.full(rows, np.datetime64("2024-01-01", "us")))
    common = {"alias": alias, "anchor_time": "2024-01-01T00:00:00", "job_id": "job-1"}
    predictions = pa.table(
        {
            "user_id": ids,
            "anchor_time": anchor,
            "probability": np.linspace(0, 1, rows),
            "prediction": (np.linspace(0, 1, rows) >= 0.5).astype(np.int64),
        }
    )
    out = [
        OutputTable(
            predictions,
            OutputMetadata(predictions_name(alias), kind="predictions", num_rows=rows, **common),
        )
    ]
    if embeddings:
        matrix = np.arange(rows * 4, dtype=np.float32)
        table = pa.table(
            {
                "user_id": ids,
                "anchor_time": anchor,
                "embedding": pa.FixedSizeListArray.from_arrays(pa.array(matrix), 4),
            }
        )
        name = embeddings_name("SRC", "user_id", alias)
        out.append(
            OutputTable(table, OutputMetadata(name, kind="embeddings", num_rows=rows, **common))
        )
    return out


def big_output(alias: str, megabytes: int = 40) -> list[OutputTable]:
    """One predictions output of incompressible floats, ``megabytes`` large: its upload takes
    several multipart requests, so a test can interrupt it half-way."""
    rows = megabytes * (1 << 20) // 8
    table = pa.table({"probability": np.random.default_rng(0).random(rows)})
    metadata = OutputMetadata(
        predictions_name(alias),
        alias=alias,
        kind="predictions",
        num_rows=rows,
        anchor_time="2024-01-01T00:00:00",
    )
    return [OutputTable(table, metadata)]


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.kill()
    process.wait(timeout=30)


@dataclass
class PrivateS3:
    """A moto_server of one test: its endpoint, process and a bucket on it."""

    endpoint: str
    process: subprocess.Popen
    bucket: str


@pytest.fixture
def private_s3(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[PrivateS3]:
    """A moto_server for one test (which may kill it), with a bucket and the AWS_* variables."""
    binary = Path(sys.executable).parent / "moto_server"
    if not binary.is_file():
        pytest.skip(f"moto_server not found at {binary} (pip install 'moto[server]')")
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    log = tmp_path / "moto.log"
    with log.open("wb") as handle:
        process = subprocess.Popen(
            [str(binary), "-H", "127.0.0.1", "-p", str(port)], stdout=handle, stderr=handle
        )
    try:
        _wait_for_http(f"{endpoint}/moto-api/", process, log)
        set_s3_environment(monkeypatch, endpoint)
        bucket = create_bucket(endpoint, f"private-{uuid.uuid4().hex[:12]}")
        yield PrivateS3(endpoint, process, bucket)
    finally:
        _stop(process)


@pytest.fixture
def s3_proxy(s3_server: str) -> Iterator[tuple[str, subprocess.Popen]]:
    """A TCP forwarder process in front of the session's S3 server: ``(endpoint, process)``."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.predict.tcp_proxy", str(port), s3_server.split("//")[1]],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
    )
    try:
        line = process.stdout.readline() if process.stdout else b""
        if line.strip() != b"ready":
            raise RuntimeError(f"the TCP forwarder did not start (said {line!r})")
        yield f"http://127.0.0.1:{port}", process
    finally:
        _stop(process)


@dataclass(frozen=True)
class Trained:
    """A tiny shop model trained by ``train_model``: its folders, MLflow store and output."""

    base: Path
    graph: Path
    task: Path
    uri: str
    out: "TrainOutput"


def train(base: Path, kind: str) -> Trained:
    """Trains a ``kind`` task (binary, multiclass, regression) on the tiny shop, tracked in a
    new SQLite MLflow store under ``base``."""
    from relgraph.train import train_model
    from tests.registry.tiny import FAST, build_graph, build_task, sqlite_store

    build_graph(base / "graph")
    build_task(base / "task", kind)
    uri = sqlite_store(base / "mlflow")
    out = train_model(
        base / "graph",
        base / "task",
        output=base / "model",
        config=FAST.to_json(),
        tracking_uri=uri,
        experiment="batch-tests",
    )
    return Trained(base, base / "graph", base / "task", uri, out)


@pytest.fixture(scope="session")
def binary(tmp_path_factory: pytest.TempPathFactory) -> Trained:
    """A binary-classification model of the tiny shop (trained once per session)."""
    return train(tmp_path_factory.mktemp("binary"), "binary")
