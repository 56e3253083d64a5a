"""``TrainerConfig``: every knob of a training run, validated on construction and serializable.

The field names follow the vocabulary users know from hosted relational-GNN products
(``n_epochs``, ``max_iters``, ``fanouts``, ``id_awareness``, ``shallow_embeddings_list``...).
The defaults are the best configuration found on the rel-f1 node tasks
(see ``docs/research/rel-f1-ablations.md``).
"""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass, field
from typing import Any

from relgraph.nn.config import ModelConfig

DEVICES = ("cpu", "cuda", "auto")
OPTIMIZERS = ("adamw", "adam")
TEMPORAL_STRATEGIES = ("uniform", "last")
NEGATIVE_SAMPLING_STRATEGIES = ("random", "degree_based")
TEXT_EMBEDDERS = ("hashing", "minilm")


def _tuple_of_str(value: Any, name: str) -> tuple[str, ...]:
    if isinstance(value, str) or not hasattr(value, "__iter__"):
        raise ValueError(f"TrainerConfig.{name} must be a list of strings, found {value!r}")
    items = tuple(value)
    if not all(isinstance(item, str) and item for item in items):
        raise ValueError(f"TrainerConfig.{name} must hold non-empty strings, found {value!r}")
    return items


@dataclass(frozen=True)
class TrainerConfig:
    """Configuration of a training run (model, sampler, optimizer, loop, runtime).

    Args:
        device: ``"cpu"``, ``"cuda"`` or ``"auto"`` (cuda when available). (default: "auto")
        seed: Seed of every random number generator. (default: 42)
        n_epochs: Maximum number of training epochs. (default: 12)
        max_iters: Cap on optimizer steps per epoch; ``None`` runs every batch. (default: None)
        train_batch_size: Seeds per training batch. (default: 256)
        val_batch_size: Seeds per evaluation batch. (default: 1024)
        eval_every: Evaluate on validation every this many epochs. (default: 1)
        patience: Stop after this many evaluations without validation improvement;
            ``None`` never stops early. (default: 4)
        lr: Learning rate. (default: 0.002)
        T_max: Cosine annealing period in epochs; ``None`` = ``n_epochs``. (default: None)
        eta_min: Cosine annealing floor of the learning rate. (default: 1e-5)
        weight_decay: Weight decay of the optimizer. (default: 0.0)
        optimizer: ``"adamw"`` or ``"adam"``. (default: "adamw")
        label_smoothing: Whether to smooth classification targets. (default: False)
        label_smoothing_alpha: Smoothing strength in ``[0, 1)``. (default: 0.1)
        clamp_min: Lower clamp of regression outputs; ``None`` = the 2nd percentile of the
            training labels. (default: None)
        clamp_max: Upper clamp of regression outputs; ``None`` = the 98th percentile of the
            training labels. (default: None)
        channels: Hidden width of encoders, GNN and head. (default: 128)
        gnn_layers: Number of message-passing layers. (default: 2)
        fanouts: Neighbors sampled per hop; its length must equal ``gnn_layers``.
            (default: [32, 8])
        conv: ``"sage"`` or ``"gat"``. (default: "sage")
        conv_aggregation: Neighbor aggregation of each conv: ``"sum"``, ``"mean"``, ``"max"``
            or several joined with ``+`` (``"sum+mean+max"``). (default: "sum+mean+max")
        hetero_conv_aggregation: How the messages of different edge types into one node type
            are combined: ``"sum"``, ``"mean"``, ``"max"``. (default: "sum")
        gnn_norm: Per-layer normalization: ``"layer_norm"``, ``"batch_norm"`` or ``"none"``.
            (default: "layer_norm")
        gat_heads: Attention heads when ``conv`` is ``"gat"``. (default: 2)
        head_layers: Layers of the MLP head. (default: 2)
        head_norm: Normalization inside the head: ``"batch_norm"``, ``"layer_norm"``,
            ``"none"``. (default: "layer_norm")
        dropout: Dropout after each GNN layer and inside the head. (default: 0.3)
        use_temporal_encoder: Whether node inputs get an encoding of their age relative to
            the seed time. (default: True)
        temporal_strategy: Sampler neighbor choice: ``"uniform"`` or ``"last"`` (most recent).
            (default: "last")
        history_lag_prob: When the validation split is evaluated on a frozen snapshot of the
            database (``visible_until`` of :func:`~relgraph.train.fit_node_task`), the
            fraction of training examples that see the graph as a snapshot that much older
            than their anchor time (lags drawn from the validation examples' own), so the
            model learns to predict from stale history as it will be asked to. No effect
            otherwise. (default: 0.5)
        train_window_days: Train only on the task rows whose anchor time is at most this many
            days before the latest training anchor; ``None`` trains on all of them. Old
            history is often another regime (rel-f1: the larger fields of the 1950s-80s);
            15 years won on validation for rel-f1 position and dnf (top3's table starts in
            1994). (default: 5479, 15 years)
        ema_decay: Node tasks: evaluate, select and return an exponential moving average of
            the weights, updated after every optimizer step with this decay (warmed up as
            ``min(ema_decay, (1 + step) / (10 + step))``); ``None`` uses the raw weights.
            (default: None)
        ensemble_size: Node tasks: train this many models from different seeds and predict
            the mean of their outputs; ``None`` picks 3 for regression (on rel-f1 position
            the mean of 3 cut the MAE on validation and test, and its spread over seeds) and
            1 for classification (no gain there). (default: None)
        num_negative: Sampled negatives per positive (link tasks). (default: 10)
        negative_sampling_strategy: ``"random"`` or ``"degree_based"``. (default: "random")
        text_embedder: Text embedder used when materializing: ``"hashing"`` or ``"minilm"``.
            (default: "hashing")
        id_awareness: Whether the seed nodes get a learned marker added. (default: True)
        shallow_embeddings_list: Tables whose nodes get a learnable embedding. (default: [])
        num_workers: DataLoader worker processes sampling batches. (default: 0)
        amp: Mixed precision on CUDA (ignored on CPU). (default: True)
        num_threads: Torch CPU threads; ``None`` keeps torch's choice. (default: None)
    """

    device: str = "auto"
    seed: int = 42
    n_epochs: int = 12
    max_iters: int | None = None
    train_batch_size: int = 256
    val_batch_size: int = 1024
    eval_every: int = 1
    patience: int | None = 4
    lr: float = 0.002
    T_max: int | None = None
    eta_min: float = 1e-5
    weight_decay: float = 0.0
    optimizer: str = "adamw"
    label_smoothing: bool = False
    label_smoothing_alpha: float = 0.1
    clamp_min: float | None = None
    clamp_max: float | None = None
    channels: int = 128
    gnn_layers: int = 2
    fanouts: tuple[int, ...] = (32, 8)
    conv: str = "sage"
    conv_aggregation: str = "sum+mean+max"
    hetero_conv_aggregation: str = "sum"
    gnn_norm: str = "layer_norm"
    gat_heads: int = 2
    head_layers: int = 2
    head_norm: str = "layer_norm"
    dropout: float = 0.3
    use_temporal_encoder: bool = True
    temporal_strategy: str = "last"
    history_lag_prob: float = 0.5
    train_window_days: int | None = 5479
    ema_decay: float | None = None
    ensemble_size: int | None = None
    num_negative: int = 10
    negative_sampling_strategy: str = "random"
    text_embedder: str = "hashing"
    id_awareness: bool = True
    shallow_embeddings_list: tuple[str, ...] = field(default_factory=tuple)
    num_workers: int = 0
    amp: bool = True
    num_threads: int | None = None

    def __post_init__(self) -> None:
        fanouts = self.fanouts
        if isinstance(fanouts, (str, bytes)) or not hasattr(fanouts, "__iter__"):
            raise ValueError(f"TrainerConfig.fanouts must be a list of ints, found {fanouts!r}")
        object.__setattr__(self, "fanouts", tuple(fanouts))
        object.__setattr__(
            self,
            "shallow_embeddings_list",
            _tuple_of_str(self.shallow_embeddings_list, "shallow_embeddings_list"),
        )
        self._validate()

    def _validate(self) -> None:
        def fail(name: str, expected: str) -> None:
            raise ValueError(
                f"TrainerConfig.{name} must be {expected}, found {getattr(self, name)!r}"
            )

        def check_choice(name: str, choices: tuple[str, ...]) -> None:
            if getattr(self, name) not in choices:
                fail(name, f"one of {list(choices)}")

        def check_int(name: str, minimum: int, optional: bool = False) -> None:
            value = getattr(self, name)
            if optional and value is None:
                return
            if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
                fail(name, f"an integer >= {minimum}" + (" or None" if optional else ""))

        def check_float(name: str, low: float, high: float, optional: bool = False) -> None:
            value = getattr(self, name)
            if optional and value is None:
                return
            if (
                isinstance(value, bool)
                or not isinstance(value, (int, float))
                or not math.isfinite(value)
                or not low <= value <= high
            ):
                fail(name, f"a number in [{low}, {high}]" + (" or None" if optional else ""))

        def check_bool(name: str) -> None:
            if not isinstance(getattr(self, name), bool):
                fail(name, "True or False")

        check_choice("device", DEVICES)
        check_int("seed", 0)
        check_int("n_epochs", 1)
        check_int("max_iters", 1, optional=True)
        check_int("train_batch_size", 1)
        check_int("val_batch_size", 1)
        check_int("eval_every", 1)
        check_int("patience", 1, optional=True)
        check_float("lr", 1e-12, 10.0)
        check_int("T_max", 1, optional=True)
        check_float("eta_min", 0.0, 10.0)
        if self.eta_min > self.lr:
            fail("eta_min", f"at most lr ({self.lr})")
        check_float("weight_decay", 0.0, 10.0)
        check_choice("optimizer", OPTIMIZERS)
        check_bool("label_smoothing")
        check_float("label_smoothing_alpha", 0.0, 0.999)
        check_float("clamp_min", -math.inf, math.inf, optional=True)
        check_float("clamp_max", -math.inf, math.inf, optional=True)
        if (
            self.clamp_min is not None
            and self.clamp_max is not None
            and self.clamp_min > self.clamp_max
        ):
            fail("clamp_min", f"at most clamp_max ({self.clamp_max})")
        check_int("channels", 1)
        check_int("gnn_layers", 1)
        if not all(isinstance(f, int) and not isinstance(f, bool) and f >= 1 for f in self.fanouts):
            fail("fanouts", "a list of integers >= 1")
        if len(self.fanouts) != self.gnn_layers:
            fail("fanouts", f"a list of gnn_layers ({self.gnn_layers}) integers")
        ModelConfig.check_conv(self.conv, lambda expected: fail("conv", expected))
        ModelConfig.check_aggregation(
            self.conv_aggregation, lambda expected: fail("conv_aggregation", expected)
        )
        ModelConfig.check_hetero_aggregation(
            self.hetero_conv_aggregation,
            lambda expected: fail("hetero_conv_aggregation", expected),
        )
        ModelConfig.check_norm(self.gnn_norm, lambda expected: fail("gnn_norm", expected))
        ModelConfig.check_norm(self.head_norm, lambda expected: fail("head_norm", expected))
        check_int("gat_heads", 1)
        check_int("head_layers", 1)
        check_float("dropout", 0.0, 0.99)
        check_bool("use_temporal_encoder")
        check_choice("temporal_strategy", TEMPORAL_STRATEGIES)
        check_float("history_lag_prob", 0.0, 1.0)
        check_int("train_window_days", 1, optional=True)
        check_float("ema_decay", 0.0, 0.99999, optional=True)
        check_int("ensemble_size", 1, optional=True)
        check_int("num_negative", 1)
        check_choice("negative_sampling_strategy", NEGATIVE_SAMPLING_STRATEGIES)
        check_choice("text_embedder", TEXT_EMBEDDERS)
        check_bool("id_awareness")
        check_int("num_workers", 0)
        check_bool("amp")
        check_int("num_threads", 1, optional=True)

    @property
    def cosine_period(self) -> int:
        """The cosine annealing period in epochs (``T_max`` or ``n_epochs``)."""
        return self.T_max if self.T_max is not None else self.n_epochs

    def model_config(self) -> ModelConfig:
        """Returns the model part of this configuration (the fields it shares with
        :class:`~relgraph.nn.ModelConfig`)."""
        return ModelConfig(
            **{f.name: getattr(self, f.name) for f in dataclasses.fields(ModelConfig)}
        )

    def replace(self, **changes: Any) -> TrainerConfig:
        """Returns a copy with ``changes`` applied (validated again).

        Raises:
            ValueError: If a change names no field or gives an invalid value.
        """
        unknown = sorted(set(changes) - {f.name for f in dataclasses.fields(self)})
        if unknown:
            raise ValueError(f"TrainerConfig has no field(s) {unknown}")
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """Returns the configuration as a JSON-ready dict (tuples become lists)."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            out[f.name] = list(value) if isinstance(value, tuple) else value
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainerConfig:
        """Builds a configuration from a dict; missing keys keep their defaults.

        Raises:
            ValueError: If a key names no field or a value is invalid.
        """
        if not isinstance(data, dict):
            raise ValueError(f"TrainerConfig.from_dict expects a dict, found {type(data).__name__}")
        unknown = sorted(set(data) - {f.name for f in dataclasses.fields(cls)})
        if unknown:
            raise ValueError(f"TrainerConfig has no field(s) {unknown}")
        return cls(**data)

    def to_json(self) -> str:
        """Returns the configuration as a JSON string (keys sorted)."""
        return json.dumps(self.to_dict(), sort_keys=True, indent=2)

    @classmethod
    def from_json(cls, text: str) -> TrainerConfig:
        """Parses a configuration written by ``to_json``.

        Raises:
            ValueError: If the text is not a JSON object of known fields with valid values.
        """
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"TrainerConfig JSON is not valid JSON: {exc}") from None
        return cls.from_dict(data)
