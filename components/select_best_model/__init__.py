"""The ``select_best_model`` component."""

from relgraph.components.select_best_model.component import select_best_model

__all__ = ["select_best_model"]
