"""Training and prediction for node tasks (binary, multiclass, multilabel, regression).

:func:`fit_node_task` trains a :class:`~relgraph.nn.NodeModel` on a graph artifact and a
task's train/validation(/test) tables: AdamW or Adam with cosine annealing, early stopping on
the validation metric with the best state kept, a checkpoint written atomically after every
epoch (resumed after a crash or kill, ending with the same result as an uninterrupted run),
mixed precision and pinned, non-blocking transfers on CUDA, and batches sampled in DataLoader
workers while the model steps. Regression tasks train an ensemble of whole runs by default
(``TrainerConfig.ensemble_size``), predicted through :class:`~relgraph.nn.NodeEnsemble`.
:class:`NodePredictor` (``TrainResult.predictor``) predicts for any task table on the same
graph.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import random
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import torch
import torch.nn.functional as F
from torch.optim.swa_utils import AveragedModel
from torch_geometric.data import HeteroData

from relgraph.graph.artifact import GraphArtifact
from relgraph.graph.node_time import TimeLike, seconds_to_iso, to_epoch_seconds
from relgraph.graph.sampler import TemporalNeighborSampler
from relgraph.graph.sampler_dataset import SamplerDataset
from relgraph.graph.store import GraphStore
from relgraph.nn import GraphSpec, NodeEnsemble, NodeModel
from relgraph.tasks import ANCHOR_TIME, EvaluationMetric, TaskType
from relgraph.train.checkpoint import (
    BEST,
    LAST,
    load_checkpoint,
    rng_state,
    save_checkpoint,
    set_rng_state,
)
from relgraph.train.config import TrainerConfig
from relgraph.train.data import (
    SPLITS,
    LabelCoder,
    NodeExamples,
    check_splits,
    freeze_examples,
    node_examples,
    recent_rows,
    with_history_lag,
)
from relgraph.train.metrics import (
    compute_metrics,
    default_metric,
    metric_direction,
    metric_names,
)
from relgraph.train.progress import Progress

_logger = logging.getLogger(__name__)

RUNTIME_ONLY_FIELDS = ("num_workers", "num_threads")
"""TrainerConfig fields that a resumed run may change: results do not depend on them."""

REGRESSION_ENSEMBLE_SIZE = 3
"""Models a regression task trains by default (``TrainerConfig.ensemble_size`` is ``None``)."""

CLAMP_QUANTILES = (0.02, 0.98)
"""Regression outputs are clamped to these quantiles of the training labels by default."""


def resolve_device(name: str) -> torch.device:
    """``"auto"`` -> cuda when available, else cpu.

    Raises:
        ValueError: If ``"cuda"`` is asked for and no GPU is available.
    """
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise ValueError("TrainerConfig.device is 'cuda' but no CUDA device is available")
    return torch.device(name)


def seed_everything(seed: int) -> None:
    """Seeds Python's, NumPy's and torch's random generators."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def to_device(batch: HeteroData, device: torch.device) -> HeteroData:
    """Moves a batch, its TensorFrames included (``HeteroData.to`` moves them), to
    ``device``; non-blocking, as batches come from pinned memory on CUDA."""
    if device.type == "cpu":
        return batch
    return batch.to(device, non_blocking=True)


@dataclass
class NodePredictor:
    """A trained node model with what it needs to predict: sampler settings, label coding and
    the regression clamp. Picklable.

    Args:
        model: The trained model, or ensemble of models (on the CPU).
        coder: Maps outputs to predictions.
        entity_table: The node type predicted for.
        entity_column: The task tables' entity column.
        fanouts: Neighbors sampled per hop.
        temporal_strategy: ``"uniform"`` or ``"last"``.
        seed: The sampler's seed.
        clamp: ``(low, high)`` clamp of regression outputs, or ``None``.
    """

    model: NodeModel | NodeEnsemble
    coder: LabelCoder
    entity_table: str
    entity_column: str
    fanouts: tuple[int, ...]
    temporal_strategy: str
    seed: int
    clamp: tuple[float, float] | None = None

    def sampler(self, store: GraphStore) -> TemporalNeighborSampler:
        """A sampler over ``store`` with the training settings."""
        return TemporalNeighborSampler(
            store, list(self.fanouts), strategy=self.temporal_strategy, seed=self.seed
        )

    def outputs_to_predictions(self, outputs: torch.Tensor) -> np.ndarray:
        """Turns raw outputs into predictions: P(1) (binary), class probabilities
        (multiclass), label probabilities (multilabel) or clamped values (regression)."""
        outputs = outputs.float()
        task_type = self.coder.task_type
        if task_type is TaskType.BINARY_CLASSIFICATION:
            return torch.sigmoid(outputs.view(-1)).numpy()
        if task_type is TaskType.MULTICLASS_CLASSIFICATION:
            return torch.softmax(outputs, dim=-1).numpy()
        if task_type is TaskType.MULTILABEL_CLASSIFICATION:
            return torch.sigmoid(outputs).numpy()
        values = outputs.view(-1)
        if self.clamp is not None:
            values = values.clamp(self.clamp[0], self.clamp[1])
        return values.numpy()

    @torch.no_grad()
    def predict_examples(
        self,
        store: GraphStore,
        examples: NodeExamples,
        *,
        batch_size: int = 1024,
        device: torch.device | None = None,
        num_workers: int = 0,
        amp: bool = False,
    ) -> np.ndarray:
        """Predicts for prepared examples (see :meth:`predict`)."""
        device = device if device is not None else torch.device("cpu")
        self.model.to(device)
        self.model.eval()
        dataset = SamplerDataset(
            self.sampler(store),
            self.entity_table,
            examples.seeds,
            examples.seed_time,
            visible_until=examples.visible_until,
            batch_size=batch_size,
        )
        loader = dataset.loader(num_workers=num_workers, pin_memory=device.type == "cuda")
        outputs = []
        for batch in loader:
            batch = to_device(batch, device)
            with torch.autocast(device.type, enabled=amp and device.type == "cuda"):
                outputs.append(self.model(batch).float().cpu())
        if not outputs:
            return self.outputs_to_predictions(torch.zeros((0, self.coder.out_channels)))
        return self.outputs_to_predictions(torch.cat(outputs))

    def predict(
        self,
        artifact: GraphArtifact,
        table: pa.Table,
        *,
        batch_size: int = 1024,
        device: str = "cpu",
    ) -> np.ndarray:
        """Predicts for every row of a task table (entity column and ``anchor_time``).

        Args:
            artifact: The graph (built like the training graph).
            table: The rows to predict for; a ``label`` column is ignored.
            batch_size: Seeds per batch (default: 1024).
            device: ``"cpu"``, ``"cuda"`` or ``"auto"`` (default: "cpu").

        Returns:
            One prediction per row (see :meth:`outputs_to_predictions`).

        Raises:
            ValueError: If the table lacks a column or names unknown entities.
        """
        examples = node_examples(
            table,
            artifact.id_maps,
            entity_table=self.entity_table,
            entity_column=self.entity_column,
            coder=None,
            split="prediction",
        )
        predictions = self.predict_examples(
            artifact.store, examples, batch_size=batch_size, device=resolve_device(device)
        )
        self.model.cpu()
        return predictions


@dataclass
class TrainResult:
    """What :func:`fit_node_task` returns.

    Args:
        predictor: The best model with its prediction settings.
        config: The configuration trained with.
        task_type: The task type.
        metric: The validation metric that selected the epoch.
        best_epoch: The selected epoch (0-based).
        metrics: Metrics per split (``train``, ``validation``, ``test`` when given).
        predictions: Predictions per split, row-aligned with the task tables (train: its rows
            inside ``config.train_window_days``).
        history: Per epoch: ``epoch``, ``train_loss``, ``lr``, ``seconds`` and the validation
            metrics (``val_<name>``) when evaluated.
        epoch_seconds: Mean wall time of a training epoch (evaluation included).
        resumed_from: The epoch a resumed run continued after, or ``None``.
        members: The members' own results when the model is an ensemble (``best_epoch`` is
            then the latest member's, ``history`` every member's records with a ``member``
            key); empty otherwise.
    """

    predictor: NodePredictor
    config: TrainerConfig
    task_type: TaskType
    metric: str
    best_epoch: int
    metrics: dict[str, dict[str, float]]
    predictions: dict[str, np.ndarray]
    history: list[dict[str, float]] = field(default_factory=list)
    epoch_seconds: float = 0.0
    resumed_from: int | None = None
    members: tuple[TrainResult, ...] = ()

    @property
    def model(self) -> NodeModel | NodeEnsemble:
        """The best model."""
        return self.predictor.model


class _Run:
    """The state of one training run (model, optimizer, scheduler, selection)."""

    def __init__(
        self,
        config: TrainerConfig,
        model: NodeModel,
        device: torch.device,
        direction: str,
    ) -> None:
        self.config = config
        self.model = model
        self.device = device
        params = [p for p in model.parameters() if p.requires_grad]
        optimizer_cls = torch.optim.AdamW if config.optimizer == "adamw" else torch.optim.Adam
        self.optimizer = optimizer_cls(params, lr=config.lr, weight_decay=config.weight_decay)
        self.scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(
            self.optimizer, T_max=config.cosine_period, eta_min=config.eta_min
        )
        self.amp = config.amp and device.type == "cuda"
        self.scaler = torch.amp.GradScaler("cuda", enabled=self.amp)
        self.ema = (
            AveragedModel(model, avg_fn=_ema_update(config.ema_decay), use_buffers=True)
            if config.ema_decay is not None
            else None
        )
        self.direction = direction
        self.epoch = -1
        self.best_value = math.inf if direction == "min" else -math.inf
        self.best_epoch = -1
        self.best_state: dict[str, torch.Tensor] | None = None
        self.bad_evaluations = 0
        self.history: list[dict[str, float]] = []

    @property
    def eval_model(self) -> NodeModel:
        """The weights that are evaluated, selected and returned: the moving average when
        ``ema_decay`` is set, else the trained model."""
        return self.ema.module if self.ema is not None else self.model

    def step(self, loss: torch.Tensor) -> None:
        """One optimizer step on ``loss`` (scaled under AMP), then the moving average."""
        self.scaler.scale(loss).backward()
        self.scaler.step(self.optimizer)
        self.scaler.update()
        if self.ema is not None:
            self.ema.update_parameters(self.model)

    def improved(self, value: float) -> bool:
        if not math.isfinite(value):
            return False
        if self.direction == "min":
            return value < self.best_value
        return value > self.best_value

    def state(self, fingerprint: str) -> dict[str, Any]:
        return {
            "fingerprint": fingerprint,
            "epoch": self.epoch,
            "model": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "scheduler": self.scheduler.state_dict(),
            "scaler": self.scaler.state_dict(),
            "ema": self.ema.state_dict() if self.ema is not None else None,
            "best_value": self.best_value,
            "best_epoch": self.best_epoch,
            "best_state": self.best_state,
            "bad_evaluations": self.bad_evaluations,
            "history": self.history,
            "rng": rng_state(),
        }

    def load(self, state: dict[str, Any]) -> None:
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.scheduler.load_state_dict(state["scheduler"])
        self.scaler.load_state_dict(state["scaler"])
        if self.ema is not None:
            self.ema.load_state_dict(state["ema"])
        self.epoch = int(state["epoch"])
        self.best_value = float(state["best_value"])
        self.best_epoch = int(state["best_epoch"])
        self.best_state = state["best_state"]
        self.bad_evaluations = int(state["bad_evaluations"])
        self.history = list(state["history"])
        set_rng_state(state["rng"])


def _loss(
    task_type: TaskType, config: TrainerConfig, outputs: torch.Tensor, target: torch.Tensor
) -> torch.Tensor:
    """The training loss: BCE (binary, multilabel), cross-entropy (multiclass), L1 (regression),
    with label smoothing for classification when configured."""
    outputs = outputs.float()
    alpha = config.label_smoothing_alpha if config.label_smoothing else 0.0
    if task_type is TaskType.MULTICLASS_CLASSIFICATION:
        return F.cross_entropy(outputs, target, label_smoothing=alpha)
    if task_type in (TaskType.BINARY_CLASSIFICATION, TaskType.MULTILABEL_CLASSIFICATION):
        outputs = outputs.view(-1) if task_type is TaskType.BINARY_CLASSIFICATION else outputs
        target = target.float() * (1.0 - alpha) + 0.5 * alpha
        return F.binary_cross_entropy_with_logits(outputs, target)
    return F.l1_loss(outputs.view(-1), target.float())


def _ema_update(decay: float) -> Any:
    """``AveragedModel``'s update for an exponential moving average whose decay warms up as
    ``min(decay, (1 + n) / (10 + n))`` over the first steps (n: steps averaged so far), so
    the average is not dominated by the initial weights on small tables."""

    def update(averaged: torch.Tensor, current: torch.Tensor, n: torch.Tensor) -> torch.Tensor:
        weight = min(decay, (1.0 + float(n)) / (10.0 + float(n)))
        return averaged + (current - averaged) * (1.0 - weight)

    return update


def _epoch_seed(seed: int, epoch: int) -> int:
    """The torch seed of one epoch of a run."""
    return int.from_bytes(hashlib.sha256(f"{seed}:{epoch}".encode()).digest()[:7], "little")


def _fingerprint(config: TrainerConfig, task: dict[str, Any], tables: dict[str, int]) -> str:
    """Identifies a run, so that a checkpoint is only resumed by the same run."""
    settings = config.to_dict()
    for runtime_only in RUNTIME_ONLY_FIELDS:  # they change how fast, never what is learned
        settings.pop(runtime_only)
    text = json.dumps({"config": settings, "task": task, "rows": tables}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _selection_metric(task_type: TaskType, metric: str | None) -> str:
    """The key of the validation metric that selects the epoch (aliases such as ``auroc``
    resolved).

    Raises:
        ValueError: If the metric does not fit the task type.
    """
    if metric is None:
        return default_metric(task_type)
    name = EvaluationMetric.parse(metric).name
    known = metric_names(task_type)
    if name not in known:
        raise ValueError(
            f"metric {metric!r} does not fit a {task_type.value} task (metrics: {list(known)})"
        )
    return name


def _freeze_splits(
    examples: dict[str, NodeExamples], visible_until: Mapping[str, TimeLike]
) -> dict[str, NodeExamples]:
    """The examples with the splits named in ``visible_until`` frozen at their time."""
    unknown = sorted(set(visible_until) - set(examples))
    if unknown:
        raise ValueError(
            f"visible_until names split(s) {unknown} that have no task table "
            f"(found: {sorted(examples)})"
        )
    return {
        split: freeze_examples(ex, to_epoch_seconds(visible_until[split], name="visible_until"))
        if split in visible_until
        else ex
        for split, ex in examples.items()
    }


def _split_examples(
    artifact: GraphArtifact,
    tables: Mapping[str, pa.Table],
    *,
    entity_table: str,
    entity_column: str,
    coder: LabelCoder,
    config: TrainerConfig,
    visible_until: Mapping[str, TimeLike] | None,
) -> dict[str, NodeExamples]:
    """Per split, the examples trained and evaluated on: the splits named in
    ``visible_until`` frozen at their time, and, when validation is frozen, a fraction
    ``config.history_lag_prob`` of the training examples seeing an older snapshot."""
    examples = {
        split: node_examples(
            tables[split],
            artifact.id_maps,
            entity_table=entity_table,
            entity_column=entity_column,
            coder=coder,
            split=split,
        )
        for split in SPLITS
        if split in tables
    }
    examples = _freeze_splits(examples, visible_until or {})
    if examples["validation"].visible_until is not None and config.history_lag_prob > 0:
        val = examples["validation"]
        examples["train"] = with_history_lag(
            examples["train"],
            np.maximum(val.seed_time - val.visible_until, 0),
            config.history_lag_prob,
            config.seed,
        )
    return examples


def _evaluate(
    predictor: NodePredictor,
    store: GraphStore,
    examples: Mapping[str, NodeExamples],
    config: TrainerConfig,
    device: torch.device,
) -> tuple[dict[str, np.ndarray], dict[str, dict[str, float]]]:
    """Predictions for every split, and the metrics of the labeled ones; leaves the model on
    the CPU."""
    predictions = {
        split: predictor.predict_examples(
            store,
            ex,
            batch_size=config.val_batch_size,
            device=device,
            num_workers=config.num_workers,
            amp=config.amp,
        )
        for split, ex in examples.items()
    }
    predictor.model.cpu()
    coder = predictor.coder
    metrics = {
        split: compute_metrics(coder.task_type, coder.metric_targets(ex.target), predictions[split])
        for split, ex in examples.items()
        if ex.target is not None and len(ex) > 0
    }
    return predictions, metrics


def _regression_setup(
    config: TrainerConfig, model: NodeModel, target: torch.Tensor
) -> tuple[float, float]:
    """Starts the output bias at the training median and returns the output clamp."""
    values = target.double().numpy()
    model.set_output_bias(float(np.median(values)))
    low, high = np.quantile(values, CLAMP_QUANTILES)
    return (
        float(config.clamp_min) if config.clamp_min is not None else float(low),
        float(config.clamp_max) if config.clamp_max is not None else float(high),
    )


def fit_node_task(
    artifact: GraphArtifact,
    tables: Mapping[str, pa.Table],
    *,
    entity_table: str,
    entity_column: str,
    task_type: TaskType | str,
    config: TrainerConfig | None = None,
    metric: str | None = None,
    tracker: Any | None = None,
    checkpoint_dir: str | Path | None = None,
    quiet: bool = True,
    task_spec: Mapping[str, Any] | None = None,
    restore_best: bool = True,
    visible_until: Mapping[str, TimeLike] | None = None,
) -> TrainResult:
    """Trains a node model and evaluates it on every split given.

    Args:
        artifact: The graph (materialized with encoders fitted up to the test cutoff).
        tables: Task tables ``{"train", "validation"[, "test"]}``, each with the entity
            column, ``anchor_time`` and ``label``.
        entity_table: The node type predicted for (e.g. ``"drivers"``).
        entity_column: The task tables' entity column (e.g. ``"driverId"``).
        task_type: Binary, multiclass or multilabel classification, or regression.
        config: The configuration (default: ``TrainerConfig()``).
        metric: The validation metric that selects the epoch (default: the task type's
            default metric, e.g. ``roc_auc`` or ``mae``).
        tracker: A started :class:`relgraph.train.tracking.RunTracker` (or anything with its
            ``log_params``, ``log_metrics``, ``log_dict`` and ``set_tags``); every parameter,
            epoch curve, final metric, the schema and task spec and the data hash are logged
            to it; :func:`relgraph.train.train_model` adds the model (default: None, nothing
            logged).
        checkpoint_dir: Where ``last.pt`` (written after every epoch) and ``best.pt`` go; an
            existing ``last.pt`` of the same run is resumed (default: None, no checkpoints).
        quiet: Hide the progress bar (default: True).
        task_spec: A description of the task logged with the run (default: None: the entity
            table/column and task type).
        restore_best: Return the weights of the best validation epoch; ``False`` returns the
            last epoch's, e.g. when refitting on train + validation for an epoch count the
            validation metric chose before (default: True).
        visible_until: Per split, the time of a database snapshot its examples see: rows
            after it are hidden even from later anchors (default: None, each example sees
            everything before its anchor time). Freezing ``"validation"`` at its first
            anchor time validates the way a model is tested on a database frozen at the test
            time (RelBench's protocol) and turns on ``config.history_lag_prob``.

    Returns:
        The best model (by validation metric), metrics and predictions per split, history.

    Raises:
        ValueError: If a split or column is missing, an entity is unknown, labels do not fit
            the task type, the metric does not fit it, or a checkpoint is of another run.
    """
    config = config if config is not None else TrainerConfig()
    task_type = TaskType.parse(task_type)
    check_splits(tables)
    GraphSpec.from_store(artifact.store).check_node_type(entity_table, "entity_table")
    window = recent_rows(tables["train"], ANCHOR_TIME, config.train_window_days)
    size = _ensemble_size(config, task_type)
    fit = partial(_fit_ensemble, size) if size > 1 else _fit_one
    return fit(
        artifact,
        {**tables, "train": window},
        entity_table=entity_table,
        entity_column=entity_column,
        task_type=task_type,
        config=config,
        metric=_selection_metric(task_type, metric),
        tracker=tracker,
        checkpoint_dir=checkpoint_dir,
        quiet=quiet,
        task_spec=task_spec,
        restore_best=restore_best,
        visible_until=visible_until,
    )


def _fit_one(
    artifact: GraphArtifact,
    tables: Mapping[str, pa.Table],
    *,
    entity_table: str,
    entity_column: str,
    task_type: TaskType,
    config: TrainerConfig,
    metric: str,
    tracker: Any | None,
    checkpoint_dir: str | Path | None,
    quiet: bool,
    task_spec: Mapping[str, Any] | None,
    restore_best: bool,
    visible_until: Mapping[str, TimeLike] | None,
) -> TrainResult:
    """Trains one model (:func:`fit_node_task`, its arguments checked and the training
    window applied)."""
    direction = metric_direction(metric)
    device = resolve_device(config.device)
    if config.num_threads is not None:
        torch.set_num_threads(config.num_threads)
    seed_everything(config.seed)

    store = artifact.store
    coder = LabelCoder.fit(task_type, tables["train"].column("label").combine_chunks())
    examples = _split_examples(
        artifact,
        tables,
        entity_table=entity_table,
        entity_column=entity_column,
        coder=coder,
        config=config,
        visible_until=visible_until,
    )
    train = examples["train"]
    if len(train) == 0:
        raise ValueError("the train task table has no rows")

    model = NodeModel(
        GraphSpec.from_store(store), entity_table, coder.out_channels, config.model_config()
    )
    clamp = None
    if task_type is TaskType.REGRESSION:
        clamp = _regression_setup(config, model, train.target)
    predictor = NodePredictor(
        model=model,
        coder=coder,
        entity_table=entity_table,
        entity_column=entity_column,
        fanouts=config.fanouts,
        temporal_strategy=config.temporal_strategy,
        seed=config.seed,
        clamp=clamp,
    )
    model.to(device)
    run = _Run(config, model, device, direction)
    spec = _run_spec(task_spec, entity_table, entity_column, task_type, metric, visible_until)
    fingerprint = _fingerprint(
        config,
        {**spec, "graph": artifact.content_hash},
        {split: len(ex) for split, ex in examples.items()},
    )
    resumed_from = None
    checkpoint_path = Path(checkpoint_dir) / LAST if checkpoint_dir is not None else None
    if checkpoint_path is not None and checkpoint_path.is_file():
        state = load_checkpoint(checkpoint_path)
        if state.get("fingerprint") != fingerprint:
            raise ValueError(
                f"the checkpoint {checkpoint_path} belongs to another run (configuration, "
                "task or graph differ); use another checkpoint_dir or delete it"
            )
        run.load(state)
        model.to(device)
        resumed_from = run.epoch
        _logger.info("resuming after epoch %d from %s", run.epoch, checkpoint_path)

    if tracker is not None:
        _log_run_start(tracker, config, artifact, spec, metric)

    train_set = SamplerDataset(
        predictor.sampler(store),
        entity_table,
        train.seeds,
        train.seed_time,
        labels=train.target,
        visible_until=train.visible_until,
        batch_size=config.train_batch_size,
        shuffle=True,
    )
    pin = device.type == "cuda"
    loader = train_set.loader(
        num_workers=config.num_workers,
        persistent_workers=config.num_workers > 0,
        pin_memory=pin,
    )
    progress = Progress(quiet=quiet)
    evaluated = replace(predictor, model=run.eval_model)
    val = examples["validation"]
    val_targets = coder.metric_targets(val.target)
    epoch_times: list[float] = []
    stop = run.bad_evaluations >= (config.patience or math.inf)
    for epoch in range(run.epoch + 1, config.n_epochs):
        if stop:
            break
        start = time.perf_counter()
        model.train()
        loader.sampler.set_epoch(epoch)
        batches = iter(loader)
        # Every epoch draws its dropout masks from (seed, epoch), seeded after the loader's
        # iterator is made (which draws from the global generator, or not, depending on
        # workers): the same with or without workers, and after a resume.
        torch.manual_seed(_epoch_seed(config.seed, epoch))
        total_loss, total_count = 0.0, 0
        steps = (
            len(train_set) if config.max_iters is None else min(len(train_set), config.max_iters)
        )
        for step, batch in enumerate(progress.epoch(batches, epoch, steps)):
            if step >= steps:
                break
            batch = to_device(batch, device)
            target = batch[entity_table].y
            run.optimizer.zero_grad(set_to_none=True)
            with torch.autocast(device.type, enabled=run.amp):
                outputs = model(batch)
            loss = _loss(task_type, config, outputs, target)
            run.step(loss)
            count = int(target.shape[0])
            total_loss += float(loss.detach()) * count
            total_count += count
            progress.update(loss=total_loss / total_count)
        lr = float(run.optimizer.param_groups[0]["lr"])
        run.scheduler.step()
        record: dict[str, float] = {
            "epoch": epoch,
            "train_loss": total_loss / max(total_count, 1),
            "lr": lr,
        }
        if (epoch + 1) % config.eval_every == 0 or epoch == config.n_epochs - 1:
            predictions = evaluated.predict_examples(
                store,
                val,
                batch_size=config.val_batch_size,
                device=device,
                num_workers=config.num_workers,
                amp=config.amp,
            )
            val_metrics = compute_metrics(task_type, val_targets, predictions)
            record.update({f"val_{name}": value for name, value in val_metrics.items()})
            value = val_metrics[metric]
            progress.update(**{f"val_{metric}": value})
            if run.improved(value):
                run.best_value = value
                run.best_epoch = epoch
                run.best_state = {
                    k: v.detach().cpu().clone() for k, v in run.eval_model.state_dict().items()
                }
                run.bad_evaluations = 0
                if checkpoint_dir is not None:
                    save_checkpoint(
                        {"epoch": epoch, "model": run.best_state, "fingerprint": fingerprint},
                        Path(checkpoint_dir) / BEST,
                    )
            else:
                run.bad_evaluations += 1
            stop = config.patience is not None and run.bad_evaluations >= config.patience
        seconds = time.perf_counter() - start
        record["seconds"] = seconds
        epoch_times.append(seconds)
        run.history.append(record)
        run.epoch = epoch
        _logger.info(
            "epoch %d: %s",
            epoch,
            ", ".join(f"{k}={v:.4g}" for k, v in record.items() if k != "epoch"),
        )
        if tracker is not None:
            tracker.log_metrics({k: v for k, v in record.items() if k != "epoch"}, step=epoch)
        if checkpoint_path is not None:
            save_checkpoint(run.state(fingerprint), checkpoint_path)

    if restore_best and run.best_state is not None:
        model.load_state_dict(run.best_state)
    elif run.ema is not None:
        model.load_state_dict(run.ema.module.state_dict())
    predictions, metrics = _evaluate(predictor, store, examples, config, device)
    result = TrainResult(
        predictor=predictor,
        config=config,
        task_type=task_type,
        metric=metric,
        best_epoch=run.best_epoch,
        metrics=metrics,
        predictions=predictions,
        history=run.history,
        epoch_seconds=float(np.mean(epoch_times)) if epoch_times else 0.0,
        resumed_from=resumed_from,
    )
    if tracker is not None:
        _log_run_end(tracker, result)
    return result


def _ensemble_size(config: TrainerConfig, task_type: TaskType) -> int:
    """The number of models a node task trains: ``config.ensemble_size``, else
    :data:`REGRESSION_ENSEMBLE_SIZE` for regression and 1 for classification."""
    if config.ensemble_size is not None:
        return config.ensemble_size
    return REGRESSION_ENSEMBLE_SIZE if task_type is TaskType.REGRESSION else 1


def _member_seed(seed: int, index: int) -> int:
    """The seed of ensemble member ``index``: the run's own for the first member, so that
    ensembles of different seeds share no member."""
    if index == 0:
        return seed
    return int.from_bytes(hashlib.sha256(f"{seed}:member:{index}".encode()).digest()[:4], "little")


class _MemberTracker:
    """What an ensemble member logs to the ensemble's run: its curves and metrics as
    ``member<i>.<name>`` and its files under ``member<i>/``. Parameters and tags are the
    ensemble's (MLflow parameters cannot change within a run), logged once."""

    def __init__(self, tracker: Any, index: int) -> None:
        self._tracker = tracker
        self._prefix = f"member{index}"

    def log_params(self, params: Mapping[str, Any]) -> None:
        """Ignored: the ensemble logs its own."""

    def set_tags(self, tags: Mapping[str, str]) -> None:
        """Ignored: the ensemble sets its own."""

    def log_dict(self, obj: Any, name: str) -> None:
        self._tracker.log_dict(obj, f"{self._prefix}/{name}")

    def log_metrics(self, metrics: Mapping[str, float], step: int | None = None) -> None:
        self._tracker.log_metrics({f"{self._prefix}.{k}": v for k, v in metrics.items()}, step=step)


def _fit_ensemble(
    size: int,
    artifact: GraphArtifact,
    tables: Mapping[str, pa.Table],
    *,
    entity_table: str,
    entity_column: str,
    task_type: TaskType,
    config: TrainerConfig,
    metric: str,
    tracker: Any | None,
    checkpoint_dir: str | Path | None,
    quiet: bool,
    task_spec: Mapping[str, Any] | None,
    restore_best: bool,
    visible_until: Mapping[str, TimeLike] | None,
) -> TrainResult:
    """Trains ``size`` members (each a whole run of :func:`_fit_one`: early stopping, best
    epoch, checkpoints under ``member-<i>``) and evaluates the mean of their outputs."""
    if tracker is not None:
        spec = _run_spec(task_spec, entity_table, entity_column, task_type, metric, visible_until)
        _log_run_start(tracker, config, artifact, spec, metric)
    members = [
        _fit_one(
            artifact,
            tables,
            entity_table=entity_table,
            entity_column=entity_column,
            task_type=task_type,
            config=config.replace(seed=_member_seed(config.seed, index), ensemble_size=1),
            metric=metric,
            tracker=_MemberTracker(tracker, index) if tracker is not None else None,
            checkpoint_dir=(
                Path(checkpoint_dir) / f"member-{index}" if checkpoint_dir is not None else None
            ),
            quiet=quiet,
            task_spec=task_spec,
            restore_best=restore_best,
            visible_until=visible_until,
        )
        for index in range(size)
    ]
    first = members[0].predictor
    predictor = replace(first, model=NodeEnsemble([member.model for member in members]))
    examples = _split_examples(
        artifact,
        tables,
        entity_table=entity_table,
        entity_column=entity_column,
        coder=first.coder,
        config=config,
        visible_until=visible_until,
    )
    predictions, metrics = _evaluate(
        predictor, artifact.store, examples, config, resolve_device(config.device)
    )
    resumed = [m.resumed_from for m in members if m.resumed_from is not None]
    result = TrainResult(
        predictor=predictor,
        config=config,
        task_type=task_type,
        metric=metric,
        best_epoch=max(member.best_epoch for member in members),
        metrics=metrics,
        predictions=predictions,
        history=[{**record, "member": i} for i, m in enumerate(members) for record in m.history],
        epoch_seconds=float(np.mean([member.epoch_seconds for member in members])),
        resumed_from=resumed[0] if resumed else None,
        members=tuple(members),
    )
    if tracker is not None:
        _log_run_end(tracker, result)
    return result


def _run_spec(
    task_spec: Mapping[str, Any] | None,
    entity_table: str,
    entity_column: str,
    task_type: TaskType,
    metric: str,
    visible_until: Mapping[str, TimeLike] | None,
) -> dict[str, Any]:
    """The task description logged with a run: ``task_spec`` completed with the entity,
    task type, metric and frozen splits."""
    spec = dict(task_spec) if task_spec is not None else {}
    spec.setdefault("entity_table", entity_table)
    spec.setdefault("entity_column", entity_column)
    spec.setdefault("task_type", task_type.value)
    spec.setdefault("metric", metric)
    if visible_until:
        spec.setdefault(
            "visible_until",
            {split: seconds_to_iso(to_epoch_seconds(t)) for split, t in visible_until.items()},
        )
    return spec


def _log_run_start(
    tracker: Any,
    config: TrainerConfig,
    artifact: GraphArtifact,
    spec: dict[str, Any],
    metric: str,
) -> None:
    """Logs the parameters, schema, task spec, data hash and git commit of a run."""
    params = {k: json.dumps(v) if isinstance(v, list) else v for k, v in config.to_dict().items()}
    tracker.log_params({**params, "metric": metric, "entity_table": spec["entity_table"]})
    made_from = artifact.manifest.get("made_from", {})
    tracker.set_tags(
        {
            "relgraph.graph_hash": artifact.content_hash,
            "relgraph.data_hash": str(made_from.get("data_hash", "")),
        }
    )
    tracker.log_dict(artifact.schema.to_dict(), "schema.json")
    tracker.log_dict(spec, "task_spec.json")
    tracker.log_dict(config.to_dict(), "trainer_config.json")


def _log_run_end(tracker: Any, result: TrainResult) -> None:
    """Logs the final metrics per split and the history. The model is logged by
    :func:`relgraph.train.train_model`, as the run's one pyfunc model with its task, schema
    and encoding (a bare module would be a second, less useful model on the run)."""
    tracker.log_metrics(
        {
            f"{split}_{name}": value
            for split, values in result.metrics.items()
            for name, value in values.items()
        }
        | {"best_epoch": float(result.best_epoch)}
    )
    tracker.log_dict({"history": result.history}, "history.json")
