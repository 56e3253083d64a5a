"""The ``evaluate`` component."""

from relgraph.components.evaluate.component import evaluate

__all__ = ["evaluate"]
