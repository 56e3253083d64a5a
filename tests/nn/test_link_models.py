"""Link models: two-tower scores and ID-GNN readout on a tiny users-purchases-products graph."""

import numpy as np
import pytest
import torch

from relgraph.graph.sampler import TemporalNeighborSampler
from relgraph.nn import GraphSpec, ModelConfig
from relgraph.nn.link_idgnn import IDGNNLinkModel, bidirectional_edges, reverse_edge_type
from relgraph.nn.link_two_tower import TwoTowerLinkModel
from relgraph.nn.spec import module_key
from tests.train.link_graph import DAY, NUM_ITEMS, link_store

CONFIG = ModelConfig(channels=8, gnn_layers=2, dropout=0.0)


def batch(num_seeds: int = 3):
    store = link_store()
    sampler = TemporalNeighborSampler(store, [4, 1], strategy="last")
    seeds = np.arange(num_seeds)
    return store, sampler.sample("users", seeds, np.full(num_seeds, 10 * DAY))


@pytest.mark.parametrize(
    ("edge_type", "reverse"),
    [
        (("a", "f2p_x", "b"), ("b", "rev_f2p_x", "a")),
        (("b", "rev_f2p_x", "a"), ("a", "f2p_x", "b")),
    ],
)
def test_reverse_edge_type(edge_type: tuple, reverse: tuple) -> None:
    assert reverse_edge_type(edge_type) == reverse


def test_bidirectional_edges_add_flipped_reverse_edges_once() -> None:
    forward = ("a", "f2p_x", "b")
    backward = ("b", "rev_f2p_x", "a")
    edges = {forward: torch.tensor([[0, 1], [0, 0]]), backward: torch.tensor([[0, 1], [1, 0]])}
    out = bidirectional_edges(edges, {"a": 2, "b": 2})
    as_set = {et: set(map(tuple, e.t().tolist())) for et, e in out.items()}
    assert as_set[forward] == {(0, 0), (1, 0), (0, 1)}
    assert as_set[backward] == {(0, 1), (1, 0), (0, 0)}
    assert all(e.shape[1] == len(as_set[et]) for et, e in out.items())


def test_two_tower_scores_every_seed_against_every_target_and_trains_all_towers() -> None:
    store, data = batch()
    model = TwoTowerLinkModel(GraphSpec.from_store(store), "users", "products", CONFIG)
    index = torch.arange(NUM_ITEMS)
    features = store.features["products"]
    scores = model(data, index, features)
    assert scores.shape == (3, NUM_ITEMS)
    scores.sum().backward()
    for name in ("target_encoder", "target_head", "source.encoder", "source.gnn"):
        grads = [p.grad for n, p in model.named_parameters() if n.startswith(name)]
        assert grads and any(g is not None and g.abs().sum() > 0 for g in grads), name
    assert model.target_embedding is model.source.shallow[module_key("products")]
    assert model.target_embedding.weight.grad.abs().sum() > 0


def test_idgnn_scores_each_reached_target_node() -> None:
    store, data = batch()
    model = IDGNNLinkModel(GraphSpec.from_store(store), "users", "products", CONFIG)
    logits = model(data)
    reached = data["products"]
    assert logits.shape == (int(reached.num_nodes),)
    assert int(reached.num_nodes) > 0
    assert model.id_embedding is not None
    logits.sum().backward()
    assert model.id_embedding.grad.abs().sum() > 0


def test_idgnn_marker_changes_the_target_scores() -> None:
    """The seed's ID marker reaches the products through the bidirectional edges."""
    store, data = batch()
    model = IDGNNLinkModel(GraphSpec.from_store(store), "users", "products", CONFIG).eval()
    before = model(data)
    with torch.no_grad():
        model.id_embedding.add_(5.0)
    assert not torch.allclose(before, model(data))


@pytest.mark.parametrize("cls", [TwoTowerLinkModel, IDGNNLinkModel])
def test_rejects_unknown_node_types(cls: type) -> None:
    spec = GraphSpec.from_store(link_store())
    with pytest.raises(ValueError, match="'stores' is not a node type"):
        cls(spec, "users", "stores", CONFIG)


def test_temporal_target_tower_embeds_target_subgraphs() -> None:
    store = link_store()
    model = TwoTowerLinkModel(
        GraphSpec.from_store(store), "users", "products", CONFIG, target_layers=1
    )
    sampler = TemporalNeighborSampler(store, [4], strategy="last")
    targets = sampler.sample("products", np.array([0, 5, 5]), np.array([3, 3, 30]) * DAY)
    embedded = model.target_subgraph_embeddings(targets)
    assert embedded.shape == (3, CONFIG.channels)
    # The same product at another time has other recent purchases: another embedding.
    assert not torch.allclose(embedded[1], embedded[2])
    with pytest.raises(RuntimeError, match="target tower reads subgraphs"):
        model.target_embeddings(torch.arange(2), None)


def test_static_target_tower_refuses_subgraphs() -> None:
    store, data = batch()
    model = TwoTowerLinkModel(GraphSpec.from_store(store), "users", "products", CONFIG)
    with pytest.raises(RuntimeError, match="target tower is static"):
        model.target_subgraph_embeddings(data)
    with pytest.raises(ValueError, match="target_layers must be an integer >= 0"):
        TwoTowerLinkModel(GraphSpec.from_store(store), "users", "products", target_layers=-1)
