"""``LinkTrainer``: trains and evaluates link models (two-tower or ID-GNN) on link task tables.

One row of a link task asks, for a source entity at an anchor time, for the ``k`` target
nodes it will link to in the window after that time. The trainer samples each source's
temporal subgraph at its anchor time, trains the chosen model, keeps the weights with the
best validation MAP@k (early stopping after ``patience`` evaluations without improvement),
and ranks targets for any rows of the same kind.

* ``two_tower`` (:class:`~relgraph.nn.link_two_tower.TwoTowerLinkModel`): sampled-softmax loss
  over each true (source, target) pair and ``num_negative`` negatives drawn ``random`` or
  ``degree_based`` (other true targets of the same row are masked out of the negatives); it
  ranks all targets by dot product. With ``target_fanouts`` the target tower embeds each
  target's own subgraph at the row's anchor time (one subgraph per distinct target and time
  in a batch; at prediction, every target at every distinct anchor time), otherwise its
  features and a shallow embedding.
* ``idgnn`` (:class:`~relgraph.nn.link_idgnn.IDGNNLinkModel`): binary cross-entropy on every
  target node reached in the source's subgraph (true if it is a target of that row), as
  RelBench's ``idgnn_link.py``. It ranks the reached targets by probability; targets outside
  the subgraph follow, ordered by training popularity (RelBench leaves them at score 0, in
  arbitrary order).

With a ``checkpoint_dir``, :meth:`LinkTrainer.fit` writes ``last.pt`` atomically after every
epoch (model, optimizer, scheduler, negative sampler, random generators, selection state) and
``best.pt`` when validation improves; a fit of the same run finds ``last.pt`` and continues
after its epoch, ending with the same weights as an uninterrupted fit.
"""

import copy
import hashlib
import json
import logging
import numbers
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor
from torch_frame import TensorFrame
from torch_geometric.data import HeteroData

from relgraph.graph.sampler import TemporalNeighborSampler, gather_rows
from relgraph.graph.sampler_dataset import SamplerDataset
from relgraph.graph.store import GraphStore
from relgraph.nn.link_idgnn import IDGNNLinkModel
from relgraph.nn.link_two_tower import TwoTowerLinkModel
from relgraph.nn.spec import GraphSpec
from relgraph.tasks import TaskType
from relgraph.train.checkpoint import (
    BEST,
    LAST,
    load_checkpoint,
    rng_state,
    save_checkpoint,
    set_rng_state,
)
from relgraph.train.config import TrainerConfig
from relgraph.train.link_data import LinkExamples
from relgraph.train.link_negatives import NegativeSampler
from relgraph.train.link_popularity import popularity_ranking
from relgraph.train.metrics import compute_metrics
from relgraph.train.progress import Progress
from relgraph.train.trainer import RUNTIME_ONLY_FIELDS, resolve_device, to_device

_logger = logging.getLogger(__name__)

LinkModelKind = Literal["two_tower", "idgnn"]
"""The link model a :class:`LinkTrainer` trains."""

LINK_MODELS: tuple[LinkModelKind, ...] = ("two_tower", "idgnn")

_TARGET_CHUNK = 65_536
"""Targets embedded at once when the two-tower model scores all of them."""


@dataclass(frozen=True)
class LinkEpoch:
    """One training epoch.

    Args:
        epoch: The epoch number, from 1.
        loss: Mean training loss over the epoch's steps.
        steps: Optimizer steps taken.
        seconds: Wall time of the epoch's training (without evaluation).
        validation: Validation metrics when the epoch was evaluated, else empty.
    """

    epoch: int
    loss: float
    steps: int
    seconds: float
    validation: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class LinkFitResult:
    """What :meth:`LinkTrainer.fit` did.

    Args:
        metric: The validation metric early stopping followed (e.g. ``"map@10"``).
        best_epoch: The epoch whose weights were kept (the last one without validation).
        best_score: Its validation metric (``nan`` without validation).
        history: Every epoch.
        seconds: Wall time of the whole fit.
        resumed_from: The epoch a resumed fit continued after, or ``None`` (default: ``None``).
    """

    metric: str
    best_epoch: int
    best_score: float
    history: list[LinkEpoch]
    seconds: float
    resumed_from: int | None = None


class LinkTrainer:
    """Trains a link model on :class:`~relgraph.train.link_data.LinkExamples`.

    Args:
        config: Training configuration (default: ``TrainerConfig()``). Link training reads
            ``fanouts`` and ``gnn_layers`` (for ``idgnn`` the hops must reach the target
            type), ``num_negative`` and ``negative_sampling_strategy`` (``two_tower``),
            the optimizer, schedule, early-stopping and runtime fields.
        model: ``"two_tower"`` or ``"idgnn"`` (default: ``"idgnn"``).
        k: How many targets are ranked per row, and the ``k`` of the validation MAP@k
            (default: ``10``).
        target_fanouts: ``two_tower`` only: fanouts of the targets' own subgraphs, sampled
            at each row's anchor time, for the temporal target tower; ``None`` for the static
            tower (features + shallow embedding) (default: ``None``).

    Raises:
        ValueError: If ``model`` is unknown, ``k`` is not a positive integer, or
            ``target_fanouts`` is given to ``idgnn`` or is empty.
    """

    def __init__(
        self,
        config: TrainerConfig | None = None,
        *,
        model: LinkModelKind = "idgnn",
        k: int = 10,
        target_fanouts: Sequence[int] | None = None,
    ) -> None:
        if model not in LINK_MODELS:
            raise ValueError(f"model must be one of {list(LINK_MODELS)}, got {model!r}")
        if isinstance(k, bool) or not isinstance(k, numbers.Integral) or k < 1:
            raise ValueError(f"k must be a positive integer, got {k!r}")
        if target_fanouts is not None and (model != "two_tower" or len(target_fanouts) == 0):
            raise ValueError(
                f"target_fanouts must be a non-empty list for model 'two_tower', found "
                f"{target_fanouts!r} for model {model!r}"
            )
        self.target_fanouts = None if target_fanouts is None else tuple(target_fanouts)
        self.config = config if config is not None else TrainerConfig()
        self.kind: LinkModelKind = model
        self.k = int(k)
        self.metric = f"map@{self.k}"
        self.model: TwoTowerLinkModel | IDGNNLinkModel | None = None
        self.device = resolve_device(self.config.device)
        self._store: GraphStore | None = None
        self._sampler: TemporalNeighborSampler | None = None
        self._target_sampler: TemporalNeighborSampler | None = None
        self._target_batches = 0
        self._popularity: Tensor | None = None

    @property
    def target_popularity(self) -> np.ndarray | None:
        """After :meth:`fit`: the score in ``[0, 1)`` ID-GNN gives each target outside a
        source's subgraph (its training popularity rank), ``float32[num_targets]``; before,
        ``None``."""
        return None if self._popularity is None else self._popularity.cpu().numpy()

    def fit(
        self,
        store: GraphStore,
        train: LinkExamples,
        validation: LinkExamples | None = None,
        *,
        current_time: bool = False,
        checkpoint_dir: str | Path | None = None,
        on_epoch: Callable[[LinkEpoch], None] | None = None,
        quiet: bool = True,
    ) -> LinkFitResult:
        """Trains a new model; keeps the weights of the best validation epoch.

        Args:
            store: The graph (its features and times; sampling respects each row's time).
            train: Training rows (at least one true target in total).
            validation: Validation rows for early stopping and model choice (default:
                ``None``: train ``n_epochs`` and keep the last weights).
            current_time: Whether a row may see graph rows at exactly its anchor time
                (default: ``False``).
            checkpoint_dir: Where ``last.pt`` (after every epoch) and ``best.pt`` (when
                validation improves) are written; an existing ``last.pt`` of the same run
                (same configuration, model, rows and graph sizes; ``num_workers`` and
                ``num_threads`` may differ) is resumed (default: ``None``, no checkpoints).
            on_epoch: Called with every finished epoch, e.g. to log curves (default:
                ``None``).
            quiet: Hide the progress bar (default: ``True``).

        Returns:
            The fit summary.

        Raises:
            ValueError: If the examples do not fit the store or each other, the training
                rows have no true target, or ``last.pt`` in ``checkpoint_dir`` belongs to
                another run.
        """
        started = time.perf_counter()
        config = self.config
        for name, examples in (("train", train), ("validation", validation)):
            if examples is not None:
                _check_examples(store, examples, name)
        if validation is not None and (
            (validation.source_type, validation.target_type)
            != (train.source_type, train.target_type)
        ):
            raise ValueError(
                f"validation rows link {validation.source_type}->{validation.target_type}, "
                f"training rows {train.source_type}->{train.target_type}"
            )
        if self.kind == "idgnn":
            _check_reach(store, train.source_type, train.target_type, len(config.fanouts))
        degrees = train.target_counts()
        if degrees.sum() == 0:
            raise ValueError("the training rows have no true target to learn from")
        if config.num_threads is not None:
            torch.set_num_threads(config.num_threads)
        torch.manual_seed(config.seed)
        self._target_batches = 0
        self._store = store
        self._sampler = TemporalNeighborSampler(
            store,
            list(config.fanouts),
            strategy=config.temporal_strategy,
            current_time=current_time,
            seed=config.seed,
        )
        spec = GraphSpec.from_store(store)
        if self.kind == "two_tower":
            self.model = TwoTowerLinkModel(
                spec,
                train.source_type,
                train.target_type,
                config.model_config(),
                target_layers=len(self.target_fanouts or ()),
            ).to(self.device)
        else:
            self.model = IDGNNLinkModel(
                spec, train.source_type, train.target_type, config.model_config()
            ).to(self.device)
        if self.target_fanouts is not None:
            self._target_sampler = TemporalNeighborSampler(
                store,
                list(self.target_fanouts),
                strategy=config.temporal_strategy,
                current_time=current_time,
                seed=config.seed,
            )
        # Unreached targets (ID-GNN) score in [0, 1) by popularity rank, ties by node index.
        popularity = np.empty(train.num_targets, dtype=np.float32)
        ranking = popularity_ranking(train, train.num_targets)
        popularity[ranking] = np.arange(train.num_targets, 0, -1) / (train.num_targets + 1.0)
        self._popularity = torch.from_numpy(popularity).to(self.device)
        negatives = NegativeSampler(
            train.num_targets,
            config.negative_sampling_strategy,
            degrees=degrees if config.negative_sampling_strategy == "degree_based" else None,
            seed=config.seed,
        )
        optimizer_cls = torch.optim.AdamW if config.optimizer == "adamw" else torch.optim.Adam
        optimizer = optimizer_cls(
            self.model.parameters(), lr=config.lr, weight_decay=config.weight_decay
        )
        scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(
            optimizer, T_max=config.cosine_period, eta_min=config.eta_min
        )
        use_amp = config.amp and self.device.type == "cuda"
        scaler = torch.amp.GradScaler("cuda", enabled=use_amp)
        dataset = SamplerDataset(
            self._sampler,
            train.source_type,
            train.seeds,
            train.seed_time,
            batch_size=config.train_batch_size,
            shuffle=True,
        )
        loader = dataset.loader(
            num_workers=config.num_workers,
            persistent_workers=config.num_workers > 0,
            pin_memory=self.device.type == "cuda",
        )
        history: list[LinkEpoch] = []
        best_score, best_epoch, best_state = -np.inf, 0, None
        waited, done, resumed_from = 0, 0, None
        fingerprint = self._fingerprint(store, train, validation, current_time)
        last = Path(checkpoint_dir) / LAST if checkpoint_dir is not None else None
        if last is not None and last.is_file():
            state = load_checkpoint(last)
            if state.get("fingerprint") != fingerprint:
                raise ValueError(
                    f"the checkpoint {last} belongs to another run (configuration, model, "
                    "rows or graph differ); use another checkpoint_dir or delete it"
                )
            self.model.load_state_dict(state["model"])
            optimizer.load_state_dict(state["optimizer"])
            scheduler.load_state_dict(state["scheduler"])
            scaler.load_state_dict(state["scaler"])
            negatives = state["negatives"]
            self._target_batches = int(state["target_batches"])
            history = list(state["history"])
            best_score, best_epoch = float(state["best_score"]), int(state["best_epoch"])
            best_state, waited = state["best_state"], int(state["waited"])
            done = resumed_from = int(state["epoch"])
            set_rng_state(state["rng"])
            _logger.info("link %s: resuming after epoch %d from %s", self.kind, done, last)
        progress = Progress(quiet=quiet, description=f"link {self.kind}")
        for epoch in range(done + 1, config.n_epochs + 1):
            if config.patience is not None and waited >= config.patience:
                break
            epoch_start = time.perf_counter()
            loader.sampler.set_epoch(epoch - 1)
            self.model.train()
            total, steps = 0.0, 0
            limit = len(dataset) if config.max_iters is None else config.max_iters
            for batch in progress.epoch(loader, epoch, min(len(dataset), limit)):
                if config.max_iters is not None and steps >= config.max_iters:
                    break
                batch = to_device(batch, self.device)
                with torch.autocast(self.device.type, enabled=use_amp):
                    loss = self._loss(batch, train, negatives)
                if loss is None:
                    continue
                optimizer.zero_grad(set_to_none=True)
                scaler.scale(loss).backward()
                scaler.step(optimizer)
                scaler.update()
                total += float(loss.detach())
                steps += 1
                progress.update(loss=total / steps)
            scheduler.step()
            seconds = time.perf_counter() - epoch_start
            metrics: dict[str, float] = {}
            evaluate = validation is not None and (
                epoch % config.eval_every == 0 or epoch == config.n_epochs
            )
            if evaluate:
                metrics = self.evaluate(validation)
            record = LinkEpoch(epoch, total / max(steps, 1), steps, seconds, metrics)
            history.append(record)
            _logger.info(
                "link %s epoch %d: loss %.4f, %d steps, %.1f s, validation %s",
                self.kind,
                epoch,
                record.loss,
                steps,
                seconds,
                metrics,
            )
            if evaluate:
                score = metrics[self.metric]
                if score > best_score:
                    best_score, best_epoch, waited = score, epoch, 0
                    best_state = copy.deepcopy(self.model.state_dict())
                    if checkpoint_dir is not None:
                        save_checkpoint(
                            {"epoch": epoch, "model": best_state, "fingerprint": fingerprint},
                            Path(checkpoint_dir) / BEST,
                        )
                else:
                    waited += 1
            if last is not None:
                save_checkpoint(
                    {
                        "fingerprint": fingerprint,
                        "epoch": epoch,
                        "model": self.model.state_dict(),
                        "optimizer": optimizer.state_dict(),
                        "scheduler": scheduler.state_dict(),
                        "scaler": scaler.state_dict(),
                        "negatives": negatives,
                        "target_batches": self._target_batches,
                        "history": history,
                        "best_score": best_score,
                        "best_epoch": best_epoch,
                        "best_state": best_state,
                        "waited": waited,
                        "rng": rng_state(),
                    },
                    last,
                )
            if on_epoch is not None:
                on_epoch(record)
        if best_state is not None:
            self.model.load_state_dict(best_state)
        else:
            best_epoch, best_score = history[-1].epoch, float("nan")
        return LinkFitResult(
            self.metric,
            best_epoch,
            float(best_score),
            history,
            time.perf_counter() - started,
            resumed_from,
        )

    def _fingerprint(
        self,
        store: GraphStore,
        train: LinkExamples,
        validation: LinkExamples | None,
        current_time: bool,
    ) -> str:
        """Identifies a fit (settings, rows, graph sizes), so that a checkpoint is only
        resumed by the same fit."""
        settings: dict[str, Any] = self.config.to_dict()
        for runtime_only in RUNTIME_ONLY_FIELDS:  # they change how fast, never what is learned
            settings.pop(runtime_only)
        described = {
            "config": settings,
            "model": self.kind,
            "k": self.k,
            "target_fanouts": self.target_fanouts,
            "current_time": current_time,
            "num_nodes": {str(k): int(v) for k, v in store.num_nodes.items()},
        }
        digest = hashlib.sha256(json.dumps(described, sort_keys=True).encode())
        for examples in (train, validation):
            if examples is None:
                digest.update(b"none")
                continue
            digest.update(f"{examples.source_type}->{examples.target_type}".encode())
            for array in (examples.seeds, examples.seed_time, examples.indptr, examples.targets):
                digest.update(np.ascontiguousarray(array, dtype=np.int64).tobytes())
        return digest.hexdigest()[:16]

    @torch.no_grad()
    def predict(self, examples: LinkExamples, *, k: int | None = None) -> np.ndarray:
        """Ranks the target nodes of every row, best first.

        Args:
            examples: The rows (source node and anchor time; their targets are not read).
            k: Targets per row (default: ``None``, the trainer's ``k``; fewer when there
                are fewer targets).

        Returns:
            ``int64[len(examples), k]`` target node indices (map them to keys with
            ``GraphArtifact.id_maps.keys(target_type, ...)``).

        Raises:
            RuntimeError: If the trainer has not been fitted.
            ValueError: If the rows do not fit the model.
        """
        model, store, sampler = self.model, self._store, self._sampler
        if model is None or store is None or sampler is None:
            raise RuntimeError("LinkTrainer.predict needs a fitted model: call fit() first")
        if (examples.source_type, examples.target_type) != (model.source_type, model.target_type):
            raise ValueError(
                f"rows link {examples.source_type}->{examples.target_type}, the model "
                f"{model.source_type}->{model.target_type}"
            )
        k = min(self.k if k is None else int(k), model.num_targets)
        model.eval()
        use_amp = self.config.amp and self.device.type == "cuda"
        dataset = SamplerDataset(
            sampler,
            examples.source_type,
            examples.seeds,
            examples.seed_time,
            batch_size=self.config.val_batch_size,
        )
        loader = dataset.loader(
            num_workers=self.config.num_workers, pin_memory=self.device.type == "cuda"
        )
        targets = times = None
        if isinstance(model, TwoTowerLinkModel):
            with torch.autocast(self.device.type, enabled=use_amp):
                if model.target_gnn is None:
                    targets = self._all_target_embeddings(model)
                else:
                    # [anchor times, targets, channels]: every target at every anchor time.
                    times, time_index = np.unique(examples.seed_time, return_inverse=True)
                    targets = torch.stack(
                        [self._all_target_embeddings(model, at=int(t)) for t in times]
                    )
                    times = torch.from_numpy(time_index.reshape(-1)).to(self.device)
        ranked = []
        for batch in loader:
            batch = to_device(batch, self.device)
            with torch.autocast(self.device.type, enabled=use_amp):
                if targets is None:
                    scores = self._idgnn_scores(model, batch)
                elif times is None:
                    scores = model.source_embeddings(batch).float() @ targets.t()
                else:
                    rows = batch[model.source_type].input_id.to(self.device)
                    scores = torch.einsum(
                        "bc,bnc->bn", model.source_embeddings(batch).float(), targets[times[rows]]
                    )
            ranked.append(torch.topk(scores, k, dim=1).indices.cpu())
        return torch.cat(ranked).numpy().astype(np.int64)

    def evaluate(self, examples: LinkExamples, *, k: int | None = None) -> dict[str, float]:
        """Ranks the rows' targets and scores them (MAP, precision, recall, NDCG at ``k``).

        Args:
            examples: The rows, each with at least one true target.
            k: Rank cut-off (default: ``None``, the trainer's ``k``).

        Returns:
            ``{"map@k": ..., "precision@k": ..., "recall@k": ..., "ndcg@k": ...}``.
        """
        predictions = self.predict(examples, k=k)
        return compute_metrics(
            TaskType.LINK_PREDICTION, examples.target_lists(), predictions, k=predictions.shape[1]
        )

    def _loss(
        self, batch: HeteroData, examples: LinkExamples, negatives: NegativeSampler
    ) -> Tensor | None:
        """The batch's loss, or ``None`` when the batch has nothing to learn from."""
        rows = batch[examples.source_type].input_id.cpu().numpy()
        local, positives = examples.pairs(rows)
        if local.size == 0:
            return None
        model = self.model
        if isinstance(model, TwoTowerLinkModel):
            times = examples.seed_time[rows][local]
            return self._two_tower_loss(model, batch, local, positives, times, negatives)
        return self._idgnn_loss(model, batch, examples.num_targets, local, positives)

    def _two_tower_loss(
        self,
        model: TwoTowerLinkModel,
        batch: HeteroData,
        local: np.ndarray,
        positives: np.ndarray,
        times: np.ndarray,
        negatives: NegativeSampler,
    ) -> Tensor:
        """Sampled softmax: each true pair against its negatives (true targets masked)."""
        num = self.config.num_negative
        drawn = negatives.sample(positives, num)
        wanted = np.concatenate([positives, drawn.ravel()])
        if model.target_gnn is None:
            index, inverse = np.unique(wanted, return_inverse=True)
            index_t = torch.from_numpy(index).to(self.device)
            targets = model.target_embeddings(index_t, self._target_features(index))
        else:
            # One target subgraph per distinct (target, anchor time) of the batch.
            at = np.concatenate([times, np.repeat(times, num)])
            pairs, inverse = np.unique(np.stack([wanted, at], 1), axis=0, return_inverse=True)
            inverse = inverse.reshape(-1)
            targets = self._target_subgraph_embeddings(model, pairs[:, 0], pairs[:, 1])
        source = model.source_embeddings(batch)[torch.from_numpy(local).to(self.device)]
        inverse = torch.from_numpy(inverse).to(self.device)
        pos = targets[inverse[: positives.size]]
        neg = targets[inverse[positives.size :]].view(positives.size, num, -1)
        pos_score = (source * pos).sum(-1, keepdim=True)
        neg_score = torch.einsum("mc,mkc->mk", source, neg)
        width = negatives.num_targets
        false_negative = np.isin(local[:, None] * width + drawn, local * width + positives)
        neg_score = neg_score.float().masked_fill(
            torch.from_numpy(false_negative).to(self.device), float("-inf")
        )
        logits = torch.cat([pos_score.float(), neg_score], dim=1)
        labels = torch.zeros(positives.size, dtype=torch.long, device=self.device)
        return F.cross_entropy(logits, labels)

    def _idgnn_loss(
        self,
        model: IDGNNLinkModel,
        batch: HeteroData,
        num_targets: int,
        local: np.ndarray,
        positives: np.ndarray,
    ) -> Tensor | None:
        """Binary cross-entropy over every target node reached in the batch."""
        store = batch[model.target_type]
        if int(store.num_nodes) == 0:
            return None
        logits = model(batch).float()
        reached = store.batch * num_targets + store.n_id
        truth = torch.from_numpy(local * num_targets + positives).to(reached.device)
        label = torch.isin(reached, truth).float()
        return F.binary_cross_entropy_with_logits(logits, label)

    def _idgnn_scores(self, model: IDGNNLinkModel, batch: HeteroData) -> Tensor:
        """Scores ``[num_seeds, num_targets]``: reached targets ``1 + p`` (``p`` the model's
        probability), the others their popularity in ``[0, 1)``."""
        num_seeds = int(batch[model.source_type].num_seeds)
        scores = self._popularity.expand(num_seeds, -1).clone()
        store = batch[model.target_type]
        if int(store.num_nodes):
            probability = torch.sigmoid(model(batch).float())
            scores[store.batch, store.n_id] = 1.0 + probability
        return scores

    def _all_target_embeddings(self, model: TwoTowerLinkModel, *, at: int | None = None) -> Tensor:
        """Every target's embedding (at time ``at`` for the temporal tower), ``float[N, C]``."""
        if at is not None:
            index = np.arange(model.num_targets)
            return self._target_subgraph_embeddings(
                model, index, np.full(index.size, at, dtype=np.int64)
            )
        chunks = []
        for start in range(0, model.num_targets, _TARGET_CHUNK):
            index = np.arange(start, min(start + _TARGET_CHUNK, model.num_targets))
            chunks.append(
                model.target_embeddings(
                    torch.from_numpy(index).to(self.device), self._target_features(index)
                ).float()
            )
        return torch.cat(chunks)

    def _target_subgraph_embeddings(
        self, model: TwoTowerLinkModel, targets: np.ndarray, times: np.ndarray
    ) -> Tensor:
        """Temporal tower: embeddings of ``targets`` at ``times``, in chunks of
        ``val_batch_size`` subgraphs, ``float[len(targets), C]``."""
        size = self.config.val_batch_size
        chunks = []
        for start in range(0, targets.size, size):
            batch = self._target_sampler.sample(
                model.target_type,
                targets[start : start + size],
                times[start : start + size],
                batch_id=self._target_batches,
            )
            self._target_batches += 1
            chunks.append(model.target_subgraph_embeddings(to_device(batch, self.device)).float())
        return torch.cat(chunks)

    def _target_features(self, index: np.ndarray) -> TensorFrame | None:
        """The feature rows of target nodes ``index`` on the trainer's device."""
        frame = self._store.features.get(self.model.target_type)
        if frame is None:
            return None
        return gather_rows(frame, index).to(self.device)


def _check_reach(store: GraphStore, source: str, target: str, num_hops: int) -> None:
    """Raises ``ValueError`` unless ``num_hops`` sampled hops from ``source`` reach ``target``.

    The sampler expands a node of type ``dst`` through every edge type ``(src, rel, dst)``.
    """
    frontier, seen, hops = {source}, {source}, 0
    while target not in frontier and frontier:
        frontier = {src for src, _, dst in store.edge_types if dst in frontier} - seen
        seen |= frontier
        hops += 1
    if target not in frontier:
        raise ValueError(f"ID-GNN: target type {target!r} is not reachable from {source!r}")
    if hops > num_hops:
        raise ValueError(
            f"ID-GNN scores the targets reached in the subgraph, but {target!r} is {hops} hops "
            f"from {source!r} and the sampler takes {num_hops} hop(s): set gnn_layers and "
            f"fanouts to at least {hops} hops"
        )


def _check_examples(store: GraphStore, examples: LinkExamples, name: str) -> None:
    """Raises ``ValueError`` if the rows' node types or sizes do not fit ``store``."""
    for what, node_type in (("source", examples.source_type), ("target", examples.target_type)):
        if node_type not in store.num_nodes:
            raise ValueError(
                f"{name} rows: {what} type {node_type!r} is not a node type of the graph "
                f"(node types: {list(store.num_nodes)})"
            )
    if examples.num_targets != store.num_nodes[examples.target_type]:
        raise ValueError(
            f"{name} rows count {examples.num_targets} '{examples.target_type}' nodes, the "
            f"graph {store.num_nodes[examples.target_type]}"
        )
    if len(examples) == 0:
        raise ValueError(f"{name} rows: there are none")
