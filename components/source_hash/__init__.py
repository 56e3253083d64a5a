"""The ``source_hash`` component."""

from relgraph.components.source_hash.component import source_hash

__all__ = ["source_hash"]
