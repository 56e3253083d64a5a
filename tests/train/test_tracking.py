"""RunTracker against a temporary SQLite store and a real ``mlflow server`` process."""

import re
import subprocess
from pathlib import Path

import mlflow
import mlflow.pytorch
import pytest
import torch
from mlflow.exceptions import MlflowException

from relgraph.train.tracking import (
    DATA_SNAPSHOT_TAG,
    GIT_COMMIT_TAG,
    RunTracker,
    git_commit,
    resolve_tracking_uri,
    use_tracking_uri,
)

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def sqlite_uri(tmp_path_factory: pytest.TempPathFactory) -> str:
    """One SQLite store for the module (creating MLflow's tables takes seconds)."""
    return f"sqlite:///{tmp_path_factory.mktemp('mlflow') / 'mlflow.db'}"


def _model() -> torch.nn.Module:
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 1))


# --------------------------------------------------------------------------- helpers


def test_git_commit_of_this_repository_and_outside_one(tmp_path: Path) -> None:
    expected = subprocess.run(
        ["git", "-C", str(REPO_ROOT), "rev-parse", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    if not expected:
        pytest.skip("the tests do not run from a git checkout")
    assert git_commit(REPO_ROOT) == expected
    assert git_commit() == expected  # the relgraph package lives in this checkout
    assert git_commit(tmp_path) is None


def test_default_tracking_uri_is_sqlite_under_the_current_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    assert resolve_tracking_uri() == f"sqlite:///{tmp_path / '.relgraph' / 'mlflow.db'}"
    assert (tmp_path / ".relgraph").is_dir()
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://mlflow.example:5000")
    assert resolve_tracking_uri() == "http://mlflow.example:5000"
    assert resolve_tracking_uri("sqlite:///rel/x.db") == f"sqlite:///{tmp_path / 'rel' / 'x.db'}"


def test_use_tracking_uri_restores_the_previous_one(sqlite_uri: str) -> None:
    before = mlflow.get_tracking_uri() if mlflow.is_tracking_uri_set() else None
    with use_tracking_uri(sqlite_uri):
        assert mlflow.get_tracking_uri() == sqlite_uri
    assert (mlflow.get_tracking_uri() if mlflow.is_tracking_uri_set() else None) == before


# --------------------------------------------------------------------------- a full run


def test_run_logs_everything_and_the_model_loads_back(sqlite_uri: str, tmp_path: Path) -> None:
    (tmp_path / "checkpoint").mkdir()
    (tmp_path / "checkpoint" / "state.txt").write_text("epoch 3")
    (tmp_path / "schema.md").write_text("# schema")
    model = _model()
    with RunTracker(
        sqlite_uri, "test-full", "driver-dnf", {"task": "driver-dnf"}, data_snapshot="abc123"
    ) as run:
        run.log_params({"lr": 0.005, "model": {"channels": 64, "fanouts": [10, 5]}})
        for epoch in range(3):
            run.log_metrics(
                {"train_loss": 1.0 / (epoch + 1), "val_roc_auc": 0.6 + epoch / 10}, step=epoch
            )
        run.log_dict({"tables": ["drivers"]}, "schema.json")
        run.log_text("# task", "task.md")
        run.log_artifact(tmp_path / "schema.md")
        run.log_artifact(tmp_path / "checkpoint", "checkpoints")
        run.set_tags({"stage": "test"})
        info = run.log_model(model, metadata={"entity_table": "drivers"})
        assert run.tracking_url == sqlite_uri  # a local store has no UI page

    client = mlflow.MlflowClient(sqlite_uri)
    logged = client.get_run(run.run_id)
    assert logged.info.status == "FINISHED"
    assert logged.info.run_name == "driver-dnf"
    assert logged.data.params == {"lr": "0.005", "model.channels": "64", "model.fanouts": "[10, 5]"}
    assert logged.data.tags[DATA_SNAPSHOT_TAG] == "abc123"
    assert logged.data.tags["task"] == "driver-dnf"
    assert logged.data.tags["stage"] == "test"
    commit = git_commit()
    if commit is not None:
        assert logged.data.tags[GIT_COMMIT_TAG] == commit
        assert re.fullmatch(r"[0-9a-f]{40}", commit)
    history = client.get_metric_history(run.run_id, "val_roc_auc")
    assert [(m.step, m.value) for m in history] == [(0, 0.6), (1, 0.7), (2, 0.8)]
    artifacts = {a.path for a in client.list_artifacts(run.run_id)}
    assert {"schema.json", "task.md", "schema.md", "checkpoints"} <= artifacts
    assert [a.path for a in client.list_artifacts(run.run_id, "checkpoints")] == [
        "checkpoints/state.txt"
    ]
    # the model belongs to the run's experiment, with the run's params and provenance tags
    model_entity = client.get_logged_model(info.model_id)
    assert model_entity.experiment_id == logged.info.experiment_id
    assert model_entity.source_run_id == run.run_id
    assert model_entity.tags[DATA_SNAPSHOT_TAG] == "abc123"
    assert [o.model_id for o in logged.outputs.model_outputs] == [info.model_id]
    # pickled, not pt2
    assert info.flavors["python_function"]["pickle_module_name"] == "mlflow.pytorch.pickle_module"
    with use_tracking_uri(sqlite_uri):
        loaded = mlflow.pytorch.load_model(info.model_uri)
    x = torch.randn(5, 3)
    torch.testing.assert_close(loaded(x), model(x))


def test_local_artifacts_live_beside_the_database(sqlite_uri: str) -> None:
    with RunTracker(sqlite_uri, "test-location") as run:
        pass
    run_info = mlflow.MlflowClient(sqlite_uri).get_run(run.run_id).info
    db_folder = Path(sqlite_uri.removeprefix("sqlite:///")).parent
    assert run_info.artifact_uri.startswith((db_folder / "mlartifacts").as_uri())


@pytest.mark.parametrize(
    ("error", "status"), [(RuntimeError("boom"), "FAILED"), (KeyboardInterrupt(), "KILLED")]
)
def test_run_ends_failed_when_the_block_raises(
    sqlite_uri: str, error: BaseException, status: str
) -> None:
    with pytest.raises(type(error)), RunTracker(sqlite_uri, "test-failure") as run:
        run.log_metrics({"loss": 1.0}, step=0)
        raise error
    logged = mlflow.MlflowClient(sqlite_uri).get_run(run.run_id)
    assert logged.info.status == status
    assert logged.data.tags["relgraph.error"].startswith(type(error).__name__)


def test_reopening_a_run_continues_its_curves(sqlite_uri: str) -> None:
    with pytest.raises(RuntimeError), RunTracker(sqlite_uri, "test-resume") as first:
        first.log_params({"lr": 0.01})
        first.log_metrics({"loss": 2.0}, step=0)
        raise RuntimeError("killed")
    with RunTracker(sqlite_uri, "test-resume", run_id=first.run_id) as second:
        second.log_params({"lr": 0.01})  # the same value again is fine
        second.log_metrics({"loss": 1.0}, step=1)
    client = mlflow.MlflowClient(sqlite_uri)
    assert second.run_id == first.run_id
    assert client.get_run(first.run_id).info.status == "FINISHED"
    assert [m.value for m in client.get_metric_history(first.run_id, "loss")] == [2.0, 1.0]
    with (
        pytest.raises(ValueError, match=r"belongs to experiment .* not 'other'"),
        RunTracker(sqlite_uri, "other", run_id=first.run_id),
    ):
        pass


def test_bad_use_gives_clear_errors(sqlite_uri: str, tmp_path: Path) -> None:
    tracker = RunTracker(sqlite_uri, "test-errors")
    with pytest.raises(RuntimeError, match="use it in a `with` block"):
        tracker.log_metrics({"loss": 1.0})
    with pytest.raises(ValueError, match="experiment must be a non-empty name"):
        RunTracker(sqlite_uri, " ")
    with tracker as run:
        with pytest.raises(ValueError, match="metric 'loss' must be a number, found 'high'"):
            run.log_metrics({"loss": "high"})
        with pytest.raises(ValueError, match="parameter 'notes' is 7000 characters long"):
            run.log_params({"notes": "x" * 7000})
        with pytest.raises(FileNotFoundError, match=r"missing\.bin does not exist"):
            run.log_artifact(tmp_path / "missing.bin")
        run.log_params({"lr": 0.1})
        with pytest.raises(MlflowException):
            run.log_params({"lr": 0.2})  # MLflow params are write-once


def test_metrics_accept_tensors_many_names_and_ranking_names(sqlite_uri: str) -> None:
    many = {f"m{i}": float(i) for i in range(1_050)}  # more than one log_batch holds
    with RunTracker(sqlite_uri, "test-many") as run:
        run.log_metrics({"loss": torch.tensor(0.25)}, step=4)
        run.log_metrics(many)
        run.log_metrics({"val_map@10": 0.5})
    data = mlflow.MlflowClient(sqlite_uri).get_run(run.run_id).data
    assert data.metrics["val_map_at_10"] == 0.5
    assert data.metrics["loss"] == 0.25
    assert data.metrics["m1049"] == 1049.0


# --------------------------------------------------------------------------- a real server


def test_run_on_a_real_mlflow_server(mlflow_server: str) -> None:
    model = _model()
    with RunTracker(mlflow_server, "server", run_name="remote", data_snapshot="snap") as run:
        run.log_params({"channels": 32})
        run.log_metrics({"val_mae": 4.1}, step=1)
        run.log_dict({"k": 1}, "report.json")
        info = run.log_model(model)
    assert run.tracking_url == (
        f"{mlflow_server}/#/experiments/{run.experiment_id}/runs/{run.run_id}"
    )
    client = mlflow.MlflowClient(mlflow_server)
    logged = client.get_run(run.run_id)
    assert logged.info.status == "FINISHED"
    assert logged.data.params == {"channels": "32"}
    assert logged.data.tags[DATA_SNAPSHOT_TAG] == "snap"
    assert "report.json" in {a.path for a in client.list_artifacts(run.run_id)}
    with use_tracking_uri(mlflow_server):
        loaded = mlflow.pytorch.load_model(info.model_uri)
    x = torch.randn(4, 3)
    torch.testing.assert_close(loaded(x), model(x))

    with pytest.raises(ValueError), RunTracker(mlflow_server, "server") as failing:
        raise ValueError("bad batch")
    assert client.get_run(failing.run_id).info.status == "FAILED"
