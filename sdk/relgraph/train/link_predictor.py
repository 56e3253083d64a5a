"""Training and prediction for link tasks: :func:`fit_link_task` and :class:`LinkPredictor`.

:func:`fit_link_task` is the link counterpart of :func:`~relgraph.train.fit_node_task`: it
trains a :class:`~relgraph.train.link_trainer.LinkTrainer` on a
:class:`~relgraph.tasks.LinkTask`'s tables (early stopping on validation MAP@k, checkpoints
and resume, MLflow logging through a tracker) and returns a :class:`LinkTrainResult` whose
:class:`LinkPredictor` ranks targets for any rows on any graph built like the training graph.

The predictor is picklable (the model on the CPU, the sampler settings, the training key
order of every node table with learned per-node embeddings). On a graph materialized later
(more rows, other node order) it lines those embeddings up by primary key: a node unseen in
training gets a zero shallow embedding (its features and subgraph still count). For a row at
anchor time ``t`` it ranks only targets that exist at ``t`` (static target tables, or a target
time ``< t``; ``<= t`` with ``current_time``); the others score ``-inf`` and come last. So
rows, edges and targets after a row's anchor time never change its ranking.
"""

from __future__ import annotations

import copy
import json
import logging
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import torch
from torch import Tensor

from relgraph.graph.artifact import GraphArtifact
from relgraph.graph.id_maps import IdMaps
from relgraph.graph.sampler import TemporalNeighborSampler, gather_rows
from relgraph.graph.sampler_dataset import SamplerDataset
from relgraph.graph.store import GraphStore
from relgraph.nn import GraphSpec, NodeModel
from relgraph.nn.link_idgnn import IDGNNLinkModel
from relgraph.nn.link_two_tower import TwoTowerLinkModel
from relgraph.nn.spec import module_key
from relgraph.tasks import LABEL, LinkTask, TaskType
from relgraph.train.config import TrainerConfig
from relgraph.train.data import recent_rows
from relgraph.train.evaluation import PREDICTION
from relgraph.train.link_data import LinkExamples
from relgraph.train.link_trainer import LINK_MODELS, LinkEpoch, LinkModelKind, LinkTrainer
from relgraph.train.metrics import compute_metrics
from relgraph.train.trainer import resolve_device, seed_everything, to_device

_logger = logging.getLogger(__name__)

SCORE = "score"
"""The column of a predictions table with the score of every ranked target."""

DEFAULT_TARGET_FANOUTS = (8,)
"""Fanouts of the temporal target tower that :func:`fit_link_task` gives ``two_tower`` by
default: each target's own last 8 neighbors at the row's anchor time (on F1's
driver -> circuit query it lifts test MAP@10 from the static tower's to 0.796, beside 0.731
for ID-GNN; ``bench/rel_f1_link.py``)."""

LINK_TRAINER_CONFIG = TrainerConfig(
    lr=0.005,
    n_epochs=8,
    patience=3,
    dropout=0.1,
    fanouts=(16, 8),
    train_batch_size=128,
    val_batch_size=256,
)
"""The configuration :func:`fit_link_task` trains with when given none: the two-tower settings
of ``bench/rel_f1_link.py`` (``TrainerConfig``'s own defaults are tuned for node tasks)."""

_TARGET_CHUNK = 65_536
"""Static target-tower embeddings computed at once."""


@dataclass
class LinkPredictor:
    """A trained link model with what it needs to rank targets. Picklable.

    Args:
        model: The trained model (on the CPU).
        kind: ``"two_tower"`` or ``"idgnn"``.
        entity_table: The node type of the sources (the task's source entity table).
        entity_column: The input tables' column of source keys.
        target_table: The node type of the ranked targets.
        target_column: The task tables' column of true target-key lists.
        time_column: The input tables' anchor-time column (``anchor_time`` for tasks from
            predictive queries).
        fanouts: Neighbors sampled per hop around a source.
        target_fanouts: Neighbors sampled per hop around a target (temporal target tower),
            or ``None``.
        temporal_strategy: ``"uniform"`` or ``"last"``.
        current_time: Whether a row sees graph rows at exactly its anchor time.
        seed: The samplers' seed.
        k: Targets ranked per row when no ``k`` is given.
        node_keys: The training graph's primary-key values, in node order, of the target
            table and of every table with learned per-node (shallow) embeddings.
        node_counts: The training graph's node count of those tables (tables without a primary
            key included).
        popularity: ``idgnn``: score in ``[0, 1)`` of every training target by training
            popularity, given to targets outside a source's subgraph; else ``None``.
    """

    model: TwoTowerLinkModel | IDGNNLinkModel
    kind: LinkModelKind
    entity_table: str
    entity_column: str
    target_table: str
    target_column: str
    time_column: str
    fanouts: tuple[int, ...]
    target_fanouts: tuple[int, ...] | None
    temporal_strategy: str
    current_time: bool
    seed: int
    k: int
    node_keys: dict[str, pa.Array] = field(default_factory=dict)
    node_counts: dict[str, int] = field(default_factory=dict)
    popularity: np.ndarray | None = None

    def sampler(self, store: GraphStore) -> TemporalNeighborSampler:
        """A sampler of source subgraphs over ``store`` with the training settings."""
        return TemporalNeighborSampler(
            store,
            list(self.fanouts),
            strategy=self.temporal_strategy,
            current_time=self.current_time,
            seed=self.seed,
        )

    # -- public API ------------------------------------------------------------------------

    def predict_topk(
        self,
        artifact: GraphArtifact,
        table: pa.Table,
        *,
        k: int | None = None,
        batch_size: int = 1024,
        device: str = "cpu",
    ) -> tuple[np.ndarray, np.ndarray]:
        """Ranks the targets of every row (source key and anchor time), best first.

        Args:
            artifact: The graph (built like the training graph; it may hold more rows).
            table: The rows: ``entity_column`` and ``time_column``; other columns are ignored.
            k: Targets per row (default: ``None``, :attr:`k`; at most the graph's target
                count).
            batch_size: Sources (and temporal-tower targets) per batch (default: 1024). A
                row's scores depend a little on the rows batched with it (the models' MLP
                heads use PyG's graph-wide layer norm; ``uniform`` sampling draws per batch),
                so keep the rows and ``batch_size`` to reproduce predictions exactly.
            device: ``"cpu"``, ``"cuda"`` or ``"auto"`` (default: ``"cpu"``).

        Returns:
            ``(ids, scores)``: ``ids[n, k]`` target primary-key values (NumPy's type for the
            key type: ``int64``, or ``object`` for strings) and ``float32 scores[n, k]``,
            descending per row. Two-tower scores are dot products; ID-GNN scores are
            ``1 + p`` for targets in the source's subgraph (``p`` the model's probability)
            and their training popularity in ``[0, 1)`` for the others. Targets that do not
            exist yet at a row's anchor time score ``-inf``.

        Raises:
            ValueError: If the table lacks a column or names unknown sources, ``k`` or
                ``batch_size`` is not a positive integer, or the graph does not fit the model.
        """
        index, scores = self.rank(artifact, table, k=k, batch_size=batch_size, device=device)
        keys = artifact.id_maps.keys(self.target_table, index.ravel())
        return keys.to_numpy(zero_copy_only=False).reshape(index.shape), scores

    def predict_table(
        self,
        artifact: GraphArtifact,
        table: pa.Table,
        *,
        k: int | None = None,
        batch_size: int = 1024,
        device: str = "cpu",
    ) -> pa.Table:
        """:meth:`predict_topk` as a table, one row per input row.

        Returns:
            Columns ``entity_column``, ``time_column`` (as given), ``prediction`` (list of the
            ranked target keys) and ``score`` (list of their ``float32`` scores).

        Raises:
            ValueError: As :meth:`predict_topk`.
        """
        index, scores = self.rank(artifact, table, k=k, batch_size=batch_size, device=device)
        return self.ranked_table(artifact, table, index, scores)

    def ranked_table(
        self,
        artifact: GraphArtifact,
        table: pa.Table,
        index: np.ndarray,
        scores: np.ndarray,
        *,
        labels: pa.Array | None = None,
    ) -> pa.Table:
        """The table :meth:`predict_table` returns, from the output of :meth:`rank`.

        Args:
            artifact: The graph ranked on.
            table: The rows ranked.
            index: ``int64[n, k]`` target node indices of ``artifact``.
            scores: ``float32[n, k]`` their scores.
            labels: The rows' true target keys, added as column ``label`` (default: ``None``,
                no such column).
        """
        columns = {
            self.entity_column: table[self.entity_column].combine_chunks(),
            self.time_column: table[self.time_column].combine_chunks(),
        }
        if labels is not None:
            columns[LABEL] = labels
        keys = artifact.id_maps.keys(self.target_table, index.ravel())
        columns[PREDICTION] = _lists(keys, index.shape[1])
        columns[SCORE] = _lists(pa.array(scores.ravel(), pa.float32()), index.shape[1])
        return pa.table(columns)

    @torch.no_grad()
    def rank(
        self,
        artifact: GraphArtifact,
        table: pa.Table,
        *,
        k: int | None = None,
        batch_size: int = 1024,
        device: str = "cpu",
    ) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`predict_topk` in node indices of ``artifact``'s target table.

        Returns:
            ``int64 index[n, k]`` target node indices and ``float32 scores[n, k]``.

        Raises:
            ValueError: As :meth:`predict_topk`.
        """
        seeds, seed_time = self._source_rows(artifact, table)
        num_targets = artifact.store.num_nodes[self.target_table]
        k = min(_positive(self.k if k is None else k, "k"), num_targets)
        _positive(batch_size, "batch_size")
        if seeds.size == 0:
            return np.zeros((0, k), np.int64), np.zeros((0, k), np.float32)
        index = np.empty((seeds.size, k), np.int64)
        values = np.empty((seeds.size, k), np.float32)
        for rows, scores in self._scores(artifact, seeds, seed_time, batch_size, device):
            top = torch.topk(scores, k, dim=1)
            index[rows] = top.indices.cpu().numpy()
            values[rows] = top.values.cpu().numpy()
        return index, values

    @torch.no_grad()
    def embed_sources(
        self,
        artifact: GraphArtifact,
        table: pa.Table,
        *,
        batch_size: int = 1024,
        device: str = "cpu",
    ) -> np.ndarray:
        """The source embedding of every row (source key and anchor time).

        Two-tower: the source tower's output, whose dot product with :meth:`embed_targets`
        is the score. ID-GNN: the source node's state after message passing over its
        subgraph (with the ID marker), the representation its target scores are read from.

        Args:
            artifact: The graph.
            table: The rows (``entity_column`` and ``time_column``).
            batch_size: Sources per batch (default: 1024).
            device: ``"cpu"``, ``"cuda"`` or ``"auto"`` (default: ``"cpu"``).

        Returns:
            ``float32[n, channels]``, in the order of the rows.

        Raises:
            ValueError: If the table lacks a column or names unknown sources, or the graph
                does not fit the model.
        """
        seeds, seed_time = self._source_rows(artifact, table)
        _positive(batch_size, "batch_size")
        out = np.zeros((seeds.size, self.model.config.channels), np.float32)
        if seeds.size == 0:
            return out
        with self._placed(artifact, device) as (model, torch_device):
            for batch in self._source_batches(artifact.store, seeds, seed_time, batch_size):
                batch = to_device(batch, torch_device)
                rows = batch[self.entity_table].input_id.cpu().numpy()
                out[rows] = self._source_embeddings(model, batch).float().cpu().numpy()
        return out

    @torch.no_grad()
    def embed_targets(
        self,
        artifact: GraphArtifact,
        anchor_time: str | datetime | np.datetime64 | int,
        *,
        batch_size: int = 1024,
        device: str = "cpu",
    ) -> tuple[np.ndarray, np.ndarray]:
        """The embedding of every target that exists at ``anchor_time`` (two-tower only).

        The static tower embeds each target's features and learned embedding; the temporal
        tower each target's own subgraph at ``anchor_time``. The targets are embedded
        together as :meth:`predict_topk` embeds them, so the dot product of a source
        embedding at the same time with these is its score.

        Args:
            artifact: The graph.
            anchor_time: The time: an ISO string, a ``datetime`` (naive means UTC), a
                ``numpy.datetime64`` or integer seconds since the epoch.
            batch_size: Target subgraphs per batch of the temporal tower (default: 1024).
            device: ``"cpu"``, ``"cuda"`` or ``"auto"`` (default: ``"cpu"``).

        Returns:
            ``(ids, embeddings)``: ``ids[m]`` target primary-key values in node order and
            ``float32 embeddings[m, channels]``.

        Raises:
            ValueError: For an ID-GNN model (its target states exist only inside a source's
                subgraph, conditioned on that source), or if the time cannot be read or the
                graph does not fit the model.
        """
        if not isinstance(self.model, TwoTowerLinkModel):
            raise ValueError(
                f"embed_targets needs a two-tower model; this one is {self.kind!r}, whose "
                "target states are computed inside each source's subgraph and conditioned on "
                "that source (no source-independent target embedding exists): use "
                "predict_topk for its scores or train model='two_tower'"
            )
        self._check_graph(artifact)
        at = _epoch_seconds(anchor_time)
        _positive(batch_size, "batch_size")
        visible = np.flatnonzero(self._visible(artifact.store, np.array([at]))[0])
        with self._placed(artifact, device) as (model, torch_device):
            embeddings = self._target_embeddings(
                model, artifact.store, visible, at, batch_size, torch_device
            )
        keys = artifact.id_maps.keys(self.target_table, visible)
        return keys.to_numpy(zero_copy_only=False), embeddings.cpu().numpy()

    # -- preparation -----------------------------------------------------------------------

    def _source_rows(
        self, artifact: GraphArtifact, table: pa.Table
    ) -> tuple[np.ndarray, np.ndarray]:
        """The rows' source node indices and anchor times in seconds (the graph checked)."""
        self._check_graph(artifact)
        missing = [c for c in (self.entity_column, self.time_column) if c not in table.column_names]
        if missing:
            raise ValueError(
                f"the rows to predict for lack columns {missing} (found: {table.column_names})"
            )
        keys = table[self.entity_column].combine_chunks()
        seeds = artifact.id_maps.node_index(self.entity_table, keys)
        if (seeds < 0).any():
            bad = keys.filter(pa.array(seeds < 0)).to_pylist()[:5]
            raise ValueError(
                f"column '{self.entity_column}': {int((seeds < 0).sum())} key(s) are no row of "
                f"'{self.entity_table}' in the graph (e.g. {bad})"
            )
        times = table[self.time_column].combine_chunks()
        if not (pa.types.is_timestamp(times.type) or pa.types.is_date(times.type)):
            raise ValueError(
                f"column '{self.time_column}' must hold timestamps or dates, found {times.type}"
            )
        if times.null_count:
            raise ValueError(f"column '{self.time_column}' has {times.null_count} null time(s)")
        seconds = pc.cast(pc.cast(times, pa.timestamp("s"), safe=False), pa.int64())
        return seeds, seconds.to_numpy(zero_copy_only=False).astype(np.int64)

    def _check_graph(self, artifact: GraphArtifact) -> None:
        """Raises ``ValueError`` unless ``artifact`` has the training graph's structure."""
        trained = _spec(self.model)
        found = GraphSpec.from_store(artifact.store)
        problems = []
        if set(found.node_types) != set(trained.node_types):
            problems.append(
                f"node types {sorted(found.node_types)}, trained on {sorted(trained.node_types)}"
            )
        if set(found.edge_types) != set(trained.edge_types):
            problems.append(
                f"edge types differ: {sorted(set(found.edge_types) ^ set(trained.edge_types))}"
            )
        for node_type in sorted(set(found.col_names_dict) | set(trained.col_names_dict)):
            if found.col_names_dict.get(node_type) != trained.col_names_dict.get(node_type):
                problems.append(f"the feature columns of '{node_type}' differ")
        if problems:
            raise ValueError(
                f"the graph at {artifact.path} does not fit the link model: " + "; ".join(problems)
            )

    def _alignment(self, artifact: GraphArtifact, node_type: str) -> np.ndarray | None:
        """The training node index of every ``node_type`` node of ``artifact`` (-1: not in
        training), or ``None`` when the graph's nodes are the training graph's."""
        count = artifact.store.num_nodes[node_type]
        trained = self.node_keys.get(node_type)
        if trained is None:
            if count != self.node_counts[node_type]:
                raise ValueError(
                    f"'{node_type}' has no primary key, so its learned per-row embeddings are "
                    f"matched by row number: the graph has {count} rows, training had "
                    f"{self.node_counts[node_type]}"
                )
            return None
        keys = artifact.id_maps.key_values(node_type)
        if len(keys) == len(trained) and keys.equals(trained):
            return None
        return IdMaps({node_type: trained}, {node_type: len(trained)}).node_index(node_type, keys)

    def _aligned_model(self, artifact: GraphArtifact) -> TwoTowerLinkModel | IDGNNLinkModel:
        """The model, or a copy whose shallow embeddings follow ``artifact``'s node order."""
        rows = {nt: self._alignment(artifact, nt) for nt in self.node_counts}
        if all(index is None for index in rows.values()):
            return self.model
        model = copy.deepcopy(self.model)
        for module in model.modules():  # the tied target embedding is one module, seen once
            if not isinstance(module, NodeModel):
                continue
            for node_type in module.config.shallow_embeddings_list:
                index = rows.get(node_type)
                if index is None:
                    continue
                embedding = module.shallow[module_key(node_type)]
                weight = torch.zeros(index.size, embedding.embedding_dim)
                known = torch.from_numpy(index >= 0)
                weight[known] = embedding.weight.detach()[torch.from_numpy(index[index >= 0])]
                embedding.weight = torch.nn.Parameter(weight)
                embedding.num_embeddings = int(index.size)
        model.num_targets = artifact.store.num_nodes[self.target_table]
        return model

    def _aligned_popularity(self, artifact: GraphArtifact) -> np.ndarray:
        """The popularity score of every target of ``artifact`` (0 for unseen targets)."""
        index = self._alignment(artifact, self.target_table)
        if index is None:
            return self.popularity
        return np.where(index >= 0, self.popularity[np.maximum(index, 0)], 0.0).astype(np.float32)

    @contextmanager
    def _placed(
        self, artifact: GraphArtifact, device: str
    ) -> Iterator[tuple[TwoTowerLinkModel | IDGNNLinkModel, torch.device]]:
        """The aligned model on ``device`` in eval mode; :attr:`model` is back on the CPU
        afterwards."""
        torch_device = resolve_device(device)
        model = self._aligned_model(artifact)
        model.to(torch_device).eval()
        try:
            yield model, torch_device
        finally:
            model.cpu()
            self.model.cpu()

    def _visible(self, store: GraphStore, times: np.ndarray) -> np.ndarray:
        """``bool[len(times), num_targets]``: which targets exist at each time."""
        target_time = store.node_time.get(self.target_table)
        num_targets = store.num_nodes[self.target_table]
        if target_time is None:
            return np.ones((times.size, num_targets), dtype=bool)
        target_time = np.asarray(target_time)
        if self.current_time:
            return target_time[None, :] <= times[:, None]
        return target_time[None, :] < times[:, None]

    # -- scoring ---------------------------------------------------------------------------

    def _source_batches(
        self, store: GraphStore, seeds: np.ndarray, seed_time: np.ndarray, batch_size: int
    ) -> Iterator[Any]:
        dataset = SamplerDataset(
            self.sampler(store), self.entity_table, seeds, seed_time, batch_size=batch_size
        )
        return iter(dataset.loader(num_workers=0))

    def _source_embeddings(self, model: TwoTowerLinkModel | IDGNNLinkModel, batch: Any) -> Tensor:
        if isinstance(model, TwoTowerLinkModel):
            return model.source_embeddings(batch)
        num_seeds = int(batch[self.entity_table].num_seeds)
        return model.node_states(batch)[self.entity_table][:num_seeds]

    def _target_embeddings(
        self,
        model: TwoTowerLinkModel,
        store: GraphStore,
        index: np.ndarray,
        at: int,
        batch_size: int,
        device: torch.device,
    ) -> Tensor:
        """Two-tower embeddings of targets ``index`` at time ``at`` (the static tower ignores
        it), ``float[len, C]``."""
        out = torch.zeros((index.size, model.config.channels), device=device)
        if model.target_gnn is None:
            frame = store.features.get(self.target_table)
            for start in range(0, index.size, _TARGET_CHUNK):
                chunk = index[start : start + _TARGET_CHUNK]
                features = None if frame is None else gather_rows(frame, chunk).to(device)
                ids = torch.from_numpy(chunk).to(device)
                out[start : start + chunk.size] = model.target_embeddings(ids, features).float()
            return out
        sampler = TemporalNeighborSampler(
            store,
            list(self.target_fanouts),
            strategy=self.temporal_strategy,
            current_time=self.current_time,
            seed=self.seed,
        )
        for number, start in enumerate(range(0, index.size, batch_size)):
            chunk = index[start : start + batch_size]
            batch = sampler.sample(
                self.target_table, chunk, np.full(chunk.size, at, np.int64), batch_id=number
            )
            embedded = model.target_subgraph_embeddings(to_device(batch, device))
            out[start : start + chunk.size] = embedded.float()
        return out

    def _scores(
        self,
        artifact: GraphArtifact,
        seeds: np.ndarray,
        seed_time: np.ndarray,
        batch_size: int,
        device: str,
    ) -> Iterator[tuple[np.ndarray, Tensor]]:
        """Per batch: the rows and their scores against every target, ``float[b, N]``."""
        store = artifact.store
        times, time_index = np.unique(seed_time, return_inverse=True)
        visible = self._visible(store, times)
        with self._placed(artifact, device) as (model, torch_device):
            hidden = torch.from_numpy(~visible).to(torch_device)
            # Two-tower: per anchor time, the embeddings of the targets that exist then, embedded
            # together without the others (the head's layer norm spans the targets embedded at
            # once, so a later target must not join them); rows without a target are zeros.
            targets: dict[int, Tensor] = {}
            popularity = None
            if isinstance(model, TwoTowerLinkModel):
                num_targets = store.num_nodes[self.target_table]
                for position, at in enumerate(times):
                    if (
                        position
                        and model.target_gnn is None
                        and np.array_equal(visible[position], visible[position - 1])
                    ):  # the static tower gives the same targets the same embeddings
                        targets[position] = targets[position - 1]
                        continue
                    shown = np.flatnonzero(visible[position])
                    table = torch.zeros((num_targets, model.config.channels), device=torch_device)
                    table[torch.from_numpy(shown).to(torch_device)] = self._target_embeddings(
                        model, store, shown, int(at), batch_size, torch_device
                    )
                    targets[position] = table
            else:
                popularity = torch.from_numpy(self._aligned_popularity(artifact)).to(torch_device)
            for batch in self._source_batches(store, seeds, seed_time, batch_size):
                batch = to_device(batch, torch_device)
                rows = batch[self.entity_table].input_id.cpu().numpy()
                at = torch.from_numpy(time_index[rows]).to(torch_device)
                if popularity is not None:
                    scores = _idgnn_scores(model, batch, popularity)
                else:
                    source = model.source_embeddings(batch).float()
                    scores = torch.empty((rows.size, hidden.shape[1]), device=torch_device)
                    for position in torch.unique(at).tolist():
                        mine = at == position
                        scores[mine] = source[mine] @ targets[position].t()
                yield rows, scores.masked_fill(hidden[at], float("-inf"))


@dataclass
class LinkTrainResult:
    """What :func:`fit_link_task` returns.

    Args:
        predictor: The best model with its ranking settings.
        config: The configuration trained with.
        task_type: Link prediction or repeated link prediction.
        metric: The validation metric that selected the epoch (``"map@k"``).
        best_epoch: The selected epoch (0-based, as in :class:`~relgraph.train.TrainResult`).
        metrics: Ranking metrics (``map@k``, ``precision@k``, ``recall@k``, ``ndcg@k``) per
            split with targets, over its rows that have at least one target.
        predictions: Per split, :meth:`LinkPredictor.predict_table` of its task table (row
            for row) plus ``label``, the true target keys, when the split has them.
        history: Per epoch: ``epoch`` (0-based), ``train_loss``, ``steps``, ``seconds`` and
            the validation metrics (``val_map@k``, ...) when evaluated.
        epoch_seconds: Mean wall time of a training epoch (without evaluation).
        resumed_from: The epoch (0-based) a resumed run continued after, or ``None``.
    """

    predictor: LinkPredictor
    config: TrainerConfig
    task_type: TaskType
    metric: str
    best_epoch: int
    metrics: dict[str, dict[str, float]]
    predictions: dict[str, pa.Table]
    history: list[dict[str, float]] = field(default_factory=list)
    epoch_seconds: float = 0.0
    resumed_from: int | None = None

    @property
    def model(self) -> TwoTowerLinkModel | IDGNNLinkModel:
        """The best model."""
        return self.predictor.model

    @property
    def holdout(self) -> pa.Table:
        """The predictions of the holdout split: ``test`` when there is one, else
        ``validation``."""
        return self.predictions["test" if "test" in self.predictions else "validation"]


def fit_link_task(
    artifact: GraphArtifact,
    tables: Mapping[str, pa.Table] | None = None,
    *,
    task: LinkTask,
    config: TrainerConfig | None = None,
    model: LinkModelKind = "two_tower",
    target_fanouts: Sequence[int] | None = None,
    tracker: Any | None = None,
    checkpoint_dir: str | Path | None = None,
    quiet: bool = True,
) -> LinkTrainResult:
    """Trains a link model on a link task's tables and evaluates it on every split given.

    Args:
        artifact: The graph (materialized with encoders fitted up to the test cutoff).
        tables: Task tables ``{"train", "validation"[, "test"]}`` with the task's source
            column, time column and target-key lists (default: ``None``, ``task.tables()``).
        task: The link task: source and target tables and columns, time column,
            ``current_time``, and ``k`` (its first metric's ``eval_at_k``).
        config: The configuration (default: ``None``, :data:`LINK_TRAINER_CONFIG`).
        model: ``"two_tower"`` or ``"idgnn"`` (default: ``"two_tower"``, the better one on
            F1: test MAP@10 0.796 with the temporal target tower against 0.731).
        target_fanouts: Two-tower target-tower fanouts: ``None`` for the model's default
            (:data:`DEFAULT_TARGET_FANOUTS` for ``two_tower``, none for ``idgnn``), ``()``
            for the static tower (target features and a shallow embedding) (default: ``None``).
        tracker: A started :class:`~relgraph.train.tracking.RunTracker` (or anything with its
            ``log_params``, ``log_metrics``, ``log_dict`` and ``set_tags``): parameters, the
            schema, task spec and data hash, per-epoch curves and final metrics are logged to
            it; the model is not (default: ``None``, nothing logged).
        checkpoint_dir: Where ``last.pt`` and ``best.pt`` go; an existing ``last.pt`` of the
            same run is resumed (default: ``None``, no checkpoints).
        quiet: Hide the progress bar (default: ``True``).

    Returns:
        The best model (by validation MAP@k), metrics and predictions per split, history.

    Raises:
        ValueError: If a split, column or node table is missing, a key is unknown, the task
            has no time column, ``model`` is unknown or ``target_fanouts`` does not fit it,
            or a checkpoint is of another run.
    """
    config = config if config is not None else LINK_TRAINER_CONFIG
    if model not in LINK_MODELS:
        raise ValueError(f"model must be one of {list(LINK_MODELS)}, got {model!r}")
    if target_fanouts is None:
        target_fanouts = DEFAULT_TARGET_FANOUTS if model == "two_tower" else ()
    target_fanouts = tuple(target_fanouts) or None
    if task.time_column is None:
        raise ValueError(
            f"task '{task.name}' has no time column; link training samples each row's "
            "subgraph at its anchor time"
        )
    tables = dict(tables) if tables is not None else task.tables()
    absent = [split for split in ("train", "validation") if split not in tables]
    if absent:
        raise ValueError(f"fit_link_task needs the {absent} task table(s) (found: {list(tables)})")
    tables["train"] = recent_rows(tables["train"], task.time_column, config.train_window_days)
    k = int(task.metrics[0].eval_at_k)
    examples = {
        split: LinkExamples.from_table(
            table,
            artifact.id_maps,
            source_type=task.source_entity_table,
            entity_column=task.source_entity_column,
            target_type=task.target_entity_table,
            target_column=task.target_entity_column,
            time_column=task.time_column,
        )
        for split, table in tables.items()
        if task.target_entity_column in table.column_names
    }
    if "train" not in examples or "validation" not in examples:
        raise ValueError(
            f"the train and validation task tables need the target column "
            f"'{task.target_entity_column}'"
        )
    if config.num_threads is not None:
        torch.set_num_threads(config.num_threads)
    seed_everything(config.seed)
    trainer = LinkTrainer(config, model=model, k=k, target_fanouts=target_fanouts)
    metric = trainer.metric
    settings = {"link_model": model, "k": k, "target_fanouts": list(target_fanouts or ())}
    if tracker is not None:
        _log_run_start(tracker, config, artifact, task, metric, settings)

    def log_epoch(record: LinkEpoch) -> None:
        if tracker is not None:
            tracker.log_metrics(_history_record(record), step=record.epoch - 1)

    validation = _labeled_rows(examples["validation"])
    if validation.size == 0:
        raise ValueError(
            f"no validation row has a target in '{task.target_entity_column}': early stopping "
            "and model choice need some"
        )
    fit = trainer.fit(
        artifact.store,
        examples["train"],
        _subset(examples["validation"], validation),
        current_time=task.current_time,
        checkpoint_dir=checkpoint_dir,
        on_epoch=log_epoch,
        quiet=quiet,
    )
    trained = trainer.model.cpu()
    shallow = {task.target_entity_table, *config.shallow_embeddings_list}
    predictor = LinkPredictor(
        model=trained,
        kind=model,
        entity_table=task.source_entity_table,
        entity_column=task.source_entity_column,
        target_table=task.target_entity_table,
        target_column=task.target_entity_column,
        time_column=task.time_column,
        fanouts=tuple(config.fanouts),
        target_fanouts=target_fanouts,
        temporal_strategy=config.temporal_strategy,
        current_time=task.current_time,
        seed=config.seed,
        k=k,
        node_keys={
            nt: artifact.id_maps.key_values(nt) for nt in shallow if artifact.id_maps.has_keys(nt)
        },
        node_counts={nt: int(artifact.store.num_nodes[nt]) for nt in shallow},
        popularity=trainer.target_popularity,
    )
    predictions, metrics = {}, {}
    for split, table in tables.items():
        index, scores = predictor.rank(
            artifact, table, k=k, batch_size=config.val_batch_size, device=config.device
        )
        labels = None
        if split in examples:
            labels = table[task.target_entity_column].combine_chunks()
            rows = _labeled_rows(examples[split])
            if rows.size:
                metrics[split] = compute_metrics(
                    task.task_type,
                    _subset(examples[split], rows).target_lists(),
                    index[rows],
                    k=index.shape[1],
                )
        predictions[split] = predictor.ranked_table(artifact, table, index, scores, labels=labels)
    seconds = [record.seconds for record in fit.history]
    result = LinkTrainResult(
        predictor=predictor,
        config=config,
        task_type=TaskType.parse(task.task_type),
        metric=metric,
        best_epoch=fit.best_epoch - 1,
        metrics=metrics,
        predictions=predictions,
        history=[{"epoch": r.epoch - 1, **_history_record(r)} for r in fit.history],
        epoch_seconds=float(np.mean(seconds)) if seconds else 0.0,
        resumed_from=None if fit.resumed_from is None else fit.resumed_from - 1,
    )
    _logger.info(
        "link %s on task '%s': best epoch %d, metrics %s",
        model,
        task.name,
        result.best_epoch,
        metrics,
    )
    if tracker is not None:
        _log_run_end(tracker, result)
    return result


# -- helpers -------------------------------------------------------------------------------


def _labeled_rows(examples: LinkExamples) -> np.ndarray:
    """The rows with at least one true target (ranking metrics are undefined for the others)."""
    return np.flatnonzero(np.diff(examples.indptr) > 0)


def _subset(examples: LinkExamples, rows: np.ndarray) -> LinkExamples:
    """Rows ``rows`` of ``examples``."""
    _, targets = examples.pairs(rows)
    indptr = np.zeros(rows.size + 1, np.int64)
    np.cumsum(np.diff(examples.indptr)[rows], out=indptr[1:])
    return LinkExamples(
        examples.source_type,
        examples.target_type,
        examples.num_targets,
        examples.seeds[rows],
        examples.seed_time[rows],
        indptr,
        targets,
    )


def _history_record(record: LinkEpoch) -> dict[str, float]:
    """An epoch as curves: ``train_loss``, ``steps``, ``seconds``, ``val_<metric>``."""
    return {
        "train_loss": record.loss,
        "steps": float(record.steps),
        "seconds": record.seconds,
        **{f"val_{name}": value for name, value in record.validation.items()},
    }


def _log_run_start(
    tracker: Any,
    config: TrainerConfig,
    artifact: GraphArtifact,
    task: LinkTask,
    metric: str,
    settings: dict[str, Any],
) -> None:
    """Logs the parameters, schema, task spec and data hash of a run (as
    :func:`~relgraph.train.fit_node_task` does, plus the link model settings)."""
    params = {k: json.dumps(v) if isinstance(v, list) else v for k, v in config.to_dict().items()}
    tracker.log_params(
        {
            **params,
            **{k: json.dumps(v) if isinstance(v, list) else v for k, v in settings.items()},
            "metric": metric,
            "entity_table": task.source_entity_table,
            "target_table": task.target_entity_table,
        }
    )
    made_from = artifact.manifest.get("made_from", {})
    tracker.set_tags(
        {
            "relgraph.graph_hash": artifact.content_hash,
            "relgraph.data_hash": str(made_from.get("data_hash", "")),
        }
    )
    spec = {
        "kind": LinkTask.KIND,
        "name": task.name,
        "source_entity_table": task.source_entity_table,
        "source_entity_column": task.source_entity_column,
        "target_entity_table": task.target_entity_table,
        "target_entity_column": task.target_entity_column,
        "task_type": TaskType.parse(task.task_type).value,
        "time_column": task.time_column,
        "current_time": task.current_time,
        "evaluation_metric": [m.to_dict() for m in task.metrics],
        "metric": metric,
        **settings,
    }
    tracker.log_dict(artifact.schema.to_dict(), "schema.json")
    tracker.log_dict(spec, "task_spec.json")
    tracker.log_dict(config.to_dict(), "trainer_config.json")


def _log_run_end(tracker: Any, result: LinkTrainResult) -> None:
    """Logs the final metrics per split and the history (the model is logged by the caller,
    e.g. :func:`relgraph.train.train_model`)."""
    tracker.log_metrics(
        {
            f"{split}_{name}": value
            for split, values in result.metrics.items()
            for name, value in values.items()
        }
        | {"best_epoch": float(result.best_epoch)}
    )
    tracker.log_dict({"history": result.history}, "history.json")


def _idgnn_scores(model: IDGNNLinkModel, batch: Any, popularity: Tensor) -> Tensor:
    """ID-GNN scores ``[num_seeds, num_targets]``: reached targets ``1 + p``, the others
    their popularity in ``[0, 1)`` (as :class:`LinkTrainer` ranks)."""
    num_seeds = int(batch[model.source_type].num_seeds)
    scores = popularity.expand(num_seeds, -1).clone()
    reached = batch[model.target_type]
    if int(reached.num_nodes):
        scores[reached.batch, reached.n_id] = 1.0 + torch.sigmoid(model(batch).float())
    return scores


def _spec(model: TwoTowerLinkModel | IDGNNLinkModel) -> GraphSpec:
    """The description of the graph ``model`` was built for."""
    return model.source.spec if isinstance(model, TwoTowerLinkModel) else model.spec


def _lists(flat: pa.Array, width: int) -> pa.Array:
    """A flat array cut into lists of ``width`` values (one per row), without a row loop."""
    return pa.FixedSizeListArray.from_arrays(flat, width).cast(pa.list_(flat.type))


def _positive(value: Any, name: str) -> int:
    """``value`` as an int; ``ValueError`` unless it is a positive integer."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise ValueError(f"{name} must be a positive integer, found {value!r}")
    return int(value)


def _epoch_seconds(value: str | datetime | np.datetime64 | int) -> int:
    """A time as integer seconds since the epoch (naive datetimes and strings mean UTC).

    Raises:
        ValueError: If the value is no time.
    """
    if isinstance(value, bool):
        raise ValueError(f"anchor_time must be a time, found {value!r}")
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, datetime) and value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    try:
        stamp = np.datetime64(value, "s")
    except (TypeError, ValueError) as exc:
        raise ValueError(f"anchor_time must be a time, found {value!r} ({exc})") from None
    if np.isnat(stamp):
        raise ValueError(f"anchor_time must be a time, found {value!r}")
    return int(stamp.astype(np.int64))
