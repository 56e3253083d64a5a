"""The ``infer_schema`` component."""

from relgraph.components.infer_schema.component import infer_schema

__all__ = ["infer_schema"]
