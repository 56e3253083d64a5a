"""Running relgraph's pipelines on this machine with ``kfp.local``, on the embedded defaults.

``run_pipeline("training", {...})`` runs every step of the pipeline as a subprocess of this
Python (``kfp.local.SubprocessRunner(use_venv=False)``), in the current environment: the same
code a cluster runs in the component image, without a cluster. The embedded defaults replace
the cluster's: MLflow is ``sqlite:///<cwd>/.relgraph/mlflow.db``, predictions go under
``.relgraph/predictions``, step outputs under ``.relgraph/pipelines``; the object store
endpoint and credentials are those of this process's environment. GPU requests, Kubernetes
settings and retries are left out (``kfp.local`` cannot apply them).

The result says where every artifact went and what every step returned, keyed
``"<task>/<output>"`` (tasks inside a ``ParallelFor`` are
``"for-loop-<n>-iteration-<i>/<task>/<output>"``).
"""

import contextlib
import json
import logging
import os
import re
import time
import warnings
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

_logger = logging.getLogger(__name__)

DEFAULT_PIPELINE_ROOT = Path(".relgraph/pipelines")
"""Where step outputs go, relative to the working directory."""

DEFAULT_STATE_DIR = Path(".relgraph")
"""The embedded defaults' folder: the MLflow store and predictions live here."""

SUCCEEDED = "SUCCEEDED"
FAILED = "FAILED"

_EXECUTOR_OUTPUT = "executor_output.json"
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


class PipelineRunError(RuntimeError):
    """A local pipeline run failed; :attr:`run` says what it produced before it failed.

    Args:
        message: What failed.
        run: The failed run.
    """

    def __init__(self, message: str, run: "LocalPipelineRun") -> None:
        super().__init__(message)
        self.run = run


@dataclass(frozen=True)
class LocalPipelineRun:
    """A finished local pipeline run.

    Args:
        name: The pipeline (a name in ``relgraph.pipelines.PIPELINES``, or the function's).
        state: ``"SUCCEEDED"`` or ``"FAILED"``.
        outputs: ``"<task>/<output>"`` -> the artifact's local path, or the parameter's value
            (JSON text for lists and objects).
        seconds: Wall time of the run.
        run_dir: The folder holding the steps' outputs.
        arguments: The arguments the pipeline ran with, embedded defaults included.
        error: Why it failed, or ``None``.
        metadata: ``"<task>/<output>"`` -> the metadata of artifacts that have some: the
            values of ``Metrics`` outputs (which have no file), the curves of
            ``ClassificationMetrics``, the snapshot's content hash.
        artifacts: The keys of :attr:`outputs` that are artifacts (the others are values).
    """

    name: str
    state: str
    outputs: dict[str, str]
    seconds: float
    run_dir: Path | None
    arguments: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    metadata: dict[str, dict[str, Any]] = field(default_factory=dict)
    artifacts: frozenset[str] = frozenset()

    @property
    def succeeded(self) -> bool:
        """Whether every step succeeded."""
        return self.state == SUCCEEDED

    def output(self, task: str, name: str) -> str:
        """One output of one task.

        Raises:
            KeyError: If there is no such output, listing those of the task (or the tasks).
        """
        key = f"{task}/{name}"
        if key in self.outputs:
            return self.outputs[key]
        of_task = sorted(k.rsplit("/", 1)[1] for k in self.outputs if k.rsplit("/", 1)[0] == task)
        if of_task:
            raise KeyError(f"task {task!r} has no output {name!r} (outputs: {of_task})")
        tasks = sorted({k.rsplit("/", 1)[0] for k in self.outputs})
        raise KeyError(f"run of {self.name!r} has no task {task!r} (tasks: {tasks})")


def embedded_defaults(
    pipeline: Callable, *, state_dir: str | os.PathLike[str] = DEFAULT_STATE_DIR
) -> dict[str, Any]:
    """The laptop values of the parameters that a pipeline defaults to cluster services.

    Args:
        pipeline: The pipeline function.
        state_dir: The embedded defaults' folder (default: ``.relgraph``).

    Returns:
        ``mlflow_tracking_uri`` (``sqlite:///<abs state_dir>/mlflow.db``) and
        ``output_location`` (``<abs state_dir>/predictions``), for those the pipeline has.
    """
    defaults = {
        "mlflow_tracking_uri": embedded_tracking_uri(state_dir),
        "output_location": str(Path(state_dir).resolve() / "predictions"),
    }
    inputs = pipeline.component_spec.inputs or {}
    return {name: value for name, value in defaults.items() if name in inputs}


def run_pipeline(
    name: str | Callable,
    arguments: Mapping[str, Any],
    *,
    pipeline_root: str | os.PathLike[str] = DEFAULT_PIPELINE_ROOT,
    state_dir: str | os.PathLike[str] = DEFAULT_STATE_DIR,
    enable_caching: bool = False,
    raise_on_error: bool = True,
    log: TextIO | None = None,
) -> LocalPipelineRun:
    """Runs a pipeline locally with ``kfp.local`` and says where everything went.

    Args:
        name: A name in ``relgraph.pipelines.PIPELINES`` (built for local runs, as are the
            functions in it), or another pipeline function (run as it is).
        arguments: The pipeline's parameters; those not given keep their defaults, with the
            embedded defaults (:func:`embedded_defaults`) for the MLflow tracking URI and
            the output location.
        pipeline_root: Where the steps' outputs go (default: ``.relgraph/pipelines``); each
            run gets a new folder in it.
        state_dir: The folder of the embedded MLflow store and predictions (default:
            ``.relgraph``).
        enable_caching: Serve steps whose inputs did not change from ``kfp.local``'s cache
            (under ``pipeline_root``) (default: ``False``).
        raise_on_error: Raise :class:`PipelineRunError` when a step fails; otherwise return a
            run in state ``"FAILED"`` (default: ``True``).
        log: Where the steps' logs go (default: ``None``, standard output).

    Returns:
        The run: state, outputs by ``"<task>/<output>"``, wall time, its folder.

    Raises:
        KeyError: If ``name`` is not a relgraph pipeline.
        ValueError: If an argument names no parameter of the pipeline, or a required
            parameter is missing.
        PipelineRunError: If a step failed and ``raise_on_error`` is ``True``.
    """
    from kfp import local

    pipeline, label = _pipeline(name, state_dir)
    values = {**embedded_defaults(pipeline, state_dir=state_dir), **dict(arguments)}
    _check_arguments(pipeline, label, values)
    root = Path(pipeline_root).resolve()
    root.mkdir(parents=True, exist_ok=True)
    before = {p.name for p in root.iterdir()}
    local.init(
        runner=local.SubprocessRunner(use_venv=False),
        pipeline_root=str(root),
        raise_on_error=True,
        enable_caching=enable_caching,
        cache_root=str(root / ".kfp_cache") if enable_caching else None,
    )
    _logger.info("running pipeline %s locally; outputs under %s", label, root)
    error = None
    started = time.perf_counter()
    with _redirected(log):
        try:
            pipeline(**values)
        except RuntimeError as exc:
            error = _ANSI.sub("", str(exc))
    seconds = time.perf_counter() - started
    run_dir = _new_run_dir(root, before)
    outputs, metadata, artifacts = (
        collect_outputs(run_dir) if run_dir is not None else ({}, {}, frozenset())
    )
    run = LocalPipelineRun(
        name=label,
        state=FAILED if error else SUCCEEDED,
        outputs=outputs,
        seconds=seconds,
        run_dir=run_dir,
        arguments=values,
        error=error,
        metadata=metadata,
        artifacts=artifacts,
    )
    _logger.info("pipeline %s %s in %.1f s (%s)", label, run.state, seconds, run_dir)
    if error and raise_on_error:
        raise PipelineRunError(error, run)
    return run


def collect_outputs(
    run_dir: str | os.PathLike[str],
) -> tuple[dict[str, str], dict[str, dict[str, Any]], frozenset[str]]:
    """Every artifact and returned value of a ``kfp.local`` run, from its steps'
    ``executor_output.json`` files.

    Args:
        run_dir: The run's folder.

    Returns:
        ``"<task>/<output>"`` -> the artifact's local path, or the value (JSON text for lists
        and objects); ``"<task>/<output>"`` -> the artifact's metadata, for artifacts that
        have some (both sorted by key); and the keys that are artifacts.
    """
    run_dir = Path(run_dir)
    outputs: dict[str, str] = {}
    metadata: dict[str, dict[str, Any]] = {}
    values: set[str] = set()
    for file in sorted(run_dir.rglob(_EXECUTOR_OUTPUT)):
        task = file.parent.relative_to(run_dir).as_posix()
        data = json.loads(file.read_text(encoding="utf-8"))
        for output, value in (data.get("parameterValues") or {}).items():
            outputs[f"{task}/{output}"] = value if isinstance(value, str) else json.dumps(value)
            values.add(f"{task}/{output}")
        for output, entry in (data.get("artifacts") or {}).items():
            found = entry.get("artifacts") or []
            if found:
                outputs[f"{task}/{output}"] = found[0]["uri"]
                if found[0].get("metadata"):
                    metadata[f"{task}/{output}"] = found[0]["metadata"]
    return (
        dict(sorted(outputs.items())),
        dict(sorted(metadata.items())),
        frozenset(outputs) - values,
    )


def _pipeline(name: str | Callable, state_dir: str | os.PathLike[str]) -> tuple[Callable, str]:
    """The pipeline function to run and the name to show.

    relgraph's own pipelines, given by name or as the cluster-built functions of
    ``PIPELINES``, are built for ``kfp.local`` (:meth:`PlatformSettings.local`): the cluster
    build sets the cluster's object-store endpoint, which ``kfp.local`` would apply.
    """
    from relgraph.pipelines import PIPELINES, PlatformSettings, build_pipeline

    if not isinstance(name, str):
        ours = [key for key, pipeline in PIPELINES.items() if pipeline is name]
        if not ours:
            return name, getattr(name, "name", repr(name))
        name = ours[0]

    settings = PlatformSettings.local(tracking_uri=embedded_tracking_uri(state_dir))
    return build_pipeline(name, settings), name


def embedded_tracking_uri(state_dir: str | os.PathLike[str] = DEFAULT_STATE_DIR) -> str:
    """``sqlite:///<abs state_dir>/mlflow.db``: the embedded MLflow store."""
    return f"sqlite:///{Path(state_dir).resolve() / 'mlflow.db'}"


def _check_arguments(pipeline: Callable, label: str, values: Mapping[str, Any]) -> None:
    inputs = pipeline.component_spec.inputs or {}
    unknown = sorted(set(values) - set(inputs))
    if unknown:
        raise ValueError(
            f"pipeline {label!r} has no parameters {unknown} (parameters: {sorted(inputs)})"
        )
    missing = sorted(
        n
        for n, spec in inputs.items()
        if n not in values and spec.default is None and not spec.optional
    )
    if missing:
        raise ValueError(f"pipeline {label!r} needs the parameters {missing}")


def _new_run_dir(root: Path, before: set[str]) -> Path | None:
    """The run folder ``kfp.local`` created in ``root`` (the newest new one)."""
    created = [
        p
        for p in root.iterdir()
        if p.is_dir() and p.name not in before and not p.name.startswith(".")
    ]
    return max(created, key=lambda p: p.stat().st_mtime) if created else None


@contextlib.contextmanager
def _redirected(log: TextIO | None) -> Iterator[None]:
    """Sends what ``kfp.local`` prints (its own log and the steps' output) to ``log``, and
    silences its warnings about what a local run cannot do, which are expected here: the
    steps name the relgraph image (run as this Python) and carry cluster-only settings."""
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", message=r".*non-Python base image", category=RuntimeWarning
        )
        warnings.filterwarnings("ignore", message=r".*have no effect in the current local runner")
        if log is None:
            yield
            return
        with contextlib.redirect_stdout(log):
            yield
