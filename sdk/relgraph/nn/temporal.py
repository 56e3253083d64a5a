"""``TemporalEncoder``: encodes each node's age relative to its seed's time."""

from __future__ import annotations

import torch
from torch import Tensor
from torch_geometric.nn import PositionalEncoding

from relgraph.nn.spec import module_key
from relgraph.typing import NodeType

SECONDS_PER_DAY = 86_400.0


class TemporalEncoder(torch.nn.Module):
    """Sinusoidal encoding of ``(seed_time - node_time)`` in days, then a linear layer.

    As RelBench's ``HeteroTemporalEncoder``: one encoder per temporal node type; static node
    types get none (their age is always 0).

    Args:
        node_types: The node types that have times.
        channels: Output width.
    """

    def __init__(self, node_types: list[NodeType], channels: int) -> None:
        super().__init__()
        self.channels = channels
        self.node_types = list(node_types)
        self.encodings = torch.nn.ModuleDict(
            {module_key(nt): PositionalEncoding(channels) for nt in node_types}
        )
        self.linears = torch.nn.ModuleDict(
            {module_key(nt): torch.nn.Linear(channels, channels) for nt in node_types}
        )
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Re-initializes the linear layers."""
        for encoding in self.encodings.values():
            encoding.reset_parameters()
        for linear in self.linears.values():
            linear.reset_parameters()

    def forward(
        self, seed_time_dict: dict[NodeType, Tensor], time_dict: dict[NodeType, Tensor]
    ) -> dict[NodeType, Tensor]:
        """Encodes the age of every node of the temporal node types present.

        Args:
            seed_time_dict: Per node type, ``int64`` seed time (seconds) of every node.
            time_dict: Per node type, ``int64`` node time (seconds) of every node.

        Returns:
            ``float[num_nodes, channels]`` per temporal node type.
        """
        out: dict[NodeType, Tensor] = {}
        for node_type in self.node_types:
            if node_type not in time_dict:
                continue
            key = module_key(node_type)
            age = (seed_time_dict[node_type] - time_dict[node_type]).to(torch.float32)
            out[node_type] = self.linears[key](self.encodings[key](age / SECONDS_PER_DAY))
        return out

    def __repr__(self) -> str:
        return (
            f"{self.__class__.__name__}(node_types={len(self.encodings)}, channels={self.channels})"
        )
