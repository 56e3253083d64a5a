"""``NodeEnsemble``: node models trained from different seeds, predicting their mean output."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor
from torch_geometric.data import HeteroData

from relgraph.nn.node_model import NodeModel


class NodeEnsemble(torch.nn.Module):
    """Averages the outputs (logits or values) of node models of one task.

    It has :class:`NodeModel`'s prediction interface (``embed``, ``head``, ``forward``), so
    whatever predicts with a node model predicts with an ensemble.

    Args:
        members: The trained models (same entity type and output width).

    Raises:
        ValueError: If there are fewer than two members or they predict different things.
    """

    def __init__(self, members: Sequence[NodeModel]) -> None:
        super().__init__()
        if len(members) < 2:
            raise ValueError(f"a NodeEnsemble needs >= 2 members, found {len(members)}")
        kinds = {(m.entity_type, m.out_channels) for m in members}
        if len(kinds) > 1:
            raise ValueError(f"ensemble members predict different things: {sorted(kinds)}")
        self.members = torch.nn.ModuleList(members)

    def embed(self, batch: HeteroData) -> Tensor:
        """The members' seed embeddings side by side, ``float[num_seeds, members * channels]``."""
        return torch.cat([member.embed(batch) for member in self.members], dim=-1)

    def head(self, state: Tensor) -> Tensor:
        """The mean of the members' heads, each on its own part of ``state``."""
        widths = [member.config.channels for member in self.members]
        parts = torch.split(state, widths, dim=-1)
        return torch.stack(
            [m.head(part) for m, part in zip(self.members, parts, strict=True)]
        ).mean(dim=0)

    def forward(self, batch: HeteroData) -> Tensor:
        """The mean of the members' outputs, ``float[num_seeds, out]``."""
        return self.head(self.embed(batch))

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(members={len(self.members)}, member={self.members[0]!r})"
