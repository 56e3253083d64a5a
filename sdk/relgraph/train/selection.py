"""Choosing the best of several trained models: the fan-in of a tuning sweep.

Each model folder's manifest holds its metrics per split and the metric it was selected on
(``relgraph.train.ModelBundle``); :func:`select_best_model` compares them on the validation
split, in the metric's direction, and copies the winner. The test split is left alone, so
the evaluation that follows still judges the chosen model on data no choice has seen.
"""

import json
import logging
import math
import os
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from relgraph.io.atomic import atomic_directory, atomic_write_text
from relgraph.train.bundle import read_model_manifest
from relgraph.train.config import TrainerConfig
from relgraph.train.metrics import metric_direction

_logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Trial:
    """One model of a sweep.

    Args:
        path: Its model folder.
        run_id: Its MLflow run, or ``None``.
        metric: The metric compared.
        score: Its value on the compared split.
        config: The trainer settings that differ from ``TrainerConfig()``'s defaults.
    """

    path: Path
    run_id: str | None
    metric: str
    score: float
    config: dict[str, Any]


@dataclass(frozen=True)
class Selection:
    """What :func:`select_best_model` chose.

    Args:
        best: The winning trial.
        trials: Every trial, best first.
        split: The split compared on.
        dest: Where the winner was copied.
    """

    best: Trial
    trials: list[Trial]
    split: str
    dest: Path

    @property
    def run_id(self) -> str:
        """The winner's MLflow run (``""`` when it has none)."""
        return self.best.run_id or ""

    @property
    def score(self) -> float:
        """The winner's score."""
        return self.best.score

    def markdown(self) -> str:
        """The sweep as Markdown: every trial's score and settings, best first."""
        lines = [
            f"# Tuning: {len(self.trials)} trials",
            "",
            f"Best {self.best.metric} on the {self.split} split: {self.best.score:.4f} "
            f"(run `{self.best.run_id}`).",
            "",
            f"| rank | run | {self.best.metric} | settings |",
            "|---:|---|---:|---|",
        ]
        for rank, trial in enumerate(self.trials, start=1):
            settings = (
                f"`{json.dumps(trial.config, sort_keys=True)}`" if trial.config else "defaults"
            )
            lines.append(f"| {rank} | `{trial.run_id}` | {trial.score:.4f} | {settings} |")
        return "\n".join(lines) + "\n"


def _trial(path: Path, split: str) -> Trial:
    manifest = read_model_manifest(path)
    metric = manifest.get("task", {}).get("metric")
    if not metric:
        raise ValueError(f"model folder {path} does not say which metric it was selected on")
    values = manifest.get("metrics", {}).get(split, {})
    if metric not in values or not math.isfinite(float(values[metric])):
        raise ValueError(
            f"model folder {path} has no finite {split} {metric!r} (its {split} metrics: "
            f"{sorted(values)})"
        )
    defaults = TrainerConfig().to_dict()
    config = {
        key: value
        for key, value in (manifest.get("trainer_config") or {}).items()
        if defaults.get(key) != value
    }
    return Trial(
        path=path,
        run_id=manifest.get("made_from", {}).get("run_id"),
        metric=metric,
        score=float(values[metric]),
        config=config,
    )


def select_best_model(
    models: Sequence[str | os.PathLike[str]],
    dest: str | os.PathLike[str],
    *,
    split: str = "validation",
    summary: str | os.PathLike[str] | None = None,
) -> Selection:
    """Copies the model with the best score on ``split`` to ``dest``.

    Args:
        models: Model folders, all trained for the same task and metric.
        dest: The folder to copy the winner to (replaced if it exists).
        split: The split compared on (default: ``"validation"``).
        summary: Also write :meth:`Selection.markdown` to this file (default: ``None``).

    Returns:
        The choice; ties go to the earlier model.

    Raises:
        ValueError: If there is no model, the models were selected on different metrics, or a
            model has no finite score on ``split``.
        FileNotFoundError: If a folder is not a model folder.
    """
    if not models:
        raise ValueError("select_best_model: no model folders given")
    trials = [_trial(Path(path), split) for path in models]
    metrics = sorted({trial.metric for trial in trials})
    if len(metrics) > 1:
        raise ValueError(f"the models were selected on different metrics {metrics}; compare one")
    sign = 1.0 if metric_direction(metrics[0]) == "max" else -1.0
    ranked = sorted(trials, key=lambda trial: -sign * trial.score)  # stable: ties keep order
    best = ranked[0]
    with atomic_directory(dest, overwrite=True) as folder:
        shutil.copytree(best.path, folder, dirs_exist_ok=True)
    selection = Selection(best=best, trials=ranked, split=split, dest=Path(dest))
    if summary is not None:
        atomic_write_text(summary, selection.markdown())
    _logger.info(
        "best of %d models: %s with %s %s %.6g",
        len(trials),
        best.path,
        split,
        best.metric,
        best.score,
    )
    return selection
