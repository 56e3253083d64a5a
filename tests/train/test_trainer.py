"""fit_node_task on the tiny shop graph: every node task type, early stopping, determinism,
prediction, checkpoints."""

import datetime as dt
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest
import torch

from relgraph.graph import GraphArtifact, materialize
from relgraph.nn import NodeEnsemble, NodeModel
from relgraph.schema import infer_schema
from relgraph.tasks import TaskType
from relgraph.train import TrainerConfig, fit_node_task
from relgraph.train.checkpoint import BEST, LAST, load_checkpoint
from relgraph.train.trainer import resolve_device
from tests.nn.tiny_shop import shop_tables, task_splits

FAST = TrainerConfig(
    device="cpu",
    channels=16,
    fanouts=(8, 4),
    n_epochs=4,
    train_batch_size=32,
    val_batch_size=64,
    lr=0.01,
    patience=None,
    num_threads=1,
    ensemble_size=1,  # one model per task type here; the default ensembles are tested below
)
KINDS = {
    "regression": TaskType.REGRESSION,
    "binary": TaskType.BINARY_CLASSIFICATION,
    "multiclass": TaskType.MULTICLASS_CLASSIFICATION,
    "multilabel": TaskType.MULTILABEL_CLASSIFICATION,
}


@pytest.fixture(scope="module")
def tables() -> dict[str, pa.Table]:
    return shop_tables()


@pytest.fixture(scope="module")
def artifact(
    tables: dict[str, pa.Table], tmp_path_factory: pytest.TempPathFactory
) -> GraphArtifact:
    return materialize(tables, infer_schema(tables), tmp_path_factory.mktemp("g") / "graph")


def fit(artifact: GraphArtifact, splits: dict, kind: str, config: TrainerConfig, **kwargs):
    return fit_node_task(
        artifact,
        splits,
        entity_table="users",
        entity_column="user_id",
        task_type=KINDS[kind],
        config=config,
        **kwargs,
    )


@pytest.mark.parametrize("kind", list(KINDS))
def test_trains_every_node_task_type(artifact: GraphArtifact, tables: dict, kind: str) -> None:
    splits = task_splits(kind, tables)
    result = fit(artifact, splits, kind, FAST)
    assert set(result.metrics) == {"train", "validation", "test"}
    assert result.metric in result.metrics["validation"]
    losses = [record["train_loss"] for record in result.history]
    assert len(losses) == FAST.n_epochs and losses[-1] < losses[0]
    for split, table in splits.items():
        assert len(result.predictions[split]) == table.num_rows
    if kind == "regression":
        low, high = result.predictor.clamp
        assert low <= result.predictions["test"].min() <= result.predictions["test"].max() <= high
    if kind == "binary":
        assert result.metrics["train"]["roc_auc"] > 0.65
    if kind == "multiclass":
        assert result.predictions["test"].shape == (splits["test"].num_rows, 3)
        np.testing.assert_allclose(result.predictions["test"].sum(axis=1), 1.0, rtol=1e-5)


def test_regression_beats_the_median_and_improves(artifact: GraphArtifact, tables: dict) -> None:
    splits = task_splits("regression", tables)
    result = fit(artifact, splits, "regression", FAST.replace(n_epochs=8))
    labels = splits["train"]["label"].to_numpy()
    median_mae = float(np.abs(labels - np.median(labels)).mean())
    assert result.metrics["train"]["mae"] < median_mae


def test_same_seed_same_result_other_seed_other_result(
    artifact: GraphArtifact, tables: dict
) -> None:
    splits = task_splits("binary", tables)
    config = FAST.replace(n_epochs=2, dropout=0.5)
    first, second = fit(artifact, splits, "binary", config), fit(artifact, splits, "binary", config)
    assert first.metrics == second.metrics
    np.testing.assert_array_equal(first.predictions["test"], second.predictions["test"])
    other = fit(artifact, splits, "binary", config.replace(seed=1))
    assert not np.array_equal(other.predictions["test"], first.predictions["test"])


def test_early_stopping_keeps_the_best_epoch(artifact: GraphArtifact, tables: dict) -> None:
    """With a learning rate too small to change anything, validation never improves after
    the first epoch: training stops after ``patience`` more epochs, keeping epoch 0."""
    splits = task_splits("binary", tables)
    config = FAST.replace(n_epochs=10, lr=1e-12, eta_min=0.0, patience=2, dropout=0.0)
    result = fit(artifact, splits, "binary", config)
    assert len(result.history) == 3
    assert result.best_epoch == 0


def test_predict_matches_the_split_predictions(artifact: GraphArtifact, tables: dict) -> None:
    splits = task_splits("regression", tables)
    result = fit(artifact, splits, "regression", FAST.replace(n_epochs=1))
    again = result.predictor.predict(artifact, splits["test"].drop_columns(["label"]))
    np.testing.assert_allclose(again, result.predictions["test"], rtol=1e-5)


def test_checkpoints_are_written_and_a_foreign_one_is_refused(
    artifact: GraphArtifact, tables: dict, tmp_path: Path
) -> None:
    splits = task_splits("binary", tables)
    config = FAST.replace(n_epochs=2)
    result = fit(artifact, splits, "binary", config, checkpoint_dir=tmp_path)
    last = load_checkpoint(tmp_path / LAST)
    assert last["epoch"] == 1 and len(last["history"]) == 2
    assert load_checkpoint(tmp_path / BEST)["epoch"] == result.best_epoch
    assert not list(tmp_path.glob("*.tmp"))
    # Resuming a finished run trains no more and gives the same result.
    again = fit(artifact, splits, "binary", config, checkpoint_dir=tmp_path)
    assert again.resumed_from == 1 and again.metrics == result.metrics
    with pytest.raises(ValueError, match="belongs to another run"):
        fit(artifact, splits, "binary", config.replace(lr=0.02), checkpoint_dir=tmp_path)


@pytest.mark.parametrize(
    "change,match",
    [
        (lambda s: {k: v for k, v in s.items() if k != "validation"}, "'validation' task table"),
        (lambda s: {**s, "holdout": s["test"]}, "unknown split"),
        (
            lambda s: {**s, "train": s["train"].drop_columns(["label"])},
            "train task table has no 'label'",
        ),
        (
            lambda s: {
                **s,
                "test": s["test"].set_column(0, "user_id", pa.array([999] * s["test"].num_rows)),
            },
            r"test task table has \d+ user_id value\(s\) that are no row of 'users'",
        ),
    ],
)
def test_bad_task_tables_are_refused(
    artifact: GraphArtifact, tables: dict, change, match: str
) -> None:
    splits = change(task_splits("binary", tables))
    with pytest.raises(ValueError, match=match):
        fit(artifact, splits, "binary", FAST)


def test_label_smoothing_and_adam(artifact: GraphArtifact, tables: dict) -> None:
    splits = task_splits("binary", tables)
    config = FAST.replace(n_epochs=2, label_smoothing=True, label_smoothing_alpha=0.2,
                          optimizer="adam", conv="gat")  # fmt: skip
    result = fit(artifact, splits, "binary", config)
    assert np.isfinite(result.history[-1]["train_loss"])


@pytest.mark.parametrize("kind,metric", [("binary", "roc_auc"), ("regression", "mae")])
def test_logs_the_run_to_mlflow(
    artifact: GraphArtifact, tables: dict, tmp_path: Path, kind: str, metric: str
) -> None:
    from mlflow import MlflowClient

    from relgraph.train.tracking import RunTracker

    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    splits = task_splits(kind, tables)
    with RunTracker(uri, experiment="tests", run_name="tiny") as tracker:
        config = FAST.replace(n_epochs=2, ensemble_size=None)
        result = fit(artifact, splits, kind, config, tracker=tracker)
        run_id = tracker.run_id
    client = MlflowClient(tracking_uri=uri)
    run = client.get_run(run_id)
    assert run.data.params["lr"] == str(FAST.lr)
    assert run.data.params["seed"] == str(FAST.seed)
    assert run.data.params["fanouts"] == "[8, 4]"
    assert run.data.metrics[f"test_{metric}"] == pytest.approx(result.metrics["test"][metric])
    assert run.data.tags["relgraph.graph_hash"] == artifact.content_hash
    logged = {a.path for a in client.list_artifacts(run_id)}
    assert {"schema.json", "task_spec.json", "trainer_config.json", "history.json"} <= logged
    if kind == "binary":
        assert len(client.get_metric_history(run_id, "train_loss")) == 2
        return
    # A regression run is an ensemble of three: each member's curves under its own name.
    for index in range(3):
        assert len(client.get_metric_history(run_id, f"member{index}.train_loss")) == 2
        assert f"member{index}" in logged
    assert not client.get_metric_history(run_id, "train_loss")


def test_regression_trains_an_ensemble_of_three_and_resumes_it(
    artifact: GraphArtifact, tables: dict, tmp_path: Path
) -> None:
    splits = task_splits("regression", tables)
    config = FAST.replace(n_epochs=2, ensemble_size=None)
    result = fit(artifact, splits, "regression", config, checkpoint_dir=tmp_path)
    assert isinstance(result.model, NodeEnsemble) and len(result.members) == 3
    assert sorted(p.name for p in tmp_path.iterdir()) == ["member-0", "member-1", "member-2"]
    assert [r["member"] for r in result.history] == [0, 0, 1, 1, 2, 2]

    # The first member is the single model of the run's seed; the others have other seeds.
    single = fit(artifact, splits, "regression", config.replace(ensemble_size=1))
    members = np.stack([m.predictions["test"] for m in result.members])
    np.testing.assert_array_equal(members[0], single.predictions["test"])
    assert not np.allclose(members[1], members[2])
    # The ensemble's prediction is the (clamped) mean of its members' outputs.
    ensemble = result.predictions["test"]
    assert np.all(members.min(0) - 1e-5 <= ensemble) and np.all(ensemble <= members.max(0) + 1e-5)
    assert not np.allclose(ensemble, members[0])
    np.testing.assert_allclose(result.predictor.predict(artifact, splits["test"]), ensemble)

    resumed = fit(artifact, splits, "regression", config, checkpoint_dir=tmp_path)
    assert resumed.resumed_from == config.n_epochs - 1
    np.testing.assert_array_equal(resumed.predictions["test"], ensemble)


def test_classification_trains_one_model_unless_asked(
    artifact: GraphArtifact, tables: dict
) -> None:
    splits = task_splits("binary", tables)
    single = fit(artifact, splits, "binary", FAST.replace(n_epochs=1, ensemble_size=None))
    assert isinstance(single.model, NodeModel) and single.members == ()
    pair = fit(artifact, splits, "binary", FAST.replace(n_epochs=1, ensemble_size=2))
    assert isinstance(pair.model, NodeEnsemble) and len(pair.members) == 2
    assert 0.0 <= pair.metrics["test"]["roc_auc"] <= 1.0


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the error without a GPU")
def test_cuda_without_a_gpu_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="device is 'cuda' but no CUDA device"):
        resolve_device("cuda")
    assert resolve_device("auto").type == "cpu"


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_mixed_precision_on_cuda(artifact: GraphArtifact, tables: dict) -> None:
    splits = task_splits("binary", tables)
    config = FAST.replace(device="cuda", amp=True, n_epochs=2, num_workers=1)
    result = fit(artifact, splits, "binary", config)
    assert np.isfinite(result.history[-1]["train_loss"])
    assert next(result.model.parameters()).device.type == "cpu"


def test_selection_metric_aliases_and_mismatch(artifact: GraphArtifact, tables: dict) -> None:
    splits = task_splits("binary", tables)
    result = fit(artifact, splits, "binary", FAST.replace(n_epochs=1), metric="auroc")
    assert result.metric == "roc_auc"
    with pytest.raises(ValueError, match="metric 'mae' does not fit a binary_classification"):
        fit(artifact, splits, "binary", FAST.replace(n_epochs=1), metric="mae")


@pytest.mark.parametrize("restore_best", [True, False])
def test_restore_best_or_keep_the_last_epoch(
    artifact: GraphArtifact, tables: dict, tmp_path: Path, restore_best: bool
) -> None:
    splits = task_splits("binary", tables)
    config = FAST.replace(n_epochs=3)
    result = fit(
        artifact, splits, "binary", config, checkpoint_dir=tmp_path, restore_best=restore_best
    )
    saved = load_checkpoint(tmp_path / (BEST if restore_best else LAST))["model"]
    for name, value in result.model.state_dict().items():
        torch.testing.assert_close(value, saved[name])


def test_a_frozen_validation_sees_an_older_graph_and_turns_on_history_lag(
    artifact: GraphArtifact, tables: dict
) -> None:
    splits = task_splits("regression", tables)
    first_val = pc.min(splits["validation"]["anchor_time"]).as_py() - dt.timedelta(days=20)
    config = FAST.replace(n_epochs=2, history_lag_prob=0.0)
    plain = fit(artifact, splits, "regression", config)
    frozen = fit(artifact, splits, "regression", config, visible_until={"validation": first_val})
    # Same training, but validation examples lose the rows after the snapshot time.
    assert np.array_equal(plain.predictions["train"], frozen.predictions["train"])
    assert not np.allclose(plain.predictions["validation"], frozen.predictions["validation"])
    lagged = fit(
        artifact,
        splits,
        "regression",
        config.replace(history_lag_prob=1.0),
        visible_until={"validation": first_val},
    )
    assert not np.allclose(frozen.predictions["train"], lagged.predictions["train"])
    with pytest.raises(ValueError, match=r"visible_until names split\(s\) \['tset'\]"):
        fit(artifact, splits, "regression", config, visible_until={"tset": first_val})


def test_the_train_window_drops_older_training_rows(artifact: GraphArtifact, tables: dict) -> None:
    splits = task_splits("binary", tables)
    times = splits["train"]["anchor_time"]
    span_days = (pc.max(times).as_py() - pc.min(times).as_py()).days
    assert span_days > 20
    config = FAST.replace(n_epochs=1, train_window_days=span_days // 2)
    windowed = fit(artifact, splits, "binary", config)
    everything = fit(artifact, splits, "binary", config.replace(train_window_days=None))
    kept = pc.greater_equal(times, pc.max(times).as_py() - dt.timedelta(days=span_days // 2))
    assert 0 < len(windowed.predictions["train"]) == pc.sum(kept).as_py()
    assert len(everything.predictions["train"]) == splits["train"].num_rows


def test_ema_weights_are_evaluated_selected_and_returned(
    artifact: GraphArtifact, tables: dict, tmp_path: Path
) -> None:
    splits = task_splits("binary", tables)
    result = fit(
        artifact, splits, "binary", FAST.replace(n_epochs=3, ema_decay=0.9), checkpoint_dir=tmp_path
    )
    best = load_checkpoint(tmp_path / BEST)["model"]
    for name, value in result.model.state_dict().items():
        torch.testing.assert_close(value, best[name])
    last = load_checkpoint(tmp_path / LAST)
    averaged = {k.removeprefix("module."): v for k, v in last["ema"].items()}
    assert any(not torch.equal(last["model"][k], averaged[k]) for k in last["model"])
    # The selected epoch's validation score is the returned (averaged) model's score.
    selected = result.history[result.best_epoch]["val_roc_auc"]
    assert selected == pytest.approx(result.metrics["validation"]["roc_auc"])
