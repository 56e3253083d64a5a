"""Two models trained once for the registry tests, in one MLflow store: a good one and one
that barely learned (a learning rate too small to move the weights). Tests register them under
names of their own, so they do not see each other's versions and aliases."""

from dataclasses import dataclass
from pathlib import Path

import pytest

from relgraph.train import TrainOutput, train_model
from tests.registry.tiny import FAST, build_graph, build_task, sqlite_store

EXPERIMENT = "registry-tests"


@dataclass(frozen=True)
class Trained:
    """The shared store, graph, task and the two trained models."""

    base: Path
    uri: str
    graph: Path
    task: Path
    good: TrainOutput
    worse: TrainOutput


@pytest.fixture(scope="session")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Trained:
    base = tmp_path_factory.mktemp("registry")
    graph = build_graph(base / "graph").path
    task = build_task(base / "task")
    uri = sqlite_store(base / "mlflow")
    common = {"tracking_uri": uri, "experiment": EXPERIMENT}
    good = train_model(graph, task, output=base / "good", config=FAST.replace(n_epochs=4), **common)
    worse = train_model(
        graph,
        task,
        output=base / "worse",
        config=FAST.replace(n_epochs=1, lr=1e-9, eta_min=0.0, seed=3),
        **common,
    )
    return Trained(base, uri, graph, task, good, worse)
