"""The ``train`` component."""

from relgraph.components.train.component import train

__all__ = ["train"]
