"""fit_link_task and LinkPredictor on a tiny shop where users rebuy their favorite products.

User ``u`` buys, every day, one of its three favorite products in turn; a row asks at day
``t`` which products the user buys in the next ``WINDOW`` days. A late product is listed after
the test anchor, so the graph holds targets and edges from after it.
"""

import pickle
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from mlflow import MlflowClient

from relgraph.graph import GraphArtifact, materialize
from relgraph.schema import infer_schema
from relgraph.tasks import LinkTask
from relgraph.train import (
    LinkPredictor,
    LinkTrainResult,
    RunTracker,
    TrainerConfig,
    fit_link_task,
)
from relgraph.train.checkpoint import BEST, LAST
from relgraph.train.link_data import LinkExamples
from relgraph.train.link_predictor import DEFAULT_TARGET_FANOUTS
from relgraph.train.link_trainer import LinkTrainer
from relgraph.train.metrics import map_at_k

NUM_USERS = 12
NUM_PRODUCTS = 20
NUM_DAYS = 40
WINDOW = 3
K = 3
LATE_PRODUCT = NUM_PRODUCTS + 1
LATE_DAY = 36
TEST_DAY = 34
START = np.datetime64("2024-01-01T00:00:00", "s")
DAY = np.timedelta64(86_400, "s")
CONFIG = TrainerConfig(
    device="cpu",
    seed=0,
    channels=16,
    gnn_layers=2,
    fanouts=(6, 1),
    n_epochs=2,
    train_batch_size=16,
    val_batch_size=64,
    lr=0.02,
    num_negative=5,
    dropout=0.0,
    patience=None,
    num_threads=1,
    use_temporal_encoder=False,
)
MODELS = {
    # name: (fit_link_task model, target_fanouts, epochs)
    "two_tower": ("two_tower", None, 30),
    "two_tower_static": ("two_tower", (), 30),
    "idgnn": ("idgnn", None, 6),
}


def shop() -> dict[str, pa.Table]:
    """Users, products (listed at day 0, one late product at ``LATE_DAY``) and purchases."""
    rng = np.random.default_rng(0)
    user = np.repeat(np.arange(NUM_USERS), NUM_DAYS)
    day = np.tile(np.arange(1, NUM_DAYS + 1), NUM_USERS)
    product = (3 * user + day % 3) % NUM_PRODUCTS + 1
    # From LATE_DAY on, every user also buys the late product every day.
    late_day = np.tile(np.arange(LATE_DAY, NUM_DAYS + 1), NUM_USERS)
    late_user = np.repeat(np.arange(NUM_USERS), NUM_DAYS + 1 - LATE_DAY)
    user = np.concatenate([user, late_user])
    day = np.concatenate([day, late_day])
    product = np.concatenate([product, np.full(late_day.size, LATE_PRODUCT)])
    listed = np.zeros(LATE_PRODUCT, np.int64)
    listed[-1] = LATE_DAY
    return {
        "users": pa.table(
            {
                "user_id": pa.array(np.arange(1, NUM_USERS + 1), pa.int64()),
                "age": rng.normal(40, 10, NUM_USERS),
            }
        ),
        "products": pa.table(
            {
                "product_id": pa.array(np.arange(1, LATE_PRODUCT + 1), pa.int64()),
                "price": rng.uniform(1, 50, LATE_PRODUCT),
                "listed_at": pa.array(START + listed * DAY, pa.timestamp("s")),
            }
        ),
        "purchases": pa.table(
            {
                "purchase_id": pa.array(np.arange(1, user.size + 1), pa.int64()),
                "user_id": pa.array(user + 1, pa.int64()),
                "product_id": pa.array(product, pa.int64()),
                "bought_at": pa.array(START + day * DAY, pa.timestamp("s")),
            }
        ),
    }


def before(tables: dict[str, pa.Table], day: int) -> dict[str, pa.Table]:
    """The tables without the rows timed at or after ``day``."""
    cut = START + day * DAY
    out = dict(tables)
    for name, column in (("products", "listed_at"), ("purchases", "bought_at")):
        times = tables[name][column].to_numpy()
        out[name] = tables[name].filter(pa.array(times < cut))
    return out


def task_table(tables: dict[str, pa.Table], days: list[int]) -> pa.Table:
    """One row per user and anchor day: the products bought in ``(day, day + WINDOW]``."""
    purchases = tables["purchases"]
    who = purchases["user_id"].to_numpy()
    what = purchases["product_id"].to_numpy()
    when = purchases["bought_at"].to_numpy()
    users = np.repeat(np.arange(1, NUM_USERS + 1), len(days))
    anchors = START + np.tile(np.asarray(days), NUM_USERS) * DAY
    hit = (who[None, :] == users[:, None]) & (when[None, :] > anchors[:, None])
    hit &= when[None, :] <= anchors[:, None] + WINDOW * DAY
    row, column = np.nonzero(hit)
    key = np.unique(row * (LATE_PRODUCT + 1) + what[column])
    rows, products = np.divmod(key, LATE_PRODUCT + 1)
    offsets = np.zeros(users.size + 1, np.int32)
    np.cumsum(np.bincount(rows, minlength=users.size), out=offsets[1:])
    return pa.table(
        {
            "user_id": pa.array(users, pa.int64()),
            "anchor_time": pa.array(anchors, pa.timestamp("s")),
            "product_id": pa.ListArray.from_arrays(pa.array(offsets), pa.array(products)),
        }
    )


def rows_at(day: int) -> pa.Table:
    """Every user at anchor ``day``, without targets."""
    return pa.table(
        {
            "user_id": pa.array(np.arange(1, NUM_USERS + 1), pa.int64()),
            "anchor_time": pa.array(np.full(NUM_USERS, START + day * DAY), pa.timestamp("s")),
        }
    )


@pytest.fixture(scope="module")
def tables() -> dict[str, pa.Table]:
    return shop()


def rebuy_task(tables: dict[str, pa.Table]) -> LinkTask:
    """The link task of the tiny shop: which products a user buys next, split by day."""
    return LinkTask(
        name="rebuy",
        source_entity_table="users",
        source_entity_column="user_id",
        target_entity_table="products",
        target_entity_column="product_id",
        task_type="link_prediction",
        task_data_source={
            "train": task_table(tables, [5, 10, 15, 20, 25]),
            "validation": task_table(tables, [30]),
            "test": task_table(tables, [TEST_DAY]),
        },
        time_column="anchor_time",
        evaluation_metric=f"map@{K}",
    )


@pytest.fixture(scope="module")
def task(tables: dict[str, pa.Table]) -> LinkTask:
    return rebuy_task(tables)


@pytest.fixture(scope="module")
def artifact(tables: dict, tmp_path_factory: pytest.TempPathFactory) -> GraphArtifact:
    folder = tmp_path_factory.mktemp("link") / "graph"
    return materialize(tables, infer_schema(tables), folder, cutoff_time=START + 30 * DAY)


@pytest.fixture(scope="module")
def results(artifact: GraphArtifact, task: LinkTask) -> dict[str, LinkTrainResult]:
    return {
        name: fit_link_task(
            artifact,
            task=task,
            config=CONFIG.replace(n_epochs=epochs),
            model=model,
            target_fanouts=target_fanouts,
        )
        for name, (model, target_fanouts, epochs) in MODELS.items()
    }


def random_map(examples: LinkExamples) -> float:
    rng = np.random.default_rng(0)
    ranked = np.stack([rng.permutation(examples.num_targets)[:K] for _ in range(len(examples))])
    return map_at_k(examples.target_lists(), ranked)


@pytest.mark.parametrize("model", MODELS)
def test_trained_predictor_clearly_beats_random_ranking(
    results: dict, artifact: GraphArtifact, task: LinkTask, model: str
) -> None:
    result = results[model]
    assert result.predictor.kind == MODELS[model][0]
    assert result.metric == "map@3"
    assert set(result.metrics) == {"train", "validation", "test"}
    assert set(result.metrics["test"]) == {"map@3", "precision@3", "recall@3", "ndcg@3"}
    assert [record["epoch"] for record in result.history] == list(range(MODELS[model][2]))
    best = result.history[result.best_epoch]["val_map@3"]
    assert best == max(record["val_map@3"] for record in result.history)
    test = LinkExamples.from_task(task, "test", artifact.id_maps)
    assert random_map(test) < 0.25
    assert result.metrics["test"]["map@3"] > 0.6


def test_default_model_is_the_temporal_two_tower(results: dict) -> None:
    predictor = results["two_tower"].predictor
    assert predictor.target_fanouts == DEFAULT_TARGET_FANOUTS
    assert results["two_tower_static"].predictor.target_fanouts is None
    assert results["idgnn"].predictor.target_fanouts is None
    assert results["idgnn"].predictor.popularity.shape == (LATE_PRODUCT,)


@pytest.mark.parametrize("model", MODELS)
def test_predict_topk_ranks_real_target_keys(
    results: dict, artifact: GraphArtifact, tables: dict, model: str
) -> None:
    predictor = results[model].predictor
    ids, scores = predictor.predict_topk(artifact, rows_at(TEST_DAY), k=5)
    assert ids.shape == scores.shape == (NUM_USERS, 5)
    assert ids.dtype == np.int64 and scores.dtype == np.float32
    assert set(ids.ravel().tolist()) <= set(tables["products"]["product_id"].to_pylist())
    assert all(len(set(row)) == 5 for row in ids.tolist())
    assert np.isfinite(scores).all()
    assert (np.diff(scores, axis=1) <= 0).all()
    # The late product is listed after the anchor: never ranked at it.
    assert LATE_PRODUCT not in ids
    default_k, _ = predictor.predict_topk(artifact, rows_at(TEST_DAY))
    assert default_k.shape == (NUM_USERS, K)
    np.testing.assert_array_equal(default_k, ids[:, :K])


@pytest.mark.parametrize("model", MODELS)
def test_predictions_are_the_split_tables_row_for_row(
    results: dict, artifact: GraphArtifact, task: LinkTask, model: str
) -> None:
    result = results[model]
    holdout = result.holdout
    test = task.table("test")
    assert holdout.column_names == ["user_id", "anchor_time", "label", "prediction", "score"]
    assert holdout["user_id"].equals(test["user_id"])
    assert holdout["label"].to_pylist() == test["product_id"].to_pylist()
    table = result.predictor.predict_table(artifact, test)
    assert table.column_names == ["user_id", "anchor_time", "prediction", "score"]
    assert table["prediction"].to_pylist() == holdout["prediction"].to_pylist()
    ids, scores = result.predictor.predict_topk(artifact, test)
    assert ids.tolist() == holdout["prediction"].to_pylist()
    np.testing.assert_array_equal(scores, np.asarray(holdout["score"].to_pylist(), np.float32))
    ranked = result.predictor.rank(artifact, test)[0]
    examples = LinkExamples.from_task(task, "test", artifact.id_maps)
    assert map_at_k(examples.target_lists(), ranked) == pytest.approx(
        result.metrics["test"]["map@3"]
    )


@pytest.mark.parametrize("model", MODELS)
def test_pickle_round_trip_gives_identical_top_k(
    results: dict, artifact: GraphArtifact, task: LinkTask, model: str
) -> None:
    predictor = results[model].predictor
    again = pickle.loads(pickle.dumps(predictor))
    assert isinstance(again, LinkPredictor)
    rows = task.table("test")
    first, second = predictor.predict_topk(artifact, rows), again.predict_topk(artifact, rows)
    np.testing.assert_array_equal(first[0], second[0])
    np.testing.assert_array_equal(first[1], second[1])
    reloaded = again.predict_topk(GraphArtifact.load(artifact.path), rows)
    np.testing.assert_array_equal(first[0], reloaded[0])


@pytest.mark.parametrize("model", MODELS)
def test_rows_targets_and_edges_after_the_anchor_change_nothing(
    results: dict, artifact: GraphArtifact, tables: dict, tmp_path: Path, model: str
) -> None:
    """A graph cut at the anchor (no late product, no purchase from the anchor on; its
    product keys and node count differ from training) ranks exactly as the full graph."""
    past = materialize(
        before(tables, TEST_DAY),
        artifact.schema,
        tmp_path / "past",
        encoder_state=artifact.encoder_state,
    )
    assert past.store.num_nodes["products"] == NUM_PRODUCTS
    assert past.store.num_nodes["purchases"] < artifact.store.num_nodes["purchases"]
    predictor = results[model].predictor
    full_ids, full_scores = predictor.predict_topk(artifact, rows_at(TEST_DAY), k=8)
    past_ids, past_scores = predictor.predict_topk(past, rows_at(TEST_DAY), k=8)
    np.testing.assert_array_equal(full_ids, past_ids)
    np.testing.assert_allclose(full_scores, past_scores, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(
        predictor.embed_sources(artifact, rows_at(TEST_DAY)),
        predictor.embed_sources(past, rows_at(TEST_DAY)),
        rtol=1e-5,
        atol=1e-6,
    )


@pytest.mark.parametrize("model", MODELS)
def test_a_graph_in_another_node_order_ranks_the_same(
    results: dict, artifact: GraphArtifact, tables: dict, tmp_path: Path, model: str
) -> None:
    """Learned per-node embeddings and popularity follow the keys, not the row numbers."""
    reordered = dict(tables)
    for name in ("users", "products"):
        reordered[name] = tables[name].take(pa.array(np.arange(tables[name].num_rows)[::-1]))
    other = materialize(
        reordered, artifact.schema, tmp_path / "other", encoder_state=artifact.encoder_state
    )
    assert other.id_maps.key_values("products")[0].as_py() == LATE_PRODUCT
    predictor = results[model].predictor
    ids, scores = predictor.predict_topk(artifact, rows_at(TEST_DAY), k=8)
    other_ids, other_scores = predictor.predict_topk(other, rows_at(TEST_DAY), k=8)
    np.testing.assert_array_equal(ids, other_ids)
    np.testing.assert_allclose(scores, other_scores, rtol=1e-4, atol=1e-5)


def test_a_late_target_is_ranked_once_it_exists(results: dict, artifact: GraphArtifact) -> None:
    predictor = results["two_tower"].predictor
    ids, scores = predictor.predict_topk(artifact, rows_at(TEST_DAY), k=LATE_PRODUCT)
    late = ids == LATE_PRODUCT
    assert late[:, -1].all() and np.isneginf(scores[late]).all()
    ids, scores = predictor.predict_topk(artifact, rows_at(NUM_DAYS), k=LATE_PRODUCT)
    assert np.isfinite(scores).all()
    assert (ids == LATE_PRODUCT).sum() == NUM_USERS


@pytest.mark.parametrize("model", ["two_tower", "two_tower_static"])
def test_two_tower_embeddings_give_its_scores(
    results: dict, artifact: GraphArtifact, model: str
) -> None:
    predictor = results[model].predictor
    sources = predictor.embed_sources(artifact, rows_at(TEST_DAY))
    assert sources.shape == (NUM_USERS, CONFIG.channels) and sources.dtype == np.float32
    ids, targets = predictor.embed_targets(artifact, START + TEST_DAY * DAY)
    assert ids.tolist() == list(range(1, NUM_PRODUCTS + 1))  # the late product is not listed
    assert targets.shape == (NUM_PRODUCTS, CONFIG.channels)
    later_ids, _ = predictor.embed_targets(artifact, "2024-02-10T00:00:00")
    assert later_ids.tolist() == list(range(1, LATE_PRODUCT + 1))
    scores = sources @ targets.T
    top_ids, top_scores = predictor.predict_topk(artifact, rows_at(TEST_DAY), k=K)
    np.testing.assert_allclose(np.sort(scores, axis=1)[:, ::-1][:, :K], top_scores, rtol=1e-4)
    np.testing.assert_array_equal(ids[np.argsort(-scores, axis=1)[:, :K]], top_ids)


def test_idgnn_source_embeddings_and_no_target_embeddings(
    results: dict, artifact: GraphArtifact
) -> None:
    predictor = results["idgnn"].predictor
    assert predictor.embed_sources(artifact, rows_at(TEST_DAY)).shape == (
        NUM_USERS,
        CONFIG.channels,
    )
    with pytest.raises(ValueError, match="conditioned on that source"):
        predictor.embed_targets(artifact, START + TEST_DAY * DAY)


def test_bad_rows_and_arguments_are_named(results: dict, artifact: GraphArtifact) -> None:
    predictor = results["two_tower"].predictor
    rows = rows_at(TEST_DAY)
    with pytest.raises(ValueError, match=r"lack columns \['anchor_time'\]"):
        predictor.predict_topk(artifact, rows.drop_columns(["anchor_time"]))
    unknown = rows.set_column(0, "user_id", pa.array(np.arange(100, 112), pa.int64()))
    with pytest.raises(ValueError, match="12 key\\(s\\) are no row of 'users'"):
        predictor.predict_topk(artifact, unknown)
    with pytest.raises(ValueError, match="k must be a positive integer, found 0"):
        predictor.predict_topk(artifact, rows, k=0)
    with pytest.raises(ValueError, match="anchor_time must be a time"):
        predictor.embed_targets(artifact, "not a time")
    ids, scores = predictor.predict_topk(artifact, rows.slice(0, 0))
    assert ids.shape == scores.shape == (0, K)


def test_fit_rejects_what_cannot_train(artifact: GraphArtifact, task: LinkTask) -> None:
    with pytest.raises(ValueError, match="model must be one of"):
        fit_link_task(artifact, task=task, config=CONFIG, model="mf")
    with pytest.raises(ValueError, match="target_fanouts must be a non-empty list"):
        fit_link_task(artifact, task=task, config=CONFIG, model="idgnn", target_fanouts=(4,))
    with pytest.raises(ValueError, match=r"needs the \['validation'\] task table"):
        fit_link_task(artifact, {"train": task.table("train")}, task=task, config=CONFIG)


def test_fit_logs_params_curves_and_metrics_to_mlflow(
    artifact: GraphArtifact, task: LinkTask, tmp_path: Path
) -> None:
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    config = CONFIG
    with RunTracker(uri, experiment="link") as tracker:
        result = fit_link_task(artifact, task=task, config=config, tracker=tracker)
    client = MlflowClient(tracking_uri=uri)
    run = client.get_run(tracker.run_id)
    assert run.data.params["link_model"] == "two_tower"
    assert run.data.params["target_fanouts"] == "[8]"
    assert run.data.params["metric"] == "map@3"
    assert run.data.params["target_table"] == "products"
    curve = client.get_metric_history(tracker.run_id, "val_map_at_3")
    assert [m.step for m in curve] == [0, 1]
    assert run.data.metrics["test_map_at_3"] == pytest.approx(result.metrics["test"]["map@3"])
    assert run.data.tags["relgraph.graph_hash"] == artifact.content_hash


def test_an_interrupted_fit_resumes_to_the_same_result(
    artifact: GraphArtifact, task: LinkTask, tmp_path: Path
) -> None:
    """A crash after epoch 2's checkpoint, then a fit of the same run, ends with the same
    weights and rankings as an uninterrupted fit."""
    config = CONFIG.replace(n_epochs=4, dropout=0.3)
    examples = {s: LinkExamples.from_task(task, s, artifact.id_maps) for s in ("train", "test")}
    validation = LinkExamples.from_task(task, "validation", artifact.id_maps)

    def trainer() -> LinkTrainer:
        return LinkTrainer(config, model="two_tower", k=K, target_fanouts=(4,))

    whole = trainer()
    expected = whole.fit(artifact.store, examples["train"], validation)

    def crash(record: object) -> None:
        if record.epoch == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        trainer().fit(
            artifact.store, examples["train"], validation, checkpoint_dir=tmp_path, on_epoch=crash
        )
    assert (tmp_path / LAST).is_file() and (tmp_path / BEST).is_file()
    resumed = trainer()
    result = resumed.fit(artifact.store, examples["train"], validation, checkpoint_dir=tmp_path)
    assert result.resumed_from == 2
    assert [h.loss for h in result.history] == [h.loss for h in expected.history]
    assert result.best_epoch == expected.best_epoch
    np.testing.assert_array_equal(
        resumed.predict(examples["test"]), whole.predict(examples["test"])
    )
    with pytest.raises(ValueError, match="belongs to another run"):
        LinkTrainer(config.replace(lr=0.001), model="two_tower", k=K, target_fanouts=(4,)).fit(
            artifact.store, examples["train"], validation, checkpoint_dir=tmp_path
        )
