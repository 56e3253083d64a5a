"""TrainerConfig: validation, serialization, the model part."""

import json

import pytest

from relgraph.nn import ModelConfig
from relgraph.train import TrainerConfig


def test_round_trips_through_dict_and_json() -> None:
    config = TrainerConfig(fanouts=[16, 4], shallow_embeddings_list=["drivers"], seed=7)
    assert config.fanouts == (16, 4)
    assert TrainerConfig.from_dict(config.to_dict()) == config
    assert TrainerConfig.from_json(config.to_json()) == config
    assert json.loads(config.to_json())["fanouts"] == [16, 4]


def test_every_known_field_exists() -> None:
    names = set(TrainerConfig().to_dict())
    expected = {
        "device", "seed", "n_epochs", "max_iters", "train_batch_size", "val_batch_size",
        "eval_every", "patience", "lr", "T_max", "eta_min", "label_smoothing",
        "label_smoothing_alpha", "clamp_min", "clamp_max", "channels", "gnn_layers", "fanouts",
        "conv_aggregation", "hetero_conv_aggregation", "gnn_norm", "head_layers", "head_norm",
        "use_temporal_encoder", "temporal_strategy", "num_negative",
        "negative_sampling_strategy", "text_embedder", "id_awareness",
        "shallow_embeddings_list", "num_workers", "amp",
    }  # fmt: skip
    assert expected <= names


def test_replace_validates_again() -> None:
    config = TrainerConfig().replace(lr=0.01)
    assert config.lr == 0.01
    with pytest.raises(ValueError, match="no field"):
        TrainerConfig().replace(learning_rate=0.01)
    with pytest.raises(ValueError, match=r"TrainerConfig\.lr"):
        TrainerConfig().replace(lr=-1.0)


@pytest.mark.parametrize(
    "changes,match",
    [
        ({"device": "tpu"}, r"device must be one of"),
        ({"n_epochs": 0}, r"n_epochs must be an integer >= 1, found 0"),
        ({"max_iters": 0}, r"max_iters"),
        ({"patience": True}, r"patience"),
        ({"lr": float("nan")}, r"TrainerConfig.lr"),
        ({"eta_min": 1.0}, r"eta_min must be at most lr"),
        ({"T_max": 0}, r"T_max"),
        ({"label_smoothing_alpha": 1.0}, r"label_smoothing_alpha"),
        ({"clamp_min": 5.0, "clamp_max": 1.0}, r"clamp_min must be at most clamp_max"),
        ({"fanouts": [8]}, r"fanouts must be a list of gnn_layers \(2\) integers"),
        ({"fanouts": "8,4"}, r"fanouts must be a list of ints"),
        ({"fanouts": [8, 0]}, r"fanouts must be a list of integers >= 1"),
        ({"conv": "gcn"}, r"conv must be one of"),
        ({"conv_aggregation": "sum+sum"}, r"conv_aggregation"),
        ({"hetero_conv_aggregation": "cat"}, r"hetero_conv_aggregation"),
        ({"gnn_norm": "group"}, r"gnn_norm"),
        ({"temporal_strategy": "recent"}, r"temporal_strategy"),
        ({"negative_sampling_strategy": "hard"}, r"negative_sampling_strategy"),
        ({"text_embedder": "glove"}, r"text_embedder"),
        ({"optimizer": "sgd"}, r"optimizer"),
        ({"shallow_embeddings_list": "drivers"}, r"shallow_embeddings_list must be a list"),
        ({"dropout": 1.5}, r"dropout"),
        ({"amp": "yes"}, r"amp must be True or False"),
        ({"train_window_days": 0}, r"train_window_days must be an integer >= 1 or None"),
        ({"ema_decay": 1.0}, r"ema_decay must be a number in \[0.0, 0.99999\] or None"),
    ],
)
def test_rejects_invalid_values_naming_the_field(changes: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        TrainerConfig(**changes)


@pytest.mark.parametrize(
    "text,match",
    [("[1, 2]", "expects a dict"), ("{bad", "not valid JSON"), ('{"epochs": 3}', "no field")],
)
def test_from_json_rejects_bad_input(text: str, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        TrainerConfig.from_json(text)


def test_model_config_carries_the_model_fields() -> None:
    config = TrainerConfig(channels=32, conv="gat", gat_heads=4, shallow_embeddings_list=["a"])
    model = config.model_config()
    assert isinstance(model, ModelConfig)
    assert (model.channels, model.conv, model.gat_heads) == (32, "gat", 4)
    assert model.shallow_embeddings_list == ("a",)


def test_cosine_period_defaults_to_the_epochs() -> None:
    assert TrainerConfig(n_epochs=7).cosine_period == 7
    assert TrainerConfig(n_epochs=7, T_max=3).cosine_period == 3


def test_model_config_defaults_agree_with_the_model() -> None:
    """Every model field is a TrainerConfig field with the same default."""
    from relgraph.nn import ModelConfig

    assert TrainerConfig().model_config() == ModelConfig()
    assert TrainerConfig(channels=32, dropout=0.1).model_config().channels == 32
