"""``GraphSpec``: what a model needs to know about a graph, without the graph's data."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch_frame

from relgraph.graph.store import GraphStore
from relgraph.typing import EdgeType, NodeType


@dataclass(frozen=True)
class GraphSpec:
    """Node and edge types, sizes and feature statistics of a graph (picklable, no arrays).

    Args:
        node_types: The node types, in the store's order.
        edge_types: The edge types ``(src, relation, dst)``, in the store's order.
        num_nodes: Node count per node type.
        temporal_types: Node types whose nodes have times (the others are static).
        col_stats: Per node type with features, pytorch-frame column statistics.
        col_names_dict: Per node type with features, column names per ``torch_frame.stype``.
    """

    node_types: tuple[NodeType, ...]
    edge_types: tuple[EdgeType, ...]
    num_nodes: dict[NodeType, int]
    temporal_types: frozenset[NodeType]
    col_stats: dict[NodeType, dict[str, dict[Any, Any]]]
    col_names_dict: dict[NodeType, dict[torch_frame.stype, list[str]]]

    @classmethod
    def from_store(cls, store: GraphStore) -> GraphSpec:
        """Describes ``store``.

        Raises:
            ValueError: If a node type has features but no column statistics.
        """
        col_names: dict[NodeType, dict[torch_frame.stype, list[str]]] = {}
        for node_type, frame in store.features.items():
            if node_type not in store.col_stats:
                raise ValueError(
                    f"node type {node_type!r} has features but no col_stats in the store"
                )
            col_names[node_type] = {st: list(names) for st, names in frame.col_names_dict.items()}
        return cls(
            node_types=tuple(store.node_types),
            edge_types=tuple(tuple(et) for et in store.edge_types),
            num_nodes={nt: int(n) for nt, n in store.num_nodes.items()},
            temporal_types=frozenset(nt for nt, t in store.node_time.items() if t is not None),
            col_stats={nt: dict(store.col_stats[nt]) for nt in col_names},
            col_names_dict=col_names,
        )

    def check_node_type(self, node_type: NodeType, what: str) -> None:
        """Raises ``ValueError`` naming ``what`` unless ``node_type`` is a node type."""
        if node_type not in self.node_types:
            raise ValueError(
                f"{what} {node_type!r} is not a node type of the graph "
                f"(node types: {list(self.node_types)})"
            )


def module_key(node_type: NodeType) -> str:
    """The key of a node type in a ``ModuleDict`` / ``ParameterDict``.

    Table names may clash with ``ModuleDict`` attributes (``items``, ``keys``, ``values``)
    or hold dots, which module names may not; the key is prefixed and dots replaced.
    """
    return "t_" + node_type.replace(".", "_")
