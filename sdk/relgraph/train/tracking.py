"""Experiment tracking: every training run is an MLflow run.

:class:`RunTracker` wraps one MLflow run in a ``with`` block: parameters, per-step metrics,
JSON/text/file artifacts, the PyTorch model, and tags that tie the run to the code commit
(:func:`git_commit`) and the data snapshot hash. The run ends ``FINISHED`` when the block
completes, ``FAILED`` when it raises, ``KILLED`` on Ctrl-C.

The tracking URI is the embedded default ``sqlite:///.relgraph/mlflow.db`` (relative to the
current directory, artifacts beside it in ``.relgraph/mlartifacts``) or any URI MLflow takes
(``http://mlflow:5000`` for a tracking server). Everything goes through an
:class:`mlflow.MlflowClient` bound to that URI, so the process-wide MLflow state is left
alone, except for the moment a model is logged (MLflow's model logging reads the global
tracking URI; :func:`use_tracking_uri` sets it and puts it back).

mlflow is imported inside functions: importing :mod:`relgraph.train` stays fast.
"""

import logging
import math
import os
import subprocess
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

if TYPE_CHECKING:
    import mlflow
    import torch
    from mlflow.models.model import ModelInfo

_logger = logging.getLogger(__name__)

DEFAULT_TRACKING_URI = "sqlite:///.relgraph/mlflow.db"
"""The embedded tracking store, relative to the current directory."""

DEFAULT_EXPERIMENT = "relgraph"
"""The experiment runs go to when none is named."""

GIT_COMMIT_TAG = "mlflow.source.git.commit"
"""MLflow's own tag for the code commit (the MLflow UI shows it)."""

DATA_SNAPSHOT_TAG = "relgraph.data_snapshot_hash"
"""The tag holding the content hash of the data snapshot a run trained on."""

_MAX_PARAMS_PER_BATCH = 100
_MAX_METRICS_PER_BATCH = 1000
_MAX_PARAM_LENGTH = 6000


def git_commit(path: str | os.PathLike[str] | None = None) -> str | None:
    """The commit checked out in the git repository holding ``path``.

    Args:
        path: A file or folder inside the repository (default: ``None``, the folder of the
            ``relgraph`` package, so the commit is that of the code that ran).

    Returns:
        The full commit hash, or ``None`` outside a repository or when git is not installed.
    """
    folder = Path(path) if path is not None else Path(__file__).resolve().parents[1]
    if folder.is_file():
        folder = folder.parent
    try:
        result = subprocess.run(
            ["git", "-C", str(folder), "rev-parse", "--verify", "--quiet", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    commit = result.stdout.strip()
    return commit if result.returncode == 0 and commit else None


def resolve_tracking_uri(tracking_uri: str | None = None) -> str:
    """The tracking URI a :class:`RunTracker` uses, with local SQLite paths made absolute.

    Args:
        tracking_uri: Any MLflow tracking URI (default: ``None``: the ``MLFLOW_TRACKING_URI``
            environment variable when set, else :data:`DEFAULT_TRACKING_URI`).

    Returns:
        The URI; for ``sqlite:///relative/path`` an absolute ``sqlite:////...`` whose folder
        exists.
    """
    uri = tracking_uri or os.environ.get("MLFLOW_TRACKING_URI") or DEFAULT_TRACKING_URI
    database = _sqlite_path(uri)
    if database is None:
        return uri
    database = database.resolve()
    database.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{database}"


def _sqlite_path(uri: str) -> Path | None:
    """The database file of a ``sqlite:///`` URI (``None`` for other URIs or in-memory)."""
    prefix = "sqlite:///"
    if not uri.startswith(prefix) or uri[len(prefix) :] in ("", ":memory:"):
        return None
    return Path(uri[len(prefix) :].split("?", 1)[0])


@contextmanager
def use_tracking_uri(tracking_uri: str) -> Iterator[None]:
    """Sets MLflow's process-wide tracking URI for a block, then restores what was there.

    For MLflow calls that only read the global URI (``mlflow.pytorch.load_model("models:/...")``).

    Args:
        tracking_uri: The URI to use inside the block.
    """
    import mlflow

    previous = mlflow.get_tracking_uri() if mlflow.is_tracking_uri_set() else None
    mlflow.set_tracking_uri(tracking_uri)
    try:
        yield
    finally:
        mlflow.set_tracking_uri(previous)


def _flatten(params: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    """Nested mappings become dotted keys; values become strings (MLflow params are text)."""
    out: dict[str, str] = {}
    for key, value in params.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out.update(_flatten(value, f"{name}."))
            continue
        text = str(value)
        if len(text) > _MAX_PARAM_LENGTH:
            raise ValueError(
                f"parameter {name!r} is {len(text)} characters long; MLflow keeps at most "
                f"{_MAX_PARAM_LENGTH} (log it with log_dict instead)"
            )
        out[name] = text
    return out


class RunTracker:
    """One MLflow run, opened and closed by a ``with`` block.

    Args:
        tracking_uri: Any MLflow tracking URI (default: ``None``: ``MLFLOW_TRACKING_URI`` when
            set, else ``sqlite:///.relgraph/mlflow.db`` under the current directory, whose
            folder is created).
        experiment: Experiment name, created when missing (default: ``"relgraph"``).
        run_name: Display name of the run (default: ``None``, MLflow picks one).
        tags: Extra tags (default: ``None``).
        data_snapshot: Content hash of the data snapshot, tagged
            ``relgraph.data_snapshot_hash`` (default: ``None``, no tag).
        run_id: Reopen this existing run instead of starting one, to continue it after a
            resume (default: ``None``).
        artifact_location: Artifact root of a new experiment (default: ``None``: for a local
            SQLite store, ``mlartifacts`` beside the database; otherwise the server decides).

    Example:
        >>> with RunTracker(run_name="driver-dnf") as run:  # doctest: +SKIP
        ...     run.log_params(config.to_dict())
        ...     run.log_metrics({"val_roc_auc": 0.76}, step=1)
        ...     run.log_model(model)
    """

    def __init__(
        self,
        tracking_uri: str | None = None,
        experiment: str = DEFAULT_EXPERIMENT,
        run_name: str | None = None,
        tags: Mapping[str, Any] | None = None,
        *,
        data_snapshot: str | None = None,
        run_id: str | None = None,
        artifact_location: str | None = None,
    ) -> None:
        if not experiment or not experiment.strip():
            raise ValueError(f"experiment must be a non-empty name, found {experiment!r}")
        self.tracking_uri = resolve_tracking_uri(tracking_uri)
        self.experiment = experiment
        self.run_name = run_name
        self._tags = {str(k): str(v) for k, v in (tags or {}).items()}
        self.data_snapshot = data_snapshot
        self._resume_run_id = run_id
        self._artifact_location = artifact_location
        self._client: mlflow.MlflowClient | None = None
        self._run_id: str | None = None
        self.experiment_id: str | None = None

    # ---------------------------------------------------------------- lifecycle

    def __enter__(self) -> "RunTracker":
        from mlflow import MlflowClient

        self._client = MlflowClient(tracking_uri=self.tracking_uri)
        self.experiment_id = self._experiment_id()
        tags = dict(self._tags)
        commit = git_commit()
        if commit is not None:
            tags[GIT_COMMIT_TAG] = commit
        if self.data_snapshot is not None:
            tags[DATA_SNAPSHOT_TAG] = str(self.data_snapshot)
        if self._resume_run_id is not None:
            run = self._client.get_run(self._resume_run_id)
            if run.info.experiment_id != self.experiment_id:
                raise ValueError(
                    f"run {self._resume_run_id} belongs to experiment {run.info.experiment_id}, "
                    f"not {self.experiment!r} ({self.experiment_id})"
                )
            self._client.update_run(run.info.run_id, status="RUNNING")
            self._run_id = run.info.run_id
            self.set_tags(tags)
        else:
            run = self._client.create_run(self.experiment_id, run_name=self.run_name, tags=tags)
            self._run_id = run.info.run_id
        self.run_name = run.info.run_name
        _logger.info("MLflow run %s (%s) at %s", self._run_id, self.run_name, self.tracking_url)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            status = "FINISHED"
        elif issubclass(exc_type, KeyboardInterrupt):
            status = "KILLED"
        else:
            status = "FAILED"
        client, run_id = self._client, self._run_id
        if client is not None and run_id is not None:
            if exc is not None:
                try:
                    client.set_tag(run_id, "relgraph.error", f"{exc_type.__name__}: {exc}"[:5000])
                except Exception:  # the run's own failure matters more than this tag
                    _logger.exception("could not tag run %s with its error", run_id)
            client.set_terminated(run_id, status=status)
            _logger.info("MLflow run %s ended %s", run_id, status)

    def _experiment_id(self) -> str:
        """The id of :attr:`experiment`, created (race-safe) when missing."""
        from mlflow.exceptions import MlflowException

        client = self._require_client()
        found = client.get_experiment_by_name(self.experiment)
        if found is not None:
            if found.lifecycle_stage == "deleted":
                raise ValueError(
                    f"experiment {self.experiment!r} is deleted in {self.tracking_uri}; restore it "
                    "or pick another name"
                )
            return found.experiment_id
        location = self._artifact_location
        database = _sqlite_path(self.tracking_uri)
        if location is None and database is not None:
            location = (database.parent / "mlartifacts").as_uri()
        try:
            return client.create_experiment(self.experiment, artifact_location=location)
        except MlflowException:
            found = client.get_experiment_by_name(self.experiment)  # created meanwhile
            if found is None:
                raise
            return found.experiment_id

    def _require_client(self) -> "mlflow.MlflowClient":
        if self._client is None:
            raise RuntimeError("RunTracker is not open: use it in a `with` block")
        return self._client

    @property
    def run_id(self) -> str:
        """The MLflow run id.

        Raises:
            RuntimeError: Before the ``with`` block opened the run.
        """
        if self._run_id is None:
            raise RuntimeError("RunTracker has no run yet: use it in a `with` block")
        return self._run_id

    @property
    def tracking_url(self) -> str:
        """Where to look at the run: its page for an ``http(s)`` tracking server, else the
        (absolute) tracking URI, for ``mlflow ui --backend-store-uri <it>``."""
        if urlparse(self.tracking_uri).scheme in ("http", "https"):
            base = self.tracking_uri.rstrip("/")
            return f"{base}/#/experiments/{self.experiment_id}/runs/{self.run_id}"
        return self.tracking_uri

    # ---------------------------------------------------------------- logging

    def log_params(self, params: Mapping[str, Any]) -> None:
        """Logs parameters; nested mappings become dotted names (``model.channels``).

        Args:
            params: Name -> value; values are logged as text.

        Raises:
            ValueError: If a value is longer than MLflow keeps.
            mlflow.exceptions.MlflowException: If a name was logged before with another value.
        """
        from mlflow.entities import Param

        items = [Param(k, v) for k, v in _flatten(params).items()]
        for start in range(0, len(items), _MAX_PARAMS_PER_BATCH):
            batch = items[start : start + _MAX_PARAMS_PER_BATCH]
            self._require_client().log_batch(self.run_id, params=batch)

    def log_metrics(self, metrics: Mapping[str, float], step: int | None = None) -> None:
        """Logs metric values, one point per name (``step`` makes a curve).

        MLflow names take no ``@``: ranking metrics such as ``val_map@10`` are logged as
        ``val_map_at_10`` (the names :meth:`EvaluationReport.flat_metrics` gives).

        Args:
            metrics: Name -> value (Python or numpy numbers, 0-d tensors).
            step: Step of the points, such as the epoch (default: ``None``, step 0).

        Raises:
            ValueError: If a value is not a real number.
        """
        from mlflow.entities import Metric

        now = int(time.time() * 1000)
        items = []
        for name, value in metrics.items():
            try:
                number = float(value)
            except (TypeError, ValueError):
                raise ValueError(f"metric {name!r} must be a number, found {value!r}") from None
            if math.isnan(number):
                _logger.warning("metric %r is NaN at step %s", name, step)
            key = name.replace("@", "_at_")
            items.append(Metric(key, number, now, 0 if step is None else int(step)))
        for start in range(0, len(items), _MAX_METRICS_PER_BATCH):
            batch = items[start : start + _MAX_METRICS_PER_BATCH]
            self._require_client().log_batch(self.run_id, metrics=batch)

    def set_tags(self, tags: Mapping[str, Any]) -> None:
        """Sets tags (values as text), replacing earlier values."""
        from mlflow.entities import RunTag

        items = [RunTag(str(k), str(v)) for k, v in tags.items()]
        if items:
            self._require_client().log_batch(self.run_id, tags=items)

    def log_dict(self, obj: Any, artifact_file: str) -> None:
        """Logs a JSON-serializable object as a JSON (or ``.yaml``/``.yml``: YAML) artifact.

        Args:
            obj: The object (a schema's ``to_dict()``, a task spec, a report).
            artifact_file: Path of the artifact inside the run, such as ``"schema.json"``.
        """
        self._require_client().log_dict(self.run_id, obj, artifact_file)

    def log_text(self, text: str, artifact_file: str) -> None:
        """Logs text as an artifact, such as ``"schema.md"``."""
        self._require_client().log_text(self.run_id, text, artifact_file)

    def log_artifact(self, path: str | os.PathLike[str], artifact_path: str | None = None) -> None:
        """Logs a file, or a folder with everything in it.

        Args:
            path: The local file or folder.
            artifact_path: Folder inside the run's artifacts (default: ``None``, the root).

        Raises:
            FileNotFoundError: If ``path`` does not exist.
        """
        local = Path(path)
        if not local.exists():
            raise FileNotFoundError(f"artifact {local} does not exist")
        client = self._require_client()
        if local.is_dir():
            client.log_artifacts(self.run_id, str(local), artifact_path)
        else:
            client.log_artifact(self.run_id, str(local), artifact_path)

    def log_model(
        self,
        module: "torch.nn.Module",
        name: str = "model",
        *,
        input_example: Any = None,
        signature: Any = None,
        registered_model_name: str | None = None,
        pip_requirements: list[str] | None = None,
        metadata: Mapping[str, Any] | None = None,
        step: int = 0,
    ) -> "ModelInfo":
        """Logs a PyTorch module with MLflow's pytorch flavor, pickled.

        MLflow 3's default ``pt2`` format needs an input example and a traceable model; the
        ``pickle`` format stores the module as it is (its classes must be importable where
        it is loaded: relgraph's are). Load it back with
        ``mlflow.pytorch.load_model(info.model_uri)`` inside :func:`use_tracking_uri`.

        Args:
            module: The model.
            name: Name of the logged model (default: ``"model"``).
            input_example: An example input, saved with the model (default: ``None``).
            signature: An ``mlflow.models.ModelSignature`` (default: ``None``).
            registered_model_name: Also register a version under this name (default:
                ``None``, not registered).
            pip_requirements: Requirements recorded with the model (default: ``None``: the
                installed versions of torch, torch-geometric, pytorch-frame and cloudpickle,
                which skips MLflow's slow requirement inference).
            metadata: Extra model metadata (default: ``None``).
            step: Training step the model is from (default: ``0``).

        Returns:
            MLflow's ``ModelInfo`` (``model_uri``, ``model_id``, ...).
        """
        import mlflow.pytorch

        client = self._require_client()
        requirements = pip_requirements if pip_requirements is not None else _requirements()
        # Created here, not by MLflow's log_model: that one files the model under the process's
        # active experiment (the Default one), not the run's.
        run = client.get_run(self.run_id)
        logged = client.create_logged_model(
            experiment_id=run.info.experiment_id,
            name=name,
            source_run_id=self.run_id,
            params=dict(run.data.params),
            tags={
                k: v for k, v in run.data.tags.items() if k in (GIT_COMMIT_TAG, DATA_SNAPSHOT_TAG)
            },
        )
        with use_tracking_uri(self.tracking_uri):
            info = mlflow.pytorch.log_model(
                module,
                name=name,
                model_id=logged.model_id,
                serialization_format="pickle",
                input_example=input_example,
                signature=signature,
                registered_model_name=registered_model_name,
                pip_requirements=requirements,
                metadata=dict(metadata) if metadata is not None else None,
                step=step,
                run_id=self.run_id,
            )
        _logger.info("logged model %s to run %s", info.model_uri, self.run_id)
        return info


def _requirements() -> list[str]:
    """Pinned requirements of a pickled relgraph model: the installed versions."""
    from importlib.metadata import PackageNotFoundError, version

    out = []
    for package in ("torch", "torch-geometric", "pytorch-frame", "cloudpickle"):
        try:
            out.append(f"{package}=={version(package).split('+', 1)[0]}")
        except PackageNotFoundError:
            continue
    return out
