"""The ``resolve_model`` component."""

from relgraph.components.resolve_model.component import resolve_model

__all__ = ["resolve_model"]
