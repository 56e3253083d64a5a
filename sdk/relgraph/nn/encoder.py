"""``HeteroEncoder``: encodes every node type's TensorFrame into ``channels``-wide vectors."""

from __future__ import annotations

from typing import Any

import torch
import torch_frame
from torch import Tensor
from torch_frame import TensorFrame
from torch_frame.data.stats import StatType
from torch_frame.nn import (
    EmbeddingEncoder,
    LinearEmbeddingEncoder,
    LinearEncoder,
    MultiCategoricalEmbeddingEncoder,
    ResNet,
    TimestampEncoder,
)

from relgraph.nn.spec import GraphSpec, module_key
from relgraph.typing import NodeType


def default_stype_encoders() -> dict[torch_frame.stype, torch_frame.nn.StypeEncoder]:
    """The stype encoders RelBench's HeteroEncoder uses, one per semantic type."""
    return {
        torch_frame.categorical: EmbeddingEncoder(),
        torch_frame.numerical: LinearEncoder(),
        torch_frame.multicategorical: MultiCategoricalEmbeddingEncoder(),
        torch_frame.embedding: LinearEmbeddingEncoder(),
        torch_frame.timestamp: TimestampEncoder(),
    }


def _usable_columns(
    names: dict[torch_frame.stype, list[str]], stats: dict[str, dict[Any, Any]]
) -> tuple[dict[torch_frame.stype, list[str]], dict[torch_frame.stype, list[int]]]:
    """Drops timestamp columns that had no value when the statistics were fitted.

    pytorch-frame's timestamp encoder fills missing values with the median time; for a
    column with no visible value at all (e.g. a practice-session date that only exists after
    the encoder cutoff) that median is itself missing and the encoder fails, and the column
    carries no information the encoders were fitted on anyway.

    Returns:
        The kept column names per stype, and, for stypes that lost columns, the kept indices.
    """
    kept_names: dict[torch_frame.stype, list[str]] = {}
    keep: dict[torch_frame.stype, list[int]] = {}
    for stype, columns in names.items():
        if stype != torch_frame.timestamp:
            kept_names[stype] = list(columns)
            continue
        indices = [
            i
            for i, column in enumerate(columns)
            if bool((torch.as_tensor(stats[column][StatType.MEDIAN_TIME]) >= 0).all())
        ]
        if indices:
            kept_names[stype] = [columns[i] for i in indices]
        if len(indices) != len(columns):
            keep[stype] = indices
    return kept_names, keep


def _select_columns(frame: TensorFrame, keep: dict[torch_frame.stype, list[int]]) -> TensorFrame:
    """Returns ``frame`` restricted to the kept columns of the stypes named in ``keep``."""
    if not keep:
        return frame
    feat_dict = dict(frame.feat_dict)
    col_names = dict(frame.col_names_dict)
    for stype, indices in keep.items():
        if not indices:
            del feat_dict[stype]
            del col_names[stype]
        else:
            feat_dict[stype] = feat_dict[stype][:, indices]
            col_names[stype] = [col_names[stype][i] for i in indices]
    return TensorFrame(feat_dict, col_names, frame.y)


def _unique_rows(n_id: Tensor) -> tuple[Tensor, Tensor] | None:
    """``(one position per distinct id, inverse)``, or ``None`` when deduplicating would save
    less than half of the rows (gathering TensorFrame rows is not free)."""
    unique, inverse = torch.unique(n_id, return_inverse=True)
    if 2 * unique.numel() > n_id.numel():
        return None
    first = torch.empty_like(unique).scatter_(
        0, inverse, torch.arange(n_id.numel(), device=n_id.device)
    )
    return first, inverse


class HeteroEncoder(torch.nn.Module):
    """Per node type, pytorch-frame stype encoders followed by a ResNet over the columns.

    A node type without features gets one learned vector shared by all its nodes.

    Args:
        spec: The graph's description (column statistics and names per node type).
        channels: Output width.
        num_layers: ResNet blocks after the column encoders (default: 1).
        dropout: Dropout inside the ResNet blocks (default: 0.2, pytorch-frame's).
    """

    def __init__(
        self, spec: GraphSpec, channels: int, num_layers: int = 1, dropout: float = 0.2
    ) -> None:
        super().__init__()
        self.channels = channels
        self.encoders = torch.nn.ModuleDict()
        self.constants = torch.nn.ParameterDict()
        self._keep: dict[NodeType, dict[torch_frame.stype, list[int]]] = {}
        for node_type in spec.node_types:
            if node_type in spec.col_names_dict:
                names, keep = _usable_columns(
                    spec.col_names_dict[node_type], spec.col_stats[node_type]
                )
                self._keep[node_type] = keep
                self.encoders[module_key(node_type)] = ResNet(
                    channels=channels,
                    out_channels=channels,
                    num_layers=num_layers,
                    dropout_prob=dropout,
                    col_stats=spec.col_stats[node_type],
                    col_names_dict=names,
                    stype_encoder_dict={
                        st: enc for st, enc in default_stype_encoders().items() if st in names
                    },
                )
            else:
                self.constants[module_key(node_type)] = torch.nn.Parameter(torch.empty(channels))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Re-initializes every encoder."""
        for encoder in self.encoders.values():
            encoder.reset_parameters()
        for constant in self.constants.values():
            torch.nn.init.normal_(constant, std=0.1)

    def forward(
        self,
        tf_dict: dict[NodeType, TensorFrame],
        num_nodes: dict[NodeType, int],
        n_id_dict: dict[NodeType, Tensor] | None = None,
    ) -> dict[NodeType, Tensor]:
        """Encodes the nodes of every node type.

        Args:
            tf_dict: Features per node type with features.
            num_nodes: Node count per node type (for node types without features).
            n_id_dict: Global node ids per node type; when given, a row that appears several
                times in a batch (a race reached from many results) is encoded once
                (default: None).

        Returns:
            ``float[num_nodes, channels]`` per node type.
        """
        out: dict[NodeType, Tensor] = {}
        for node_type, n in num_nodes.items():
            key = module_key(node_type)
            if key in self.encoders:
                frame = _select_columns(tf_dict[node_type], self._keep[node_type])
                if frame.num_rows == 0:
                    out[node_type] = self._empty(0)
                    continue
                n_id = n_id_dict.get(node_type) if n_id_dict is not None else None
                unique = _unique_rows(n_id) if n_id is not None else None
                if unique is None:
                    out[node_type] = self.encoders[key](frame)
                else:
                    first, inverse = unique
                    out[node_type] = self.encoders[key](frame[first])[inverse]
            else:
                out[node_type] = self.constants[key].unsqueeze(0).expand(n, -1)
        return out

    def _empty(self, n: int) -> Tensor:
        reference = next(self.parameters())
        return reference.new_zeros((n, self.channels))

    def __repr__(self) -> str:
        return (
            f"{self.__class__.__name__}(node_types={len(self.encoders) + len(self.constants)}, "
            f"channels={self.channels})"
        )
