"""Champion/challenger: a new model replaces the serving one only when it is better.

:func:`evaluate_candidate` scores a candidate model and the current ``@champion`` of a
registered name on the SAME holdout (the task's test split when it has labels, else its
validation split) and decides: blessed when there is no champion, or when the candidate beats
the champion by more than ``margin`` in the metric's direction. :func:`register_and_promote`
(the pipeline's register step) registers the candidate, records the decision and both scores
as version tags, and moves ``champion`` when it was blessed.
"""

import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from relgraph.graph import GraphArtifact
from relgraph.io import atomic_directory
from relgraph.registry.ref import ModelRef
from relgraph.registry.resolve import resolve_model
from relgraph.registry.store import aliases, client_for, quote
from relgraph.registry.versions import CHAMPION, RegisteredVersion, promote, register_model
from relgraph.tasks import ANCHOR_TIME, DEFAULT_EVAL_AT_K, LABEL, LinkTask, NodeTask, load_task
from relgraph.train.bundle import PREDICTION, ModelBundle, read_model_manifest
from relgraph.train.evaluation import HOLDOUT_FILE, REPORT_FILE, EvaluationReport, holdout_frame
from relgraph.train.job import node_task_tables
from relgraph.train.metrics import compute_metrics, metric_direction

_logger = logging.getLogger(__name__)

PathLike = str | os.PathLike[str]

DECISION_FILE = "decision.json"
"""The file of an evaluation folder that holds the decision."""


@dataclass(frozen=True)
class Evaluation:
    """A candidate model scored against the champion.

    Args:
        report: The candidate's evaluation on the holdout (metrics, curves, predictions).
        candidate_score: The candidate's ``metric`` on the holdout.
        champion_score: The champion's on the same holdout, or ``None`` without a champion.
        metric: The metric compared (e.g. ``"roc_auc"``).
        blessed: Whether the candidate should become champion.
        reason: Why, in a sentence.
        champion_version: The champion's version, or ``None``.
        split: The holdout split (``"test"`` or ``"validation"``).
        margin: The margin the candidate had to beat the champion by.
        candidate_run_id: The candidate's MLflow run, when known.
    """

    report: EvaluationReport
    candidate_score: float
    champion_score: float | None
    metric: str
    blessed: bool
    reason: str
    champion_version: str | None = None
    split: str = "test"
    margin: float = 0.0
    candidate_run_id: str | None = None

    def decision(self) -> dict[str, Any]:
        """The JSON form of the decision (``decision.json``)."""
        return {
            "blessed": self.blessed,
            "reason": self.reason,
            "metric": self.metric,
            "direction": metric_direction(self.metric),
            "margin": self.margin,
            "split": self.split,
            "candidate_score": self.candidate_score,
            "champion_score": self.champion_score,
            "champion_version": self.champion_version,
            "candidate_run_id": self.candidate_run_id,
        }

    def save(self, path: PathLike, *, overwrite: bool = False) -> Path:
        """Writes ``report.json``, ``holdout.parquet`` and ``decision.json`` into a folder,
        atomically (:meth:`EvaluationReport.load` reads the same folder).

        Raises:
            FileExistsError: If the folder exists and ``overwrite`` is ``False``.
        """
        with atomic_directory(path, overwrite=overwrite) as tmp:
            (tmp / REPORT_FILE).write_text(self.report.to_json(), encoding="utf-8")
            if self.report.holdout is not None:
                table = pa.Table.from_pandas(self.report.holdout, preserve_index=False)
                pq.write_table(table, tmp / HOLDOUT_FILE)
            text = json.dumps(self.decision(), indent=2, allow_nan=False) + "\n"
            (tmp / DECISION_FILE).write_text(text, encoding="utf-8")
        return Path(path)

    @classmethod
    def load(cls, path: PathLike) -> "Evaluation":
        """Reads a folder written by :meth:`save`.

        Raises:
            FileNotFoundError: If the folder has no ``decision.json`` or ``report.json``.
        """
        file = Path(path) / DECISION_FILE
        if not file.is_file():
            raise FileNotFoundError(f"{path} holds no {DECISION_FILE}: not an evaluation")
        data = json.loads(file.read_text(encoding="utf-8"))
        return cls(
            report=EvaluationReport.load(path),
            candidate_score=float(data["candidate_score"]),
            champion_score=(
                None if data.get("champion_score") is None else float(data["champion_score"])
            ),
            metric=data["metric"],
            blessed=bool(data["blessed"]),
            reason=data["reason"],
            champion_version=data.get("champion_version"),
            split=data.get("split", "test"),
            margin=float(data.get("margin", 0.0)),
            candidate_run_id=data.get("candidate_run_id"),
        )


def holdout_split(task: NodeTask | LinkTask) -> str:
    """The split a model is judged on: ``test`` when it has labels, else ``validation``."""
    return "test" if "test" in task.splits and task.has_labels("test") else "validation"


def _holdout_table(task: NodeTask | LinkTask, split: str) -> pa.Table:
    """The holdout task table with the entity column, ``anchor_time`` and ``label`` (for link
    tasks: the true target keys, rows without any left out, as link metrics score them)."""
    if isinstance(task, NodeTask):
        return node_task_tables(task)[split]
    table = task.table(split)
    renames = {task.time_column: ANCHOR_TIME, task.target_entity_column: LABEL}
    table = table.rename_columns([renames.get(c, c) for c in table.column_names])
    has_targets = pc.greater(pc.list_value_length(table[LABEL]), 0)
    return table.filter(pc.fill_null(has_targets, False))


def _targets_and_predictions(
    bundle: ModelBundle, artifact: GraphArtifact, table: pa.Table, split: str
) -> tuple[Any, Any, int | None]:
    """A model's ``(y_true, y_pred, k)`` on a holdout table, as ``compute_metrics`` takes them."""
    predictor = bundle.predictor
    if bundle.task_type.is_link:
        k = int(bundle.metric.split("@", 1)[1]) if "@" in bundle.metric else DEFAULT_EVAL_AT_K
        ranked = bundle.predict(artifact, table, k=k)[PREDICTION].combine_chunks()
        ids = ranked.flatten().to_numpy(zero_copy_only=False).reshape(len(ranked), -1)
        return table[LABEL].to_pylist(), ids, k
    y_pred = predictor.predict(artifact, table)
    y_true = predictor.coder.metric_targets(
        predictor.coder.encode(table[LABEL].combine_chunks(), split)
    )
    return y_true, y_pred, None


def _score(
    bundle: ModelBundle, artifact: GraphArtifact, table: pa.Table, split: str, metric: str
) -> float:
    y_true, y_pred, k = _targets_and_predictions(bundle, artifact, table, split)
    scores = compute_metrics(bundle.task_type, y_true, y_pred, k=k)
    if metric not in scores:
        raise ValueError(f"the champion's {bundle.task_type.value} model has no {metric!r} score")
    return float(scores[metric])


def _champion_graph(
    champion: ModelBundle, artifact: GraphArtifact, champion_graph: PathLike | None
) -> GraphArtifact:
    """The graph the champion is scored on: the candidate's when it fits, else
    ``champion_graph``.

    Raises:
        ValueError: If neither fits the champion.
    """
    try:
        champion.check_graph(artifact)
        return artifact
    except ValueError as exc:
        if champion_graph is None:
            raise ValueError(
                f"the champion cannot be scored on the candidate's graph ({exc}); pass "
                "champion_graph=<a graph of the same data built with the champion's "
                "encoder_state>, or build the candidate's graph with it"
            ) from exc
    other = GraphArtifact.load(champion_graph)
    champion.check_graph(other)
    return other


def _decide(
    metric: str, candidate: float, champion: float | None, margin: float
) -> tuple[bool, str]:
    if champion is None:
        return True, f"no champion yet: the candidate ({metric} {candidate:.6g}) becomes champion"
    direction = metric_direction(metric)
    gain = candidate - champion if direction == "max" else champion - candidate
    word = "higher" if direction == "max" else "lower"
    if gain > margin:
        return True, (
            f"the candidate's {metric} {candidate:.6g} beats the champion's {champion:.6g} by "
            f"{gain:.6g} ({word} is better), more than the margin {margin:g}"
        )
    return False, (
        f"the candidate's {metric} {candidate:.6g} does not beat the champion's {champion:.6g} "
        f"by more than the margin {margin:g} ({word} is better; gain {gain:.6g})"
    )


def evaluate_candidate(
    model: PathLike,
    graph: PathLike,
    task: PathLike,
    *,
    output: PathLike,
    registered_name: str | None,
    margin: float = 0.0,
    tracking_uri: str | None = None,
    champion_graph: PathLike | None = None,
    overwrite: bool = False,
) -> Evaluation:
    """Scores a candidate model and the current champion on the same holdout, and decides.

    The holdout is the task's test split when it has labels, else its validation split; the
    metric is the one the candidate was selected on (the task's first metric). When the
    candidate's run is already registered under ``registered_name``, the decision and both
    scores are also recorded on that version's tags.

    Args:
        model: The candidate's model folder (written by :func:`relgraph.train.train_model`).
        graph: The graph artifact the candidate was trained on (or one built like it).
        task: The task folder.
        output: The evaluation folder to write: ``report.json``, ``holdout.parquet``,
            ``decision.json``.
        registered_name: The registered model whose ``@champion`` is the bar, or ``None``
            (no champion: blessed).
        margin: How much the candidate must beat the champion by, in the metric's units and
            direction (default: ``0.0``: strictly better).
        tracking_uri: The MLflow tracking URI (default: ``None``: ``MLFLOW_TRACKING_URI``,
            else ``sqlite:///.relgraph/mlflow.db``).
        champion_graph: A graph built with the champion's encoder state, when the candidate's
            graph does not fit the champion (default: ``None``).
        overwrite: Replace an existing ``output`` folder (default: ``False``).

    Returns:
        The evaluation and decision.

    Raises:
        FileExistsError: If ``output`` exists and ``overwrite`` is ``False``.
        ValueError: If the graph does not fit the candidate (or no graph fits the champion),
            the task does not fit the model, or ``margin`` is negative.
    """
    if margin < 0:
        raise ValueError(f"margin must be >= 0, found {margin}")
    if Path(output).exists() and not overwrite:
        raise FileExistsError(f"evaluation folder {output} already exists (pass overwrite=True)")
    candidate = ModelBundle.load(model)
    artifact = GraphArtifact.load(graph)
    candidate.check_graph(artifact)
    spec = load_task(Path(task))
    if spec.task_type is not candidate.task_type:
        raise ValueError(
            f"task '{spec.name}' is {spec.task_type.value} but the model is "
            f"{candidate.task_type.value}"
        )
    split = holdout_split(spec)
    table = _holdout_table(spec, split)
    metric = candidate.metric
    y_true, y_pred, k = _targets_and_predictions(candidate, artifact, table, split)
    holdout = holdout_frame(
        table[candidate.entity_column],
        table[ANCHOR_TIME],
        table[LABEL],
        y_pred,
        entity_column=candidate.entity_column,
        task_type=candidate.task_type,
    )
    report = EvaluationReport.from_predictions(
        candidate.task_type,
        {split: (y_true, y_pred)},
        target_metric=metric,
        holdout=holdout,
        curve_split=split,
        k=k,
    )
    candidate_score = float(report.metrics[split][metric])

    champion_score = champion_version = None
    if registered_name is not None:
        client, uri = client_for(tracking_uri)
        current = _champion_version(client, registered_name)
        if current is not None:
            champion = resolve_model(
                ModelRef(name=registered_name, alias=CHAMPION), tracking_uri=uri
            )
            if champion.bundle.task_type is not candidate.task_type:
                raise ValueError(
                    f"the champion of '{registered_name}' (version {current}) is a "
                    f"{champion.bundle.task_type.value} model, the candidate a "
                    f"{candidate.task_type.value} one"
                )
            champion_version = current
            scored_on = _champion_graph(champion.bundle, artifact, champion_graph)
            champion_score = _score(champion.bundle, scored_on, table, split, metric)
    blessed, reason = _decide(metric, candidate_score, champion_score, margin)
    evaluation = Evaluation(
        report=report,
        candidate_score=candidate_score,
        champion_score=champion_score,
        metric=metric,
        blessed=blessed,
        reason=reason,
        champion_version=champion_version,
        split=split,
        margin=float(margin),
        candidate_run_id=candidate.run_id,
    )
    evaluation.save(output, overwrite=overwrite)
    _logger.info("evaluated candidate %s: %s", candidate.run_id, reason)
    if registered_name is not None and candidate.run_id is not None:
        client, _ = client_for(tracking_uri)
        for version in _versions_of_run(client, registered_name, candidate.run_id):
            record_decision(registered_name, version, evaluation, tracking_uri=tracking_uri)
    return evaluation


def _champion_version(client: Any, name: str) -> str | None:
    """The champion's version of ``name``, or ``None`` (no champion, or no such model)."""
    from mlflow.exceptions import MlflowException

    try:
        client.get_registered_model(name)
    except MlflowException as exc:
        if getattr(exc, "error_code", "") == "RESOURCE_DOES_NOT_EXIST":
            return None
        raise
    return aliases(client, name).get(CHAMPION)


def _versions_of_run(client: Any, name: str, run_id: str) -> list[str]:
    """The versions of ``name`` registered from run ``run_id`` (none for an unknown name)."""
    found = client.search_model_versions(f"name = '{quote(name)}' and run_id = '{quote(run_id)}'")
    return sorted((str(v.version) for v in found), key=int)


def record_decision(
    name: str, version: str, evaluation: Evaluation, *, tracking_uri: str | None = None
) -> None:
    """Records a champion/challenger decision and both scores as tags of a version.

    Tags: ``relgraph.decision`` (``blessed`` or ``rejected``), ``relgraph.decision_reason``,
    ``relgraph.eval_metric``, ``relgraph.eval_split``, ``relgraph.margin``,
    ``relgraph.candidate_score``, ``relgraph.champion_score`` (``none`` without a champion) and
    ``relgraph.compared_with`` (the champion's version, or ``none``).
    """
    client, _ = client_for(tracking_uri)
    tags = {
        "relgraph.decision": "blessed" if evaluation.blessed else "rejected",
        "relgraph.decision_reason": evaluation.reason,
        "relgraph.eval_metric": evaluation.metric,
        "relgraph.eval_split": evaluation.split,
        "relgraph.margin": repr(evaluation.margin),
        "relgraph.candidate_score": repr(evaluation.candidate_score),
        "relgraph.champion_score": (
            "none" if evaluation.champion_score is None else repr(evaluation.champion_score)
        ),
        "relgraph.compared_with": evaluation.champion_version or "none",
    }
    for key, value in tags.items():
        client.set_model_version_tag(name, str(version), key, value)


def register_and_promote(
    model: PathLike, evaluation: PathLike, name: str, *, tracking_uri: str | None = None
) -> RegisteredVersion:
    """The register step: registers the candidate (alias ``candidate``), records the decision
    and both scores on the version, and makes it champion when it was blessed.

    A blessed candidate is not promoted when the champion moved since it was evaluated (it was
    compared with another model); the version's ``relgraph.decision_reason`` says so.

    Args:
        model: The candidate's model folder.
        evaluation: The folder :func:`evaluate_candidate` wrote for it.
        name: The registered model name.
        tracking_uri: The MLflow tracking URI (default: ``None``: ``MLFLOW_TRACKING_URI``,
            else ``sqlite:///.relgraph/mlflow.db``).

    Returns:
        The new version, with its aliases.

    Raises:
        ValueError: If the model folder has no MLflow run, or the evaluation is of another
            model.
        ModelNotFoundError: If the run no longer exists.
    """
    manifest = read_model_manifest(model)
    run_id = manifest["made_from"].get("run_id")
    if not run_id:
        raise ValueError(f"model folder {model} has no MLflow run id: it cannot be registered")
    decision = Evaluation.load(evaluation)
    if decision.candidate_run_id not in (None, run_id):
        raise ValueError(
            f"evaluation {evaluation} is of run {decision.candidate_run_id}, not of the model's "
            f"run {run_id}"
        )
    registered = register_model(run_id, name, tracking_uri=tracking_uri)
    client, _ = client_for(tracking_uri)
    current = aliases(client, name).get(CHAMPION)
    if decision.blessed and current != decision.champion_version:
        decision = Evaluation(
            **{
                **vars(decision),
                "blessed": False,
                "reason": (
                    f"blessed against champion version {decision.champion_version}, but the "
                    f"champion is version {current} now: evaluate again"
                ),
            }
        )
        _logger.warning(
            "'%s' version %s not promoted: %s", name, registered.version, decision.reason
        )
    record_decision(name, registered.version, decision, tracking_uri=tracking_uri)
    if decision.blessed:
        promote(name, registered.version, tracking_uri=tracking_uri)
    version = client.get_model_version(name, registered.version)
    return RegisteredVersion(
        name=name,
        version=registered.version,
        run_id=run_id,
        aliases=sorted(version.aliases or []),
        tags=dict(version.tags or {}),
    )
