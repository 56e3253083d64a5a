"""``ModelConfig``: the architecture of a node model (the model part of ``TrainerConfig``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

CONVS = ("sage", "gat")
AGGREGATIONS = ("sum", "mean", "max", "min", "std")
HETERO_AGGREGATIONS = ("sum", "mean", "max", "min")
NORMS = ("layer_norm", "batch_norm", "none")


def parse_aggregation(value: str) -> list[str]:
    """Splits a conv aggregation such as ``"sum+mean+max"`` into its parts."""
    return [part.strip() for part in value.split("+")]


@dataclass(frozen=True)
class ModelConfig:
    """Architecture of a node model.

    Args:
        channels: Hidden width. (default: 128)
        gnn_layers: Message-passing layers. (default: 2)
        conv: ``"sage"`` or ``"gat"``. (default: "sage")
        conv_aggregation: Neighbor aggregation, one of ``sum, mean, max, min, std`` or several
            joined with ``+``. (default: "sum+mean+max")
        hetero_conv_aggregation: Combination across edge types. (default: "sum")
        gnn_norm: ``"layer_norm"``, ``"batch_norm"`` or ``"none"``. (default: "layer_norm")
        gat_heads: Attention heads for ``conv="gat"``. (default: 2)
        head_layers: Layers of the MLP head. (default: 2)
        head_norm: Normalization inside the head. (default: "layer_norm")
        dropout: Dropout after each GNN layer and inside the head. (default: 0.3)
        use_temporal_encoder: Add an encoding of each node's age to its input. (default: True)
        id_awareness: Add a learned marker to the seed nodes. (default: True)
        shallow_embeddings_list: Node types with a learnable per-node embedding. (default: ())

    Raises:
        ValueError: If a field is out of range; the message names it and the value.
    """

    channels: int = 128
    gnn_layers: int = 2
    conv: str = "sage"
    conv_aggregation: str = "sum+mean+max"
    hetero_conv_aggregation: str = "sum"
    gnn_norm: str = "layer_norm"
    gat_heads: int = 2
    head_layers: int = 2
    head_norm: str = "layer_norm"
    dropout: float = 0.3
    use_temporal_encoder: bool = True
    id_awareness: bool = True
    shallow_embeddings_list: tuple[str, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        object.__setattr__(self, "shallow_embeddings_list", tuple(self.shallow_embeddings_list))

        def fail_for(name: str) -> Callable[[str], None]:
            def fail(expected: str) -> None:
                raise ValueError(
                    f"ModelConfig.{name} must be {expected}, found {getattr(self, name)!r}"
                )

            return fail

        for name in ("channels", "gnn_layers", "gat_heads", "head_layers"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                fail_for(name)("an integer >= 1")
        if not 0.0 <= float(self.dropout) < 1.0:
            fail_for("dropout")("a number in [0, 1)")
        self.check_conv(self.conv, fail_for("conv"))
        self.check_aggregation(self.conv_aggregation, fail_for("conv_aggregation"))
        self.check_hetero_aggregation(
            self.hetero_conv_aggregation, fail_for("hetero_conv_aggregation")
        )
        self.check_norm(self.gnn_norm, fail_for("gnn_norm"))
        self.check_norm(self.head_norm, fail_for("head_norm"))

    @staticmethod
    def check_conv(value: str, fail: Callable[[str], None]) -> None:
        """Calls ``fail(expected)`` unless ``value`` names a known conv."""
        if value not in CONVS:
            fail(f"one of {list(CONVS)}")

    @staticmethod
    def check_aggregation(value: str, fail: Callable[[str], None]) -> None:
        """Calls ``fail(expected)`` unless ``value`` is a ``+``-joined list of aggregations."""
        parts = parse_aggregation(value) if isinstance(value, str) else [None]
        if not parts or any(p not in AGGREGATIONS for p in parts) or len(set(parts)) != len(parts):
            fail(f"one or more (joined with '+') of {list(AGGREGATIONS)}")

    @staticmethod
    def check_hetero_aggregation(value: str, fail: Callable[[str], None]) -> None:
        """Calls ``fail(expected)`` unless ``value`` is a known cross-edge-type aggregation."""
        if value not in HETERO_AGGREGATIONS:
            fail(f"one of {list(HETERO_AGGREGATIONS)}")

    @staticmethod
    def check_norm(value: str, fail: Callable[[str], None]) -> None:
        """Calls ``fail(expected)`` unless ``value`` names a known normalization."""
        if value not in NORMS:
            fail(f"one of {list(NORMS)}")
