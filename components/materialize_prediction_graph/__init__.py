"""The ``materialize_prediction_graph`` component."""

from relgraph.components.materialize_prediction_graph.component import materialize_prediction_graph

__all__ = ["materialize_prediction_graph"]
