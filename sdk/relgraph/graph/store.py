"""The in-memory heterogeneous temporal graph that samplers read and models train on."""

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from torch_frame import TensorFrame
from torch_frame.data.stats import StatType

from relgraph.typing import EdgeType, NodeType

NEVER = np.iinfo(np.int64).max
"""Node time of a row of a temporal table whose time is unknown: it is never visible."""


@dataclass
class NeighborCSR:
    """The incoming neighbors of every destination node of one edge type.

    The neighbors of destination node ``v`` are ``col[rowptr[v]:rowptr[v + 1]]`` (source node
    indices), sorted by source node time, ascending, with static sources first; so the
    neighbors visible at a time form a prefix of each row.

    Args:
        rowptr: ``int64[num_dst_nodes + 1]`` row offsets.
        col: ``int64[num_edges]`` source node indices.
    """

    rowptr: np.ndarray
    col: np.ndarray

    @property
    def num_edges(self) -> int:
        """The number of edges."""
        return int(self.col.shape[0])

    def degrees(self) -> np.ndarray:
        """The in-degree of every destination node."""
        return np.diff(self.rowptr)


@dataclass
class GraphStore:
    """A heterogeneous temporal graph: one node type per table, one node per row.

    For a foreign key ``child.fk -> parent`` there are two edge types,
    ``(child, "f2p_<fk>", parent)`` and ``(parent, "rev_f2p_<fk>", child)``.

    Args:
        num_nodes: Node count per node type.
        node_time: Per node type, ``int64`` seconds since the epoch for every node, or ``None``
            for a static node type (always visible); :data:`NEVER` marks unknown times.
        edges: Neighbors per edge type, keyed ``(src, relation, dst)``.
        features: Encoded node features per node type (a node type may have none).
        col_stats: Per node type with features, pytorch-frame's statistics of each encoded
            column (``{column: {StatType: value}}``), as its stype encoders expect.
    """

    num_nodes: dict[NodeType, int]
    node_time: dict[NodeType, np.ndarray | None]
    edges: dict[EdgeType, NeighborCSR]
    features: dict[NodeType, TensorFrame] = field(default_factory=dict)
    col_stats: dict[NodeType, dict[str, dict[StatType, Any]]] = field(default_factory=dict)

    @property
    def node_types(self) -> list[NodeType]:
        """The node types, in order."""
        return list(self.num_nodes)

    @property
    def edge_types(self) -> list[EdgeType]:
        """The edge types, in order."""
        return list(self.edges)
