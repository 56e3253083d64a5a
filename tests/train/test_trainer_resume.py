"""Resume after a kill: a training process killed with SIGKILL after some checkpoints, then
resumed from its checkpoint, ends with the same result as an uninterrupted run."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from relgraph.graph import GraphArtifact, materialize
from relgraph.schema import infer_schema
from relgraph.train import TrainerConfig, fit_node_task
from relgraph.train.checkpoint import LAST, load_checkpoint
from tests.nn.tiny_shop import shop_tables, task_splits

REPO = Path(__file__).resolve().parents[2]
CONFIG = TrainerConfig(
    device="cpu",
    channels=16,
    fanouts=(8, 4),
    n_epochs=5,
    train_batch_size=32,
    val_batch_size=64,
    lr=0.01,
    dropout=0.3,
    patience=None,
    num_threads=1,
)
KILL_AT_EPOCH = 2
CHILD = """
import sys, time
from pathlib import Path
from relgraph.graph import GraphArtifact
from relgraph.train import TrainerConfig, fit_node_task
from tests.nn.tiny_shop import shop_tables, task_splits

artifact_dir, checkpoint_dir, ready_file, kill_at, config = sys.argv[1:6]


class PauseAtEpoch:
    # Logs nothing; at the end of epoch `kill_at`, before that epoch's checkpoint is
    # written, tells the parent and waits to be killed.
    def log_params(self, params): pass
    def set_tags(self, tags): pass
    def log_dict(self, obj, name): pass
    def log_model(self, model, name="model"): pass
    def log_metrics(self, metrics, step=None):
        if step == int(kill_at):
            Path(ready_file).write_text("ready")
            time.sleep(600)


fit_node_task(
    GraphArtifact.load(artifact_dir),
    task_splits("binary", shop_tables()),
    entity_table="users",
    entity_column="user_id",
    task_type="binary_classification",
    config=TrainerConfig.from_json(config),
    tracker=PauseAtEpoch(),
    checkpoint_dir=checkpoint_dir,
)
"""


@pytest.fixture(scope="module")
def artifact(tmp_path_factory: pytest.TempPathFactory) -> GraphArtifact:
    tables = shop_tables()
    return materialize(tables, infer_schema(tables), tmp_path_factory.mktemp("g") / "graph")


def fit(artifact: GraphArtifact, config: TrainerConfig, **kwargs):
    return fit_node_task(
        artifact,
        task_splits("binary", shop_tables()),
        entity_table="users",
        entity_column="user_id",
        task_type="binary_classification",
        config=config,
        **kwargs,
    )


def kill_during_training(artifact: GraphArtifact, checkpoint_dir: Path, ready: Path) -> None:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
    }
    args = [
        str(artifact.path),
        str(checkpoint_dir),
        str(ready),
        str(KILL_AT_EPOCH),
        CONFIG.to_json(),
    ]
    child = subprocess.Popen([sys.executable, "-c", CHILD, *args], cwd=REPO, env=env)
    try:
        deadline = time.monotonic() + 180
        while not ready.exists():
            if child.poll() is not None:
                pytest.fail(f"the training process ended early with code {child.returncode}")
            if time.monotonic() > deadline:
                pytest.fail("the training process did not reach the kill point in 180 s")
            time.sleep(0.05)
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL


def test_resume_after_sigkill_equals_an_uninterrupted_run(
    artifact: GraphArtifact, tmp_path: Path
) -> None:
    checkpoint_dir = tmp_path / "checkpoints"
    kill_during_training(artifact, checkpoint_dir, tmp_path / "ready")
    state = load_checkpoint(checkpoint_dir / LAST)
    assert state["epoch"] == KILL_AT_EPOCH - 1  # the killed epoch was never saved
    assert not list(checkpoint_dir.glob("*.tmp"))

    resumed = fit(artifact, CONFIG, checkpoint_dir=checkpoint_dir)
    uninterrupted = fit(artifact, CONFIG)

    assert resumed.resumed_from == KILL_AT_EPOCH - 1
    assert [r["epoch"] for r in resumed.history] == list(range(CONFIG.n_epochs))
    assert resumed.best_epoch == uninterrupted.best_epoch
    assert resumed.metrics == uninterrupted.metrics
    for split in ("train", "validation", "test"):
        np.testing.assert_array_equal(resumed.predictions[split], uninterrupted.predictions[split])
    strip = lambda history: [{k: v for k, v in r.items() if k != "seconds"} for r in history]  # noqa: E731
    assert strip(resumed.history) == strip(uninterrupted.history)


def test_sampling_in_workers_gives_the_same_result(artifact: GraphArtifact) -> None:
    config = CONFIG.replace(n_epochs=2)
    in_process = fit(artifact, config)
    in_workers = fit(artifact, config.replace(num_workers=1))
    assert in_workers.metrics == in_process.metrics
    np.testing.assert_array_equal(in_workers.predictions["test"], in_process.predictions["test"])


def test_a_checkpoint_resumes_with_other_runtime_settings(
    artifact: GraphArtifact, tmp_path: Path
) -> None:
    """Workers and threads change how fast a run goes, not what it learns, so a checkpoint
    written with one setting is resumed with another; a changed learning rate is refused."""
    config = CONFIG.replace(n_epochs=2)
    first = fit(artifact, config, checkpoint_dir=tmp_path)
    again = fit(artifact, config.replace(num_workers=1, num_threads=2), checkpoint_dir=tmp_path)
    assert again.resumed_from == config.n_epochs - 1
    assert again.metrics == first.metrics
    with pytest.raises(ValueError, match="checkpoint"):
        fit(artifact, config.replace(lr=0.02), checkpoint_dir=tmp_path)
