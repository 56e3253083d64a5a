"""The model registry: naming, finding, registering, promoting and rolling back models."""

from relgraph.registry.champion import (
    Evaluation,
    evaluate_candidate,
    record_decision,
    register_and_promote,
)
from relgraph.registry.errors import ModelNotFoundError
from relgraph.registry.ref import ModelRef
from relgraph.registry.resolve import ResolvedModel, resolve_model
from relgraph.registry.versions import (
    CANDIDATE,
    CHAMPION,
    RegisteredVersion,
    list_models,
    list_versions,
    promote,
    register_model,
    rollback,
)

__all__ = [
    "CANDIDATE",
    "CHAMPION",
    "Evaluation",
    "ModelNotFoundError",
    "ModelRef",
    "RegisteredVersion",
    "ResolvedModel",
    "evaluate_candidate",
    "list_models",
    "list_versions",
    "promote",
    "record_decision",
    "register_and_promote",
    "register_model",
    "resolve_model",
    "rollback",
]
