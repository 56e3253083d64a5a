"""``IDGNNLinkModel``: ID-aware GNN that scores every target node in the source's subgraph."""

from __future__ import annotations

import dataclasses

import torch
from torch import Tensor
from torch_geometric.data import HeteroData

from relgraph.nn.config import ModelConfig
from relgraph.nn.node_model import NodeModel
from relgraph.nn.spec import GraphSpec
from relgraph.typing import EdgeType, NodeType

_REVERSE_PREFIX = "rev_"


def reverse_edge_type(edge_type: EdgeType) -> EdgeType:
    """The edge type of the opposite direction: ``f2p_<fk>`` <-> ``rev_f2p_<fk>``."""
    src, relation, dst = edge_type
    if relation.startswith(_REVERSE_PREFIX):
        return (dst, relation[len(_REVERSE_PREFIX) :], src)
    return (dst, _REVERSE_PREFIX + relation, src)


def bidirectional_edges(
    edge_index_dict: dict[EdgeType, Tensor], num_nodes: dict[NodeType, int]
) -> dict[EdgeType, Tensor]:
    """Adds to every edge type the flipped edges of its reverse type, without duplicates.

    The sampler stores edges from the sampled neighbor to the node that sampled it, so
    messages flow toward the seeds; ID-GNN needs them to flow outward too, from the marked
    seed to the targets (PyG's ``subgraph_type="bidirectional"``).

    Args:
        edge_index_dict: ``int64[2, E]`` local edges per edge type.
        num_nodes: Node count per node type (to key edges for de-duplication).

    Returns:
        The edges per edge type, each edge once.
    """
    out: dict[EdgeType, Tensor] = {}
    for edge_type, edge_index in edge_index_dict.items():
        reverse = edge_index_dict.get(reverse_edge_type(edge_type))
        if reverse is None or reverse.numel() == 0:
            out[edge_type] = edge_index
            continue
        both = torch.cat([edge_index, reverse.flip(0)], dim=1)
        width = max(num_nodes[edge_type[2]], 1)
        key = torch.unique(both[0] * width + both[1])
        out[edge_type] = torch.stack([key // width, key % width])
    return out


class IDGNNLinkModel(NodeModel):
    """Scores the target nodes reached in each source's sampled subgraph (RelBench's ID-GNN).

    The seed (source) node gets a learned ID marker; a GNN with as many layers as sampled hops
    runs over the subgraph with edges in both directions and without trimming, so every target
    node of the subgraph learns whether and how it connects to the marked seed; an MLP reads
    out one logit per target node. Targets outside the subgraph get no score.

    Args:
        spec: The graph's description.
        source_type: The node type of the sources (seeds).
        target_type: The node type of the ranked targets.
        config: The architecture (default: ``ModelConfig()``); ``id_awareness`` is forced on.

    Raises:
        ValueError: If ``source_type`` or ``target_type`` is not a node type of ``spec``.
    """

    def __init__(
        self,
        spec: GraphSpec,
        source_type: NodeType,
        target_type: NodeType,
        config: ModelConfig | None = None,
    ) -> None:
        config = config if config is not None else ModelConfig()
        spec.check_node_type(target_type, "target_type")
        super().__init__(spec, source_type, 1, dataclasses.replace(config, id_awareness=True))
        self.source_type = source_type
        self.target_type = target_type
        self.num_targets = spec.num_nodes[target_type]

    def node_states(self, batch: HeteroData) -> dict[NodeType, Tensor]:
        """Runs the encoders, the ID marker and the untrimmed bidirectional GNN.

        Returns:
            ``float[num_nodes, channels]`` per node type.

        Raises:
            ValueError: If the batch's seeds are not of the source type.
        """
        x_dict, _ = self.node_inputs(batch)
        num_nodes = {nt: int(batch[nt].num_nodes) for nt in batch.node_types}
        edges = bidirectional_edges(
            {et: batch[et].edge_index for et in batch.edge_types}, num_nodes
        )
        return self.gnn(x_dict, edges)

    def forward(self, batch: HeteroData) -> Tensor:
        """One logit per ``target_type`` node of the batch, ``float[num_target_nodes]``.

        Node ``j`` of the target type belongs to seed ``batch[target_type].batch[j]`` and is
        target node ``batch[target_type].n_id[j]``.
        """
        return self.head(self.node_states(batch)[self.target_type]).squeeze(-1)

    def __repr__(self) -> str:
        return (
            f"{self.__class__.__name__}(source_type={self.source_type!r}, "
            f"target_type={self.target_type!r}, channels={self.config.channels}, "
            f"gnn_layers={self.config.gnn_layers})"
        )
