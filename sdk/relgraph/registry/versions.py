"""Registered model versions: register a run's model, move the ``champion`` alias, roll back.

Every version is tagged with what it is (task, schema hash, data snapshot hash, git commit,
metrics) and gets the ``candidate`` alias. ``champion`` is the version that serves; each move
of it is recorded on the registered model (tag ``relgraph.champion_history``), so that
:func:`rollback` can put the previous champion back.
"""

import datetime as dt
import json
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from relgraph.registry.resolve import model_run
from relgraph.registry.store import aliases, client_for, model_version, model_versions
from relgraph.train.pyfunc import MODEL_NAME
from relgraph.train.tracking import DATA_SNAPSHOT_TAG, GIT_COMMIT_TAG, use_tracking_uri

if TYPE_CHECKING:
    from mlflow import MlflowClient
    from mlflow.entities.model_registry import ModelVersion

_logger = logging.getLogger(__name__)

CANDIDATE = "candidate"
"""The alias of the newest registered version."""

CHAMPION = "champion"
"""The alias of the version that serves."""

HISTORY_TAG = "relgraph.champion_history"
"""Registered-model tag: the JSON list of versions that were champion, oldest first."""

_HISTORY_LENGTH = 100
"""Champion moves remembered (MLflow tag values are short)."""

_SPLIT_PREFIXES = ("train_", "validation_", "test_")


@dataclass(frozen=True)
class RegisteredVersion:
    """A registered model version.

    Args:
        name: The registered model name.
        version: The version number as MLflow shows it (``"3"``).
        run_id: The run that trained it.
        aliases: Its aliases (e.g. ``["candidate", "champion"]``).
        tags: Its tags (default: empty).
    """

    name: str
    version: str
    run_id: str
    aliases: list[str]
    tags: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form."""
        return {
            "name": self.name,
            "version": self.version,
            "run_id": self.run_id,
            "aliases": list(self.aliases),
            "tags": dict(self.tags),
        }


def _registered(
    version: "ModelVersion", alias_map: dict[str, str] | None = None
) -> RegisteredVersion:
    """A version as :class:`RegisteredVersion`; ``alias_map`` (alias -> version) supplies the
    aliases where MLflow leaves them out (its version searches do)."""
    names = (
        [a for a, v in alias_map.items() if v == str(version.version)]
        if alias_map is not None
        else list(version.aliases or [])
    )
    return RegisteredVersion(
        name=version.name,
        version=str(version.version),
        run_id=version.run_id or "",
        aliases=sorted(names),
        tags=dict(version.tags or {}),
    )


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def version_tags(run: Any) -> dict[str, str]:
    """The tags a version of ``run``'s model gets: task, task type, the metric it was selected
    on, schema hash, data snapshot hash, git commit, and the final metrics per split (``metric.<split>_<name>``, and all of them as
    JSON under ``relgraph.metrics``)."""
    tags = run.data.tags
    metrics = {k: v for k, v in sorted(run.data.metrics.items()) if k.startswith(_SPLIT_PREFIXES)}
    metrics.pop("train_loss", None)  # the last epoch's loss, not a final metric
    out = {
        "relgraph.task": tags.get("relgraph.task", ""),
        "relgraph.task_type": tags.get("relgraph.task_type", ""),
        "relgraph.metric": run.data.params.get("metric", ""),
        "relgraph.schema_hash": tags.get("relgraph.schema_hash", ""),
        "relgraph.data_snapshot_hash": tags.get(DATA_SNAPSHOT_TAG, ""),
        "relgraph.git_commit": tags.get(GIT_COMMIT_TAG, ""),
        "relgraph.metrics": json.dumps(metrics, sort_keys=True),
    }
    out.update({f"metric.{k}": repr(float(v)) for k, v in metrics.items()})
    return out


def register_model(run_id: str, name: str, *, tracking_uri: str | None = None) -> RegisteredVersion:
    """Registers the model of a training run as a new version of ``name``, tags it, and points
    the ``candidate`` alias at it.

    Args:
        run_id: The run (trained by :func:`relgraph.train.train_model`).
        name: The registered model name, created when new.
        tracking_uri: The MLflow tracking URI (default: ``None``: ``MLFLOW_TRACKING_URI``,
            else ``sqlite:///.relgraph/mlflow.db``).

    Returns:
        The new version.

    Raises:
        ModelNotFoundError: If the run does not exist or has no relgraph model.
        ValueError: If the name is empty.
    """
    import mlflow

    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"registered model name must be a non-empty string, found {name!r}")
    client, uri = client_for(tracking_uri)
    run = model_run(client, run_id)
    tags = version_tags(run)
    with use_tracking_uri(uri):
        created = mlflow.register_model(f"runs:/{run_id}/{MODEL_NAME}", name, tags=tags)
    version = str(created.version)
    client.set_registered_model_alias(name, CANDIDATE, version)
    _logger.info("registered '%s' version %s", name, version)
    return _registered(client.get_model_version(name, version))


def _history(client: "MlflowClient", name: str) -> list[str]:
    text = client.get_registered_model(name).tags.get(HISTORY_TAG, "[]")
    try:
        return [str(v) for v in json.loads(text)]
    except (json.JSONDecodeError, TypeError):
        _logger.warning(
            "model '%s': unreadable %s tag %r; starting afresh", name, HISTORY_TAG, text
        )
        return []


def _set_history(client: "MlflowClient", name: str, history: list[str]) -> None:
    client.set_registered_model_tag(name, HISTORY_TAG, json.dumps(history[-_HISTORY_LENGTH:]))


def promote(name: str, version: str, *, tracking_uri: str | None = None) -> None:
    """Makes ``version`` the champion of ``name`` (moves the ``champion`` alias to it).

    Args:
        name: The registered model name.
        version: The version number as MLflow shows it (``"3"``).
        tracking_uri: The MLflow tracking URI (default: ``None``, see :func:`register_model`).

    Raises:
        ModelNotFoundError: If the name or version does not exist.
    """
    client, _ = client_for(tracking_uri)
    version = str(model_version(client, name, str(version)).version)
    current = aliases(client, name).get(CHAMPION)
    if current == version:
        _logger.info("'%s' version %s is already the champion", name, version)
        return
    history = _history(client, name)
    if current is not None and (not history or history[-1] != current):
        history.append(current)  # the alias was moved by hand: remember that champion too
    history.append(version)
    client.set_registered_model_alias(name, CHAMPION, version)
    client.set_model_version_tag(name, version, "relgraph.promoted_at", _now())
    _set_history(client, name, history)
    _logger.info("promoted '%s' version %s to champion (was %s)", name, version, current)


def rollback(name: str, *, tracking_uri: str | None = None) -> str:
    """Puts the previous champion of ``name`` back.

    Args:
        name: The registered model name.
        tracking_uri: The MLflow tracking URI (default: ``None``, see :func:`register_model`).

    Returns:
        The version that is champion now.

    Raises:
        ModelNotFoundError: If the name does not exist.
        ValueError: If it has no champion, or no earlier champion that still exists.
    """
    client, _ = client_for(tracking_uri)
    current = aliases(client, name).get(CHAMPION)
    if current is None:
        raise ValueError(f"registered model '{name}' has no champion to roll back")
    existing = {str(v.version) for v in model_versions(client, name)}
    history = _history(client, name)
    while history and history[-1] == current:
        history.pop()
    while history and history[-1] not in existing:  # a deleted version cannot come back
        history.pop()
    if not history:
        raise ValueError(
            f"registered model '{name}' has no earlier champion than version {current} to roll "
            "back to"
        )
    previous = history[-1]
    client.set_registered_model_alias(name, CHAMPION, previous)
    client.set_model_version_tag(name, current, "relgraph.rolled_back_at", _now())
    _set_history(client, name, history)
    _logger.info("rolled '%s' back from version %s to version %s", name, current, previous)
    return previous


def list_versions(name: str, *, tracking_uri: str | None = None) -> list[RegisteredVersion]:
    """Every version of ``name``, oldest first.

    Raises:
        ModelNotFoundError: If the name is not registered.
    """
    client, _ = client_for(tracking_uri)
    alias_map = aliases(client, name)
    return [_registered(v, alias_map) for v in model_versions(client, name)]


def list_models(*, tracking_uri: str | None = None) -> list[dict[str, Any]]:
    """Every registered model: ``name``, ``latest_version``, ``aliases`` (alias -> version)."""
    client, _ = client_for(tracking_uri)
    out = []
    for model in sorted(client.search_registered_models(), key=lambda m: m.name):
        versions = [int(v.version) for v in model.latest_versions or []]
        out.append(
            {
                "name": model.name,
                "latest_version": str(max(versions)) if versions else None,
                "aliases": {k: str(v) for k, v in sorted(model.aliases.items())},
            }
        )
    return out
