"""The ``batch_predict`` component."""

from relgraph.components.batch_predict.component import batch_predict

__all__ = ["batch_predict"]
