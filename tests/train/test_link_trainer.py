"""LinkTrainer on a tiny task where users rebuy their favorite products."""

import numpy as np
import pytest
import torch

from relgraph.train.config import TrainerConfig
from relgraph.train.link_popularity import popularity_ranking
from relgraph.train.link_trainer import LinkTrainer
from relgraph.train.metrics import map_at_k
from tests.train.link_graph import NUM_ITEMS, link_examples, link_store

K = 3
BASE = TrainerConfig(
    device="cpu",
    seed=0,
    gnn_layers=2,
    fanouts=(6, 1),
    channels=16,
    train_batch_size=16,
    val_batch_size=64,
    lr=0.02,
    num_negative=5,
    dropout=0.0,
    patience=None,
    num_threads=1,
    use_temporal_encoder=False,
)
EPOCHS = {"idgnn": 10, "two_tower": 60}


@pytest.fixture(scope="module")
def data() -> dict:
    return {
        "store": link_store(),
        "train": link_examples([5, 10, 15, 20, 25]),
        "validation": link_examples([30]),
        "test": link_examples([34]),
    }


def random_map(examples: object) -> float:
    rng = np.random.default_rng(0)
    ranked = np.stack([rng.permutation(NUM_ITEMS)[:K] for _ in range(len(examples))])
    return map_at_k(examples.target_lists(), ranked)


@pytest.mark.parametrize(
    ("model", "strategy", "target_fanouts"),
    [
        ("idgnn", "random", None),
        ("two_tower", "random", None),
        ("two_tower", "degree_based", None),
        ("two_tower", "random", (4,)),
    ],
)
def test_model_clearly_beats_random_ranking(
    data: dict, model: str, strategy: str, target_fanouts: tuple | None
) -> None:
    epochs = EPOCHS[model] if target_fanouts is None else 30
    if strategy == "degree_based":
        epochs = 100  # popular negatives are the hard ones: it learns more slowly
    config = BASE.replace(n_epochs=epochs, negative_sampling_strategy=strategy)
    trainer = LinkTrainer(config, model=model, k=K, target_fanouts=target_fanouts)
    result = trainer.fit(data["store"], data["train"], data["validation"])
    assert result.metric == "map@3"
    assert 1 <= result.best_epoch <= epochs
    assert result.best_score == pytest.approx(
        result.history[result.best_epoch - 1].validation["map@3"]
    )
    ranked = trainer.predict(data["test"])
    assert ranked.shape == (len(data["test"]), K)
    assert all(len(set(row)) == K for row in ranked.tolist())
    test_map = trainer.evaluate(data["test"])["map@3"]
    assert random_map(data["test"]) < 0.2
    assert test_map > 0.8


def test_early_stopping_and_determinism(data: dict) -> None:
    config = BASE.replace(n_epochs=6, patience=1, max_iters=2, lr=1e-12, eta_min=0.0)
    runs = []
    for _ in range(2):
        torch.manual_seed(123)  # the trainer must reseed, whatever the global state
        trainer = LinkTrainer(config, model="idgnn", k=K)
        result = trainer.fit(data["store"], data["train"], data["validation"])
        runs.append((result, trainer.predict(data["test"])))
    (first, ranked), (second, ranked_again) = runs
    # lr ~0 never improves on epoch 1, so patience 1 stops after epoch 2.
    assert [h.epoch for h in first.history] == [1, 2]
    assert all(h.steps == 2 for h in first.history)
    assert first.best_epoch == 1
    assert np.array_equal(ranked, ranked_again)
    assert [h.loss for h in first.history] == [h.loss for h in second.history]


def test_idgnn_ranks_reached_targets_first_then_by_popularity(data: dict) -> None:
    trainer = LinkTrainer(BASE.replace(n_epochs=1), model="idgnn", k=K)
    trainer.fit(data["store"], data["train"])
    ranked = trainer.predict(data["test"], k=NUM_ITEMS)
    popular = popularity_ranking(data["train"], NUM_ITEMS).tolist()
    for row, favorites in zip(ranked.tolist(), data["test"].target_lists(), strict=True):
        # The last 6 purchases reach exactly the 3 favorites.
        assert set(row[:3]) == set(favorites.tolist())
        assert row[3:] == [t for t in popular if t not in row[:3]]


def test_idgnn_needs_hops_that_reach_the_targets(data: dict) -> None:
    config = BASE.replace(n_epochs=1, gnn_layers=1, fanouts=(4,))
    trainer = LinkTrainer(config, model="idgnn", k=K)
    with pytest.raises(ValueError, match=r"'products' is 2 hops from 'users'.*1 hop"):
        trainer.fit(data["store"], data["train"])


def test_predict_needs_fit(data: dict) -> None:
    with pytest.raises(RuntimeError, match="call fit"):
        LinkTrainer(BASE).predict(data["test"])


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"model": "matrix"}, "model must be one of"),
        ({"k": 0}, "k must be a positive integer"),
        ({"model": "idgnn", "target_fanouts": (4,)}, "target_fanouts must be a non-empty"),
        ({"model": "two_tower", "target_fanouts": ()}, "target_fanouts must be a non-empty"),
    ],
)
def test_rejects_bad_arguments(kwargs: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        LinkTrainer(BASE, **kwargs)
