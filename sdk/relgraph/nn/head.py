"""``MLPHead``: the prediction head applied to the seed nodes' embeddings."""

from __future__ import annotations

import torch
from torch import Tensor
from torch_geometric.nn import MLP


class MLPHead(torch.nn.Module):
    """A multi-layer perceptron from ``channels`` to ``out_channels``.

    Args:
        channels: Input (and hidden) width.
        out_channels: Output width.
        num_layers: Linear layers; ``1`` is a single linear layer (default: 2).
        norm: ``"layer_norm"``, ``"batch_norm"`` or ``"none"`` between layers
            (default: "layer_norm").
        dropout: Dropout between layers (default: 0.0).
    """

    def __init__(
        self,
        channels: int,
        out_channels: int,
        num_layers: int = 2,
        norm: str = "layer_norm",
        dropout: float = 0.0,
    ) -> None:
        super().__init__()
        self.mlp = MLP(
            in_channels=channels,
            hidden_channels=channels,
            out_channels=out_channels,
            num_layers=num_layers,
            norm=None if norm == "none" else norm,
            # Per row: PyG's LayerNorm defaults to one mean/variance over the whole batch,
            # which would make a prediction depend on the other rows of its batch.
            norm_kwargs={"mode": "node"} if norm == "layer_norm" else None,
            dropout=dropout,
        )

    def reset_parameters(self) -> None:
        """Re-initializes the layers."""
        self.mlp.reset_parameters()

    @property
    def output_layer(self) -> torch.nn.Linear:
        """The last linear layer (whose bias can be set to a label prior)."""
        return self.mlp.lins[-1]

    def forward(self, x: Tensor) -> Tensor:
        """Returns ``float[n, out_channels]``."""
        return self.mlp(x)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}({self.mlp})"
