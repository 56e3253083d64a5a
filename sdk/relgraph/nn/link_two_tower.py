"""``TwoTowerLinkModel``: source GNN embedding · target embedding, for link prediction."""

from __future__ import annotations

import dataclasses

import torch
from torch import Tensor
from torch_frame import TensorFrame
from torch_geometric.data import HeteroData

from relgraph.nn.config import ModelConfig
from relgraph.nn.encoder import HeteroEncoder
from relgraph.nn.head import MLPHead
from relgraph.nn.node_model import NodeModel
from relgraph.nn.spec import GraphSpec, module_key
from relgraph.typing import NodeType

EMBEDDING_STD = 1.0
"""Initial spread of the target embeddings: wide enough that the targets are told apart from
the first step (at NodeModel's 0.1 the dot products start near zero and training crawls)."""


class TwoTowerLinkModel(torch.nn.Module):
    """Scores (source, target) pairs by the dot product of two embeddings.

    The source tower is a :class:`~relgraph.nn.NodeModel` over the source's sampled subgraph
    at the anchor time, with a ``channels``-wide output. The target tower is either static or
    temporal:

    * static (``target_layers=0``): the target node's own features (pytorch-frame encoders)
      plus a learnable shallow embedding per target node, then an MLP. It needs no subgraph,
      so every target is scored against every source with one matrix product (RelBench's
      ``gnn_link.py --use_shallow`` without the targets' neighborhoods).
    * temporal (``target_layers>0``): a second :class:`~relgraph.nn.NodeModel` over the
      target's own sampled subgraph at the row's anchor time (RelBench's ``gnn_link.py``),
      plus the shallow embedding, so a target's score can follow what happened to it
      recently (e.g. whether a circuit still hosts races).

    The source tower adds the same shallow target embedding to the target nodes of the
    source's subgraph (weights tied), so past links point the source toward those targets.

    Args:
        spec: The graph's description.
        source_type: The node type of the sources (the task's entity table).
        target_type: The node type of the ranked targets.
        config: The architecture (default: ``ModelConfig()``).
        target_layers: GNN layers of the temporal target tower; ``0`` for the static tower
            (default: ``0``).

    Raises:
        ValueError: If ``source_type`` or ``target_type`` is not a node type of ``spec``, or
            ``target_layers`` is negative.
    """

    def __init__(
        self,
        spec: GraphSpec,
        source_type: NodeType,
        target_type: NodeType,
        config: ModelConfig | None = None,
        *,
        target_layers: int = 0,
    ) -> None:
        super().__init__()
        config = config if config is not None else ModelConfig()
        spec.check_node_type(source_type, "source_type")
        spec.check_node_type(target_type, "target_type")
        if (
            isinstance(target_layers, bool)
            or not isinstance(target_layers, int)
            or target_layers < 0
        ):
            raise ValueError(f"target_layers must be an integer >= 0, found {target_layers!r}")
        self.target_layers = target_layers
        self.source_type = source_type
        self.target_type = target_type
        self.config = config
        self.num_targets = spec.num_nodes[target_type]
        channels = config.channels
        shallow = tuple(dict.fromkeys((*config.shallow_embeddings_list, target_type)))
        self.source = NodeModel(
            spec,
            source_type,
            channels,
            dataclasses.replace(config, shallow_embeddings_list=shallow),
        )
        # One table for both towers: the source GNN sees the same target vectors in the
        # source's history that the dot product scores.
        self.target_embedding = self.source.shallow[module_key(target_type)]
        self.target_encoder: HeteroEncoder | None = None
        self.target_gnn: NodeModel | None = None
        if target_layers:
            self.target_gnn = NodeModel(
                spec,
                target_type,
                channels,
                dataclasses.replace(
                    config, gnn_layers=target_layers, shallow_embeddings_list=(), id_awareness=False
                ),
            )
        else:
            target_spec = dataclasses.replace(
                spec,
                node_types=(target_type,),
                edge_types=(),
                col_stats={k: v for k, v in spec.col_stats.items() if k == target_type},
                col_names_dict={k: v for k, v in spec.col_names_dict.items() if k == target_type},
            )
            self.target_encoder = HeteroEncoder(target_spec, channels)
        self.target_head: MLPHead | None = None
        if not target_layers:
            self.target_head = MLPHead(
                channels, channels, num_layers=config.head_layers, norm=config.head_norm
            )
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Re-initializes every parameter."""
        self.source.reset_parameters()
        for tower in (self.target_encoder, self.target_head, self.target_gnn):
            if tower is not None:
                tower.reset_parameters()
        torch.nn.init.normal_(self.target_embedding.weight, std=EMBEDDING_STD)

    def source_embeddings(self, batch: HeteroData) -> Tensor:
        """The seeds' embeddings, ``float[num_seeds, channels]``."""
        return self.source(batch)

    def target_embeddings(self, index: Tensor, features: TensorFrame | None) -> Tensor:
        """Static tower: the embeddings of target nodes ``index``, ``float[len(index), C]``.

        Args:
            index: ``int64`` target node indices.
            features: The targets' feature rows, aligned with ``index`` (``None`` when the
                target table has no features).

        Raises:
            RuntimeError: If the model has the temporal target tower.
        """
        if self.target_encoder is None or self.target_head is None:
            raise RuntimeError(
                "this model's target tower reads subgraphs: use target_subgraph_embeddings"
            )
        tf_dict = {} if features is None else {self.target_type: features}
        x = self.target_encoder(tf_dict, {self.target_type: int(index.numel())})
        return self.target_head(x[self.target_type] + self.target_embedding(index))

    def target_subgraph_embeddings(self, batch: HeteroData) -> Tensor:
        """Temporal tower: the embeddings of the seeds of a batch of target subgraphs.

        Args:
            batch: Sampled subgraphs whose seeds are target nodes at the rows' times.

        Returns:
            ``float[num_seeds, channels]``.

        Raises:
            RuntimeError: If the model has the static target tower.
        """
        if self.target_gnn is None:
            raise RuntimeError("this model's target tower is static: use target_embeddings")
        seeds = batch[self.target_type].n_id[: int(batch[self.target_type].num_seeds)]
        return self.target_gnn(batch) + self.target_embedding(seeds)

    def forward(self, batch: HeteroData, index: Tensor, features: TensorFrame | None) -> Tensor:
        """Static tower: scores every seed of ``batch`` against every target of ``index``.

        Returns:
            ``float[num_seeds, len(index)]`` scores (higher ranks first).
        """
        return self.source_embeddings(batch) @ self.target_embeddings(index, features).t()

    def __repr__(self) -> str:
        return (
            f"{self.__class__.__name__}(source_type={self.source_type!r}, "
            f"target_type={self.target_type!r}, channels={self.config.channels}, "
            f"target_layers={self.target_layers})"
        )
