"""``NodeModel``: encoders + temporal encoder + heterogeneous GNN + head for node tasks."""

from __future__ import annotations

import torch
from torch import Tensor
from torch_geometric.data import HeteroData

from relgraph.nn.config import ModelConfig
from relgraph.nn.encoder import HeteroEncoder
from relgraph.nn.gnn import HeteroGNN
from relgraph.nn.head import MLPHead
from relgraph.nn.spec import GraphSpec, module_key
from relgraph.nn.temporal import TemporalEncoder
from relgraph.typing import NodeType


class NodeModel(torch.nn.Module):
    """Predicts a target for seed nodes of one node type from their sampled subgraphs.

    Node inputs are the per-type feature encodings, plus (options) an encoding of each node's
    age relative to its seed, a learnable shallow embedding for chosen node types, and a
    learned marker on the seed nodes (ID-awareness). A heterogeneous GNN mixes them and an MLP
    head reads the seeds out.

    Args:
        spec: The graph's description.
        entity_type: The node type of the seeds.
        out_channels: Output width (1 for binary and regression, classes / labels otherwise).
        config: The architecture (default: ``ModelConfig()``).

    Raises:
        ValueError: If ``entity_type`` or a shallow embedding table is not a node type, or
            ``out_channels`` is not positive.
    """

    def __init__(
        self,
        spec: GraphSpec,
        entity_type: NodeType,
        out_channels: int,
        config: ModelConfig | None = None,
    ) -> None:
        super().__init__()
        config = config if config is not None else ModelConfig()
        spec.check_node_type(entity_type, "entity_type")
        for table in config.shallow_embeddings_list:
            spec.check_node_type(table, "shallow_embeddings_list entry")
        if out_channels < 1:
            raise ValueError(f"out_channels must be >= 1, found {out_channels}")
        self.spec = spec
        self.entity_type = entity_type
        self.out_channels = out_channels
        self.config = config
        channels = config.channels
        self.encoder = HeteroEncoder(spec, channels, dropout=config.dropout)
        self.temporal_encoder = (
            TemporalEncoder(sorted(spec.temporal_types), channels)
            if config.use_temporal_encoder
            else None
        )
        self.shallow = torch.nn.ModuleDict(
            {
                module_key(nt): torch.nn.Embedding(spec.num_nodes[nt], channels)
                for nt in config.shallow_embeddings_list
            }
        )
        self.id_embedding = (
            torch.nn.Parameter(torch.empty(channels)) if config.id_awareness else None
        )
        self.gnn = HeteroGNN(
            list(spec.node_types),
            list(spec.edge_types),
            channels,
            config.gnn_layers,
            conv=config.conv,
            aggr=config.conv_aggregation,
            hetero_aggr=config.hetero_conv_aggregation,
            norm=config.gnn_norm,
            heads=config.gat_heads,
            dropout=config.dropout,
        )
        self.head = MLPHead(
            channels,
            out_channels,
            num_layers=config.head_layers,
            norm=config.head_norm,
            dropout=config.dropout,
        )
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Re-initializes every parameter."""
        self.encoder.reset_parameters()
        if self.temporal_encoder is not None:
            self.temporal_encoder.reset_parameters()
        for embedding in self.shallow.values():
            torch.nn.init.normal_(embedding.weight, std=0.1)
        if self.id_embedding is not None:
            torch.nn.init.normal_(self.id_embedding, std=0.1)
        self.gnn.reset_parameters()
        self.head.reset_parameters()

    def set_output_bias(self, value: Tensor | float) -> None:
        """Sets the head's output bias (e.g. to the training label median for regression)."""
        with torch.no_grad():
            self.head.output_layer.bias.fill_(0.0)
            self.head.output_layer.bias.add_(torch.as_tensor(value, dtype=torch.float32))

    def node_inputs(self, batch: HeteroData) -> tuple[dict[NodeType, Tensor], int]:
        """The nodes' states before message passing: encoded features, plus the temporal
        encoding, shallow embeddings and the seeds' ID marker where configured.

        Args:
            batch: A mini-batch from :class:`~relgraph.graph.TemporalNeighborSampler`.

        Returns:
            ``float[num_nodes, channels]`` per node type, and the number of seeds.

        Raises:
            ValueError: If the batch's seed type is not this model's entity type.
        """
        seed_store = batch[self.entity_type]
        if "num_seeds" not in seed_store:
            raise ValueError(
                f"the batch has no seeds of node type {self.entity_type!r} "
                f"(seed types: {[nt for nt in batch.node_types if 'num_seeds' in batch[nt]]})"
            )
        num_seeds = int(seed_store.num_seeds)
        num_nodes = {nt: int(batch[nt].num_nodes) for nt in batch.node_types}
        tf_dict = {nt: batch[nt].tf for nt in batch.node_types if "tf" in batch[nt]}
        x_dict = self.encoder(tf_dict, num_nodes, {nt: batch[nt].n_id for nt in batch.node_types})
        if self.temporal_encoder is not None:
            encoded = self.temporal_encoder(
                {nt: batch[nt].seed_time for nt in batch.node_types},
                {nt: batch[nt].time for nt in batch.node_types},
            )
            for node_type, rel in encoded.items():
                x_dict[node_type] = x_dict[node_type] + rel
        for node_type in self.config.shallow_embeddings_list:
            embedding = self.shallow[module_key(node_type)]
            x_dict[node_type] = x_dict[node_type] + embedding(batch[node_type].n_id)
        if self.id_embedding is not None:
            x = x_dict[self.entity_type]
            marker = torch.zeros_like(x[:, :1])
            marker[:num_seeds] = 1.0
            x_dict[self.entity_type] = x + marker * self.id_embedding
        return x_dict, num_seeds

    def embed(self, batch: HeteroData) -> Tensor:
        """Returns the seeds' embeddings, ``float[num_seeds, channels]``.

        Args:
            batch: A mini-batch from :class:`~relgraph.graph.TemporalNeighborSampler`.

        Raises:
            ValueError: If the batch's seed type is not this model's entity type.
        """
        x_dict, num_seeds = self.node_inputs(batch)
        x_dict = self.gnn(
            x_dict,
            {et: batch[et].edge_index for et in batch.edge_types},
            {nt: list(batch[nt].num_sampled_nodes) for nt in batch.node_types},
            {et: list(batch[et].num_sampled_edges) for et in batch.edge_types},
            seed_type=self.entity_type,
            num_seeds=num_seeds,
        )
        return x_dict[self.entity_type][:num_seeds]

    def forward(self, batch: HeteroData) -> Tensor:
        """Returns the predictions (logits or values) of the seeds, ``float[num_seeds, out]``."""
        return self.head(self.embed(batch))

    def __repr__(self) -> str:
        return (
            f"{self.__class__.__name__}(entity_type={self.entity_type!r}, "
            f"out_channels={self.out_channels}, channels={self.config.channels}, "
            f"gnn_layers={self.config.gnn_layers}, conv={self.config.conv!r})"
        )
