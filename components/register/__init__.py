"""The ``register`` component."""

from relgraph.components.register.component import register

__all__ = ["register"]
