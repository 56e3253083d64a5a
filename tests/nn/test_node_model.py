"""NodeModel on a tiny shop graph: shapes, gradients, no leak from the future, options."""

import dataclasses

import numpy as np
import pytest
import torch
import torch_frame
from torch_frame import TensorFrame

from relgraph.graph import GraphArtifact, GraphStore, TemporalNeighborSampler
from relgraph.nn import GraphSpec, ModelConfig, NodeModel

SEED_TIME = int(np.datetime64("2024-04-01T00:00:00", "s").astype(np.int64))
SEEDS = np.arange(16)


def sample(store: GraphStore, strategy: str = "uniform", fanouts: tuple = (8, 4)):
    sampler = TemporalNeighborSampler(store, list(fanouts), strategy=strategy, seed=3)
    return sampler.sample("users", SEEDS, np.full(SEEDS.size, SEED_TIME, dtype=np.int64))


def model_for(store: GraphStore, out: int = 1, **config) -> NodeModel:
    torch.manual_seed(0)
    return NodeModel(GraphSpec.from_store(store), "users", out, ModelConfig(**config))


def with_perturbed_orders(store: GraphStore, rows: np.ndarray) -> GraphStore:
    """A copy of ``store`` whose orders at ``rows`` have very different features."""
    frame = store.features["orders"]
    feat_dict = {stype: value.clone() for stype, value in frame.feat_dict.items()}
    index = torch.from_numpy(rows)
    feat_dict[torch_frame.numerical][index] += 1000.0
    feat_dict[torch_frame.categorical][index] = 0
    features = dict(store.features)
    features["orders"] = TensorFrame(feat_dict, frame.col_names_dict)
    return dataclasses.replace(store, features=features)


@pytest.mark.parametrize("out_channels", [1, 3])
@pytest.mark.parametrize("conv", ["sage", "gat"])
def test_output_and_embedding_shapes(
    tiny_artifact: GraphArtifact, out_channels: int, conv: str
) -> None:
    model = model_for(tiny_artifact.store, out_channels, channels=16, conv=conv)
    batch = sample(tiny_artifact.store)
    assert model(batch).shape == (SEEDS.size, out_channels)
    assert model.embed(batch).shape == (SEEDS.size, 16)


@pytest.mark.parametrize("conv", ["sage", "gat"])
def test_gradients_reach_every_node_type_encoder(tiny_artifact: GraphArtifact, conv: str) -> None:
    model = model_for(tiny_artifact.store, channels=16, conv=conv, dropout=0.0)
    model(sample(tiny_artifact.store)).sum().backward()
    for node_type, encoder in model.encoder.encoders.items():
        grads = [p.grad for p in encoder.parameters() if p.requires_grad]
        assert grads and all(g is not None for g in grads), node_type
        assert sum(float(g.abs().sum()) for g in grads) > 0, node_type
    for node_type, linear in model.temporal_encoder.linears.items():
        assert linear.weight.grad is not None and linear.weight.grad.abs().sum() > 0, node_type


@pytest.mark.parametrize("strategy", ["uniform", "last"])
def test_features_of_later_nodes_do_not_change_the_output(
    tiny_artifact: GraphArtifact, strategy: str
) -> None:
    store = tiny_artifact.store
    model = model_for(store, channels=16).eval()
    order_time = store.node_time["orders"]
    later = np.flatnonzero(order_time >= SEED_TIME)
    earlier = np.flatnonzero(order_time < SEED_TIME)
    assert later.size and earlier.size
    with torch.no_grad():
        reference = model(sample(store, strategy))
        future_changed = model(sample(with_perturbed_orders(store, later), strategy))
        past_changed = model(sample(with_perturbed_orders(store, earlier), strategy))
    torch.testing.assert_close(future_changed, reference)
    assert not torch.allclose(past_changed, reference)


def test_temporal_encoder_sees_the_age_of_past_nodes(tiny_artifact: GraphArtifact) -> None:
    store = tiny_artifact.store
    model = model_for(store, channels=16).eval()
    batch = sample(store)
    ages = batch["orders"].seed_time - batch["orders"].time
    assert ages.numel() and bool((ages > 0).all())
    with torch.no_grad():
        reference = model(batch)
        batch["orders"].time = batch["orders"].time - 30 * 86_400
        shifted = model(batch)
    assert not torch.allclose(shifted, reference)


def test_id_awareness_marks_the_seeds(tiny_artifact: GraphArtifact) -> None:
    store = tiny_artifact.store
    batch = sample(store)
    model = model_for(store, channels=16, id_awareness=True).eval()
    with torch.no_grad():
        reference = model(batch)
        model.id_embedding.add_(1.0)
        changed = model(batch)
    assert not torch.allclose(changed, reference)
    assert model_for(store, channels=16, id_awareness=False).id_embedding is None


def test_shallow_embeddings_are_learned_per_node(tiny_artifact: GraphArtifact) -> None:
    store = tiny_artifact.store
    model = model_for(store, channels=16, shallow_embeddings_list=("users", "items"))
    assert model.shallow["t_users"].weight.shape == (store.num_nodes["users"], 16)
    model(sample(store)).sum().backward()
    grad = model.shallow["t_users"].weight.grad
    touched = np.flatnonzero(grad.abs().sum(dim=1).numpy() > 0)
    assert set(touched) <= set(SEEDS) | set(range(store.num_nodes["users"]))
    assert set(SEEDS) <= set(touched)
    assert model.shallow["t_items"].weight.grad.abs().sum() > 0


@pytest.mark.parametrize(
    "aggr,norm,hetero", [("sum", "batch_norm", "mean"), ("mean+max", "none", "max")]
)
def test_aggregations_and_norms(
    tiny_artifact: GraphArtifact, aggr: str, norm: str, hetero: str
) -> None:
    model = model_for(
        tiny_artifact.store,
        channels=8,
        conv_aggregation=aggr,
        gnn_norm=norm,
        hetero_conv_aggregation=hetero,
        head_layers=1,
        head_norm="none",
        gnn_layers=1,
    )
    assert model(sample(tiny_artifact.store, fanouts=(8,))).shape == (SEEDS.size, 1)


def test_set_output_bias(tiny_artifact: GraphArtifact) -> None:
    model = model_for(tiny_artifact.store, channels=8, head_layers=1, head_norm="none")
    model.set_output_bias(7.5)
    assert float(model.head.output_layer.bias) == 7.5


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"channels": 0}, "channels"),
        ({"conv": "gcn"}, "conv"),
        ({"conv_aggregation": "sum+median"}, "conv_aggregation"),
        ({"gnn_norm": "group"}, "gnn_norm"),
        ({"dropout": 1.0}, "dropout"),
    ],
)
def test_model_config_rejects_bad_values(kwargs: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        ModelConfig(**kwargs)


def test_unknown_entity_or_shallow_table(tiny_artifact: GraphArtifact) -> None:
    spec = GraphSpec.from_store(tiny_artifact.store)
    with pytest.raises(ValueError, match="entity_type 'shops'"):
        NodeModel(spec, "shops", 1)
    with pytest.raises(ValueError, match="shallow_embeddings_list entry 'shops'"):
        NodeModel(spec, "users", 1, ModelConfig(shallow_embeddings_list=("shops",)))
