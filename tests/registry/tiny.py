"""A tiny trained model for registry, bundle and pyfunc tests: the hand-built shop graph,
a saved node task on it, a fast TrainerConfig, and empty MLflow stores made by copying one
migrated SQLite file (creating MLflow's tables takes seconds; copying the file does not)."""

import atexit
import functools
import shutil
import tempfile
from pathlib import Path

import pyarrow as pa

from relgraph.graph import GraphArtifact, materialize
from relgraph.schema import infer_schema
from relgraph.tasks import NodeTask
from relgraph.train import TrainerConfig
from tests.nn.tiny_shop import shop_tables, task_splits

FAST = TrainerConfig(
    device="cpu",
    channels=8,
    fanouts=(4, 2),
    n_epochs=2,
    train_batch_size=64,
    val_batch_size=256,
    lr=0.01,
    patience=None,
    num_threads=1,
)
"""Trains in about a second."""

TASK_TYPES = {
    "binary": "binary_classification",
    "multiclass": "multiclass_classification",
    "regression": "regression",
}


def build_graph(dest: Path, tables: dict[str, pa.Table] | None = None) -> GraphArtifact:
    """The tiny shop graph at ``dest``."""
    tables = tables if tables is not None else shop_tables()
    return materialize(tables, infer_schema(tables), dest)


def build_task(dest: Path, kind: str = "binary") -> Path:
    """A saved node task on the tiny shop (``binary``, ``multiclass`` or ``regression``)."""
    task = NodeTask(
        name=f"shop-{kind}",
        source_entity_table="users",
        source_entity_column="user_id",
        target_column="label",
        task_type=TASK_TYPES[kind],
        task_data_source=task_splits(kind, shop_tables()),
        time_column="anchor_time",
    )
    return task.save(dest)


@functools.cache
def _template_store() -> Path:
    """A migrated, empty MLflow SQLite store, made once per test session."""
    from mlflow import MlflowClient

    folder = Path(tempfile.mkdtemp(prefix="relgraph-mlflow-template-"))
    atexit.register(shutil.rmtree, folder, True)
    database = folder / "mlflow.db"
    MlflowClient(tracking_uri=f"sqlite:///{database}").search_experiments()
    return database


def sqlite_store(folder: Path) -> str:
    """A new empty MLflow store in ``folder``; returns its tracking URI."""
    folder.mkdir(parents=True, exist_ok=True)
    database = folder / "mlflow.db"
    shutil.copyfile(_template_store(), database)
    return f"sqlite:///{database}"
