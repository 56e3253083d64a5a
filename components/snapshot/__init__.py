"""The ``snapshot`` component."""

from relgraph.components.snapshot.component import snapshot

__all__ = ["snapshot"]
