"""``HeteroGNN``: heterogeneous message passing over sampled temporal subgraphs."""

from __future__ import annotations

import torch
from torch import Tensor
from torch_geometric.nn import BatchNorm, GATConv, HeteroConv, LayerNorm, SAGEConv
from torch_geometric.utils import trim_to_layer

from relgraph.nn.config import parse_aggregation
from relgraph.nn.spec import module_key
from relgraph.typing import EdgeType, NodeType


def _make_norm(norm: str, channels: int) -> torch.nn.Module:
    if norm == "layer_norm":
        return LayerNorm(channels, mode="node")
    if norm == "batch_norm":
        return BatchNorm(channels)
    return torch.nn.Identity()


class HeteroGNN(torch.nn.Module):
    """Layers of ``HeteroConv`` (one conv per edge type), each followed by a per-node-type
    normalization, ReLU, dropout and a residual connection.

    Batches from :class:`~relgraph.graph.TemporalNeighborSampler` store nodes and edges hop
    by hop; layer ``i`` is trimmed to the hops that still influence the seeds (PyG's
    ``trim_to_layer``); given the seed type, the last layer only updates the seeds. Every
    node type has one root (self) linear map, shared by its incoming edge types, instead of
    one per edge type as ``SAGEConv``'s ``root_weight`` would give.

    Args:
        node_types: The node types.
        edge_types: The edge types ``(src, relation, dst)``.
        channels: Width of the node states.
        num_layers: Message-passing layers.
        conv: ``"sage"`` (``SAGEConv``) or ``"gat"`` (``GATConv``) (default: "sage").
        aggr: Neighbor aggregation of ``SAGEConv``; several joined with ``+`` are
            concatenated (PyG ``MultiAggregation``) (default: "sum"). Ignored by ``"gat"``.
        hetero_aggr: How the outputs of the edge types into a node type are combined
            (default: "sum").
        norm: ``"layer_norm"``, ``"batch_norm"`` or ``"none"`` (default: "layer_norm").
        heads: Attention heads of ``"gat"`` (averaged) (default: 2).
        dropout: Dropout after each layer (default: 0.0).
    """

    def __init__(
        self,
        node_types: list[NodeType],
        edge_types: list[EdgeType],
        channels: int,
        num_layers: int,
        *,
        conv: str = "sage",
        aggr: str = "sum",
        hetero_aggr: str = "sum",
        norm: str = "layer_norm",
        heads: int = 2,
        dropout: float = 0.0,
    ) -> None:
        super().__init__()
        self.channels = channels
        self.num_layers = num_layers
        self.conv_name = conv
        self.dropout = torch.nn.Dropout(dropout)
        aggregations = parse_aggregation(aggr)
        sage_aggr: str | list[str] = aggregations[0] if len(aggregations) == 1 else aggregations
        self.convs = torch.nn.ModuleList()
        self.norms = torch.nn.ModuleList()
        self.roots = torch.nn.ModuleList()
        for _ in range(num_layers):
            if conv == "gat":
                convs = {
                    et: GATConv(
                        (channels, channels),
                        channels,
                        heads=heads,
                        concat=False,
                        add_self_loops=False,
                    )
                    for et in edge_types
                }
            else:
                convs = {
                    et: SAGEConv((channels, channels), channels, aggr=sage_aggr, root_weight=False)
                    for et in edge_types
                }
            self.convs.append(HeteroConv(convs, aggr=hetero_aggr))
            self.roots.append(
                torch.nn.ModuleDict(
                    {module_key(nt): torch.nn.Linear(channels, channels) for nt in node_types}
                )
            )
            self.norms.append(
                torch.nn.ModuleDict(
                    {module_key(nt): _make_norm(norm, channels) for nt in node_types}
                )
            )
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Re-initializes every conv and normalization."""
        for conv in self.convs:
            conv.reset_parameters()
        for roots in self.roots:
            for root in roots.values():
                root.reset_parameters()
        for norms in self.norms:
            for norm in norms.values():
                if hasattr(norm, "reset_parameters"):
                    norm.reset_parameters()

    def forward(
        self,
        x_dict: dict[NodeType, Tensor],
        edge_index_dict: dict[EdgeType, Tensor],
        num_sampled_nodes_dict: dict[NodeType, list[int]] | None = None,
        num_sampled_edges_dict: dict[EdgeType, list[int]] | None = None,
        seed_type: NodeType | None = None,
        num_seeds: int | None = None,
    ) -> dict[NodeType, Tensor]:
        """Runs the layers.

        Args:
            x_dict: ``float[num_nodes, channels]`` per node type.
            edge_index_dict: ``int64[2, E]`` local indices per edge type.
            num_sampled_nodes_dict: Nodes per hop per node type; with
                ``num_sampled_edges_dict``, enables trimming (default: None, no trimming).
            num_sampled_edges_dict: Edges per hop per edge type (default: None).
            seed_type: The seeds' node type; with ``num_seeds``, the last layer only updates
                the first ``num_seeds`` nodes of that type and returns only them
                (default: None, every node is updated).
            num_seeds: The number of seeds (default: None).

        Returns:
            The updated node states per node type (trimmed: the first nodes of each type,
            the seeds among them, keep their positions).
        """
        trim = num_sampled_nodes_dict is not None and num_sampled_edges_dict is not None
        layers = zip(self.convs, self.norms, self.roots, strict=True)
        for layer, (conv, norms, roots) in enumerate(layers):
            if trim:
                x_dict, edge_index_dict, _ = trim_to_layer(
                    layer, num_sampled_nodes_dict, num_sampled_edges_dict, x_dict, edge_index_dict
                )
            last = layer == self.num_layers - 1 and seed_type is not None and num_seeds is not None
            if last:
                # Only the seeds are read out after the last layer: skip every other update.
                seed_key = module_key(seed_type)
                x_dst = x_dict[seed_type][:num_seeds]
                edges = {}
                for et, index in edge_index_dict.items():
                    if et[2] == seed_type:
                        keep = index[1] < num_seeds
                        edges[et] = index[:, keep]
                messages = conv({**x_dict, seed_type: x_dict[seed_type]}, edges)
                h = messages.get(seed_type)
                h = roots[seed_key](x_dst) if h is None else h[:num_seeds] + roots[seed_key](x_dst)
                h = norms[seed_key](h)
                x_dict = {seed_type: self.dropout(h.relu()) + x_dst}
                break
            out = conv(x_dict, edge_index_dict)
            new_x: dict[NodeType, Tensor] = {}
            for node_type, x in x_dict.items():
                if x.shape[0] == 0:
                    new_x[node_type] = x
                    continue
                h = roots[module_key(node_type)](x)
                if node_type in out:
                    h = h + out[node_type]
                h = norms[module_key(node_type)](h)
                new_x[node_type] = self.dropout(h.relu()) + x
            x_dict = new_x
        return x_dict

    def __repr__(self) -> str:
        return (
            f"{self.__class__.__name__}(conv={self.conv_name}, channels={self.channels}, "
            f"num_layers={self.num_layers})"
        )
