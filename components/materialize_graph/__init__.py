"""The ``materialize_graph`` component."""

from relgraph.components.materialize_graph.component import materialize_graph

__all__ = ["materialize_graph"]
