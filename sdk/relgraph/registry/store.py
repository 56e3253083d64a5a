"""Lookups in MLflow's model registry that fail with :class:`ModelNotFoundError`, naming what
was asked for and what exists.

mlflow is imported inside functions: importing :mod:`relgraph.registry` stays fast.
"""

from typing import TYPE_CHECKING

from relgraph.registry.errors import ModelNotFoundError
from relgraph.train.tracking import resolve_tracking_uri

if TYPE_CHECKING:
    from mlflow import MlflowClient
    from mlflow.entities.model_registry import ModelVersion, RegisteredModel

_SHOWN = 20
"""How many existing names, versions or aliases an error lists."""


def client_for(tracking_uri: str | None) -> tuple["MlflowClient", str]:
    """An MLflow client and the (resolved) tracking URI it talks to; the registry is the
    tracking store.

    Args:
        tracking_uri: Any MLflow tracking URI (``None``: ``MLFLOW_TRACKING_URI``, else the
            embedded ``sqlite:///.relgraph/mlflow.db``).
    """
    from mlflow import MlflowClient

    uri = resolve_tracking_uri(tracking_uri)
    return MlflowClient(tracking_uri=uri, registry_uri=uri), uri


def _listing(items: list[str]) -> str:
    shown = ", ".join(repr(i) for i in items[:_SHOWN])
    more = f" and {len(items) - _SHOWN} more" if len(items) > _SHOWN else ""
    return f"[{shown}{more}]" if items else "none"


def _missing(exc: Exception) -> bool:
    """Whether an MLflow error says that the thing does not exist."""
    return getattr(exc, "error_code", "") == "RESOURCE_DOES_NOT_EXIST"


def registered_model(client: "MlflowClient", name: str) -> "RegisteredModel":
    """The registered model ``name``.

    Raises:
        ModelNotFoundError: If there is none, listing the registered names.
    """
    from mlflow.exceptions import MlflowException

    try:
        return client.get_registered_model(name)
    except MlflowException as exc:
        if not _missing(exc):
            raise
    names = sorted(m.name for m in client.search_registered_models())
    raise ModelNotFoundError(
        f"no registered model named '{name}' (registered models: {_listing(names)})"
    )


def model_versions(client: "MlflowClient", name: str) -> list["ModelVersion"]:
    """Every version of registered model ``name``, oldest first.

    Raises:
        ModelNotFoundError: If the name is not registered.
    """
    registered_model(client, name)
    versions = client.search_model_versions(f"name = '{quote(name)}'")
    return sorted(versions, key=lambda v: int(v.version))


def model_version(client: "MlflowClient", name: str, version: str) -> "ModelVersion":
    """Version ``version`` of ``name``.

    Raises:
        ModelNotFoundError: If the name is not registered or has no such version, listing
            what exists.
    """
    from mlflow.exceptions import MlflowException

    try:
        return client.get_model_version(name, str(version))
    except MlflowException as exc:
        if not _missing(exc):
            raise
    versions = [str(v.version) for v in model_versions(client, name)]
    raise ModelNotFoundError(
        f"registered model '{name}' has no version {version!r} (versions: {_listing(versions)})"
    )


def aliases(client: "MlflowClient", name: str) -> dict[str, str]:
    """The aliases of ``name``: alias -> version.

    Raises:
        ModelNotFoundError: If the name is not registered.
    """
    return {k: str(v) for k, v in registered_model(client, name).aliases.items()}


def version_by_alias(client: "MlflowClient", name: str, alias: str) -> "ModelVersion":
    """The version of ``name`` that ``alias`` points at.

    Raises:
        ModelNotFoundError: If the name is not registered or has no such alias, listing
            the aliases it has.
    """
    known = aliases(client, name)
    if alias not in known:
        listed = {k: known[k] for k in sorted(known)}
        raise ModelNotFoundError(
            f"registered model '{name}' has no alias '{alias}' (aliases: "
            f"{listed if listed else 'none'})"
        )
    return client.get_model_version(name, known[alias])


def quote(text: str) -> str:
    """``text`` inside a single-quoted MLflow filter string."""
    return text.replace("\\", "\\\\").replace("'", "\\'")
