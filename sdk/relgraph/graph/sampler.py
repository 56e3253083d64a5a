"""Temporal neighbor sampling: from seed nodes with times to PyG mini-batches.

:class:`TemporalNeighborSampler` expands seed nodes of one node type hop by hop through every
edge type of a :class:`~relgraph.graph.store.GraphStore`. A neighbor is eligible for a seed
with time ``t`` when its node time is ``< t`` (``current_time=False``) or ``<= t``
(``current_time=True``); nodes of static node types are always eligible and nodes with time
:data:`~relgraph.graph.store.NEVER` never are. Seeds themselves are not filtered. Every seed
gets its own subgraph, checked against its own time (disjoint sampling, as in RelBench), so
seeds from different times in one batch never see each other's future; a node reached by
several seeds appears once per seed, and once only within a seed's subgraph. Hop ``h``
expands the nodes first reached at hop ``h - 1`` (the seeds at hop 1).

Conventions of the :class:`~torch_geometric.data.HeteroData` mini-batch that
:meth:`TemporalNeighborSampler.sample` returns:

* Every node type and every edge type of the store is present, possibly empty, so the
  metadata is the same for every batch.
* ``data[nt].n_id``: ``int64`` global node ids (rows of the store); ``data[nt].num_nodes``.
* ``data[nt].batch``: ``int64`` index of the seed whose subgraph the node belongs to.
* ``data[nt].seed_time``: ``int64`` time (seconds) of that seed; for the seed type,
  ``data[seed_type].seed_time[:num_seeds]`` are the seed times in input order.
* ``data[nt].time``: ``int64`` node time (seconds). Static node types have no time of their
  own: theirs is filled with the seed time, so ``seed_time - time`` (the age a temporal
  encoder sees) is ``0`` for them. Seeds keep their own node time, whatever it is.
* ``data[nt].tf``: the node features, ``store.features[nt]`` gathered at ``n_id`` (a
  :class:`~torch_frame.TensorFrame`); absent for a node type without features.
* ``data[nt].num_sampled_nodes`` / ``data[et].num_sampled_edges``: node / edge counts per hop
  (hop ``0`` = the seeds), the PyG names; nodes and edges are stored hop by hop.
* ``data[et].edge_index``: ``int64[2, E]`` local indices for ``et = (src, rel, dst)`` as
  stored; row 0 indexes ``src`` nodes (the sampled neighbors), row 1 the ``dst`` nodes that
  sampled them, so messages flow from the neighbor to the node that sampled it.
* The first ``num_seeds`` nodes of the seed type are the seeds, in input order:
  ``data[seed_type].num_seeds`` holds the count, and ``data[seed_type].batch_size`` holds it
  too under the name PyG's and RelBench's training loops read.

Randomness (``uniform``) comes from a :class:`numpy.random.Generator` seeded from
``(seed, batch_id)``, so a batch is the same in any process, DataLoader worker or order.
"""

import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
import torch
from torch_frame import TensorFrame
from torch_frame.data import MultiEmbeddingTensor
from torch_frame.typing import TensorData
from torch_geometric.data import HeteroData

from relgraph.graph.sampler_kernels import eligible_slices, select_last, select_uniform
from relgraph.graph.store import NEVER, GraphStore
from relgraph.typing import EdgeType, NodeType

Strategy = Literal["uniform", "last"]
"""How neighbors are picked among the eligible ones: uniformly at random without replacement
(``uniform``) or the most recent first (``last``)."""

STRATEGIES: tuple[Strategy, ...] = ("uniform", "last")


@dataclass(frozen=True)
class SampledSubgraph:
    """The sampled subgraphs of one batch of seeds, as numpy index arrays.

    Args:
        seed_type: The node type of the seeds.
        num_seeds: The number of seeds; they are the first nodes of ``seed_type``.
        node: Per node type, ``int64`` global ids of the sampled nodes.
        batch: Per node type, ``int64`` seed index of every sampled node.
        seed_time: Per node type, ``int64`` time of every sampled node's seed.
        edge_index: Per edge type ``(src, rel, dst)``, ``int64[2, E]`` local indices: row 0
            into ``node[src]``, row 1 into ``node[dst]``.
        nodes_per_hop: Per node type, the number of nodes first reached at each hop
            (hop ``0`` = the seeds); nodes are stored hop by hop.
        edges_per_hop: Per edge type, the number of edges sampled at each hop ``1..H``;
            edges are stored hop by hop.
    """

    seed_type: NodeType
    num_seeds: int
    node: dict[NodeType, np.ndarray]
    batch: dict[NodeType, np.ndarray]
    seed_time: dict[NodeType, np.ndarray]
    edge_index: dict[EdgeType, np.ndarray]
    nodes_per_hop: dict[NodeType, list[int]]
    edges_per_hop: dict[EdgeType, list[int]]

    @property
    def num_sampled_edges(self) -> int:
        """The number of sampled edges, all edge types together."""
        return sum(int(index.shape[1]) for index in self.edge_index.values())

    @property
    def num_sampled_nodes(self) -> int:
        """The number of sampled nodes (seeds included), all node types together."""
        return sum(int(ids.size) for ids in self.node.values())


class TemporalNeighborSampler:
    """Samples the temporal neighborhoods of seed nodes, each seed at its own time.

    Args:
        store: The graph to sample from.
        fanouts: Neighbors to sample per hop, per destination node and edge type: one list
            for all edge types, or a list per edge type (all of the same length; edge types
            left out are not sampled). ``-1`` takes all eligible neighbors, ``0`` none.
        strategy: ``"uniform"`` (at random, without replacement) or ``"last"`` (the most
            recent eligible neighbors) (default: ``"uniform"``).
        current_time: Whether neighbors whose time equals the seed time are eligible
            (default: ``False``: only strictly earlier ones are).
        seed: Seed of the random generator; batch ``b`` draws from ``(seed, b)``
            (default: ``0``).

    Raises:
        ValueError: If a fanout, the strategy or the seed is invalid, or if the store is
            inconsistent (array sizes, node indices out of range, rows not sorted by time).
    """

    def __init__(
        self,
        store: GraphStore,
        fanouts: Sequence[int] | Mapping[EdgeType, Sequence[int]],
        *,
        strategy: Strategy = "uniform",
        current_time: bool = False,
        seed: int = 0,
    ) -> None:
        if strategy not in STRATEGIES:
            raise ValueError(f"strategy must be one of {STRATEGIES}, got {strategy!r}")
        if not isinstance(seed, numbers.Integral) or isinstance(seed, bool) or seed < 0:
            raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
        _check_store(store)
        self.store = store
        self.fanouts = _normalize_fanouts(fanouts, store.edge_types)
        self.num_hops = len(next(iter(self.fanouts.values()), ()))
        self.strategy: Strategy = strategy
        self.current_time = bool(current_time)
        self.seed = int(seed)

    def sample_indices(
        self,
        node_type: NodeType,
        seeds: np.ndarray,
        seed_time: np.ndarray,
        *,
        batch_id: int = 0,
        visible_until: np.ndarray | None = None,
    ) -> SampledSubgraph:
        """Samples the subgraphs of a batch of seeds.

        Args:
            node_type: The node type of the seeds.
            seeds: ``int[n]`` global ids of the seed nodes (repeats allowed: each seed gets
                its own subgraph).
            seed_time: ``int[n]`` time of every seed (seconds since the epoch).
            batch_id: Number of the batch, mixed into the random seed (default: ``0``).
            visible_until: ``int[n]`` per seed, a time (seconds) after which rows are hidden
                even when they are older than the seed, as in a database snapshot taken at
                that time; ages are still measured from ``seed_time`` (default: ``None``,
                rows are visible up to the seed time).

        Returns:
            The sampled subgraphs, as index arrays.

        Raises:
            ValueError: If the node type is unknown, a seed is out of range, the arrays do
                not match, or ``batch_id`` is negative.
        """
        seeds, seed_time = self.check_seeds(node_type, seeds, seed_time)
        if not isinstance(batch_id, numbers.Integral) or batch_id < 0:
            raise ValueError(f"batch_id must be a non-negative integer, got {batch_id!r}")
        rng = np.random.default_rng([self.seed, int(batch_id)])
        store = self.store
        num_seeds = seeds.size
        # A neighbor is eligible when its time is < bound (capped so NEVER never passes).
        bound = np.minimum(seed_time, NEVER - 1) + 1 if self.current_time else seed_time
        if visible_until is not None:
            visible_until = np.asarray(visible_until, dtype=np.int64)
            if visible_until.shape != seed_time.shape:
                raise ValueError(
                    f"visible_until must have one time per seed: {visible_until.shape} "
                    f"!= {seed_time.shape}"
                )
            bound = np.minimum(bound, np.minimum(visible_until, NEVER - 1) + 1)

        # A node of a subgraph is keyed (seed index) * num_nodes + (global id): unique per
        # subgraph, so deduplication within a seed is a factorization of keys.
        size = {nt: max(count, 1) for nt, count in store.num_nodes.items()}
        keys = {nt: np.empty(0, dtype=np.int64) for nt in store.node_types}
        keys[node_type] = np.arange(num_seeds, dtype=np.int64) * size[node_type] + seeds
        # Sampled nodes (global ids and seed indices) per node type, hop by hop.
        node: dict[NodeType, list[np.ndarray]] = {nt: [] for nt in keys}
        batch: dict[NodeType, list[np.ndarray]] = {nt: [] for nt in keys}
        node[node_type].append(seeds)
        batch[node_type].append(np.arange(num_seeds, dtype=np.int64))
        nodes_per_hop = {nt: [num_seeds if nt == node_type else 0] for nt in keys}
        edges: dict[EdgeType, list[tuple[np.ndarray, np.ndarray]]] = {
            et: [] for et in store.edge_types
        }
        edges_per_hop: dict[EdgeType, list[int]] = {et: [] for et in store.edge_types}
        # The frontier of every node type: the nodes first reached at the previous hop.
        frontier = {nt: 0 for nt in keys}

        for hop in range(self.num_hops):
            for counts_per_hop in edges_per_hop.values():
                counts_per_hop.append(0)
            # Picks per source node type: (edge type, global ids, seed indices, dst locals).
            picked: dict[NodeType, list[tuple[EdgeType, np.ndarray, np.ndarray, np.ndarray]]]
            picked = {}
            for edge_type, fanout in self.fanouts.items():
                src, _, dst = edge_type
                first = frontier[dst]
                if fanout[hop] == 0 or first == keys[dst].size:
                    continue
                ids, seed_index = node[dst][-1], batch[dst][-1]
                csr = store.edges[edge_type]
                starts, counts = eligible_slices(
                    csr.rowptr, csr.col, store.node_time[src], ids, bound[seed_index]
                )
                if self.strategy == "last":
                    entry, pos = select_last(starts, counts, fanout[hop])
                else:
                    entry, pos = select_uniform(rng, starts, counts, fanout[hop])
                picked.setdefault(src, []).append(
                    (edge_type, csr.col[pos], seed_index[entry], first + entry)
                )

            for nt in keys:
                frontier[nt] = keys[nt].size
                if nt not in picked:
                    nodes_per_hop[nt].append(0)
                    continue
                ids = np.concatenate([ids for _, ids, _, _ in picked[nt]])
                seed_index = np.concatenate([index for _, _, index, _ in picked[nt]])
                old = keys[nt].size
                codes, keys[nt] = pd.factorize(
                    np.concatenate([keys[nt], seed_index * size[nt] + ids])
                )
                codes = codes[old:].astype(np.int64, copy=False)
                # One pick of every node code (any: picks of a code share the node).
                pick_of = np.empty(keys[nt].size, dtype=np.int64)
                pick_of[codes] = np.arange(codes.size)
                pick_of = pick_of[old:]
                node[nt].append(ids[pick_of])
                batch[nt].append(seed_index[pick_of])
                nodes_per_hop[nt].append(int(pick_of.size))
                offset = 0
                for edge_type, _, _, dst_local in picked[nt]:
                    edges[edge_type].append((codes[offset : offset + dst_local.size], dst_local))
                    edges_per_hop[edge_type][hop] = dst_local.size
                    offset += dst_local.size

        batch_arrays = {nt: _concatenate(chunks) for nt, chunks in batch.items()}
        return SampledSubgraph(
            seed_type=node_type,
            num_seeds=num_seeds,
            node={nt: _concatenate(chunks) for nt, chunks in node.items()},
            batch=batch_arrays,
            seed_time={nt: seed_time[index] for nt, index in batch_arrays.items()},
            edge_index={et: _edge_index(chunks) for et, chunks in edges.items()},
            nodes_per_hop=nodes_per_hop,
            edges_per_hop=edges_per_hop,
        )

    def sample(
        self,
        node_type: NodeType,
        seeds: np.ndarray,
        seed_time: np.ndarray,
        *,
        batch_id: int = 0,
        visible_until: np.ndarray | None = None,
    ) -> HeteroData:
        """Samples the subgraphs of a batch of seeds as a PyG mini-batch.

        See the module docstring for the attributes of the mini-batch, and
        :meth:`sample_indices` for the arguments.

        Returns:
            The mini-batch.

        Raises:
            ValueError: As :meth:`sample_indices`.
        """
        return self.to_hetero_data(
            self.sample_indices(
                node_type, seeds, seed_time, batch_id=batch_id, visible_until=visible_until
            )
        )

    def to_hetero_data(self, subgraph: SampledSubgraph) -> HeteroData:
        """Builds the PyG mini-batch of sampled subgraphs, with node features gathered.

        Args:
            subgraph: Subgraphs sampled from this sampler's store.

        Returns:
            The mini-batch (see the module docstring for its attributes).
        """
        data = HeteroData()
        for nt in self.store.node_types:
            n_id = torch.from_numpy(subgraph.node[nt])
            seed_time = torch.from_numpy(subgraph.seed_time[nt])
            node_time = self.store.node_time[nt]
            store = data[nt]
            store.num_nodes = int(n_id.numel())
            store.n_id = n_id
            store.batch = torch.from_numpy(subgraph.batch[nt])
            store.seed_time = seed_time
            store.time = (
                seed_time.clone()
                if node_time is None
                else torch.from_numpy(node_time[subgraph.node[nt]])
            )
            store.num_sampled_nodes = subgraph.nodes_per_hop[nt]
            if nt in self.store.features:
                store.tf = gather_rows(self.store.features[nt], subgraph.node[nt])
        for et in self.store.edge_types:
            data[et].edge_index = torch.from_numpy(subgraph.edge_index[et])
            data[et].num_sampled_edges = subgraph.edges_per_hop[et]
        data[subgraph.seed_type].num_seeds = subgraph.num_seeds
        data[subgraph.seed_type].batch_size = subgraph.num_seeds
        return data

    def check_seeds(
        self, node_type: NodeType, seeds: np.ndarray, seed_time: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Checks seeds and their times against the store.

        Args:
            node_type: The node type of the seeds.
            seeds: Global ids of the seed nodes.
            seed_time: Time of every seed.

        Returns:
            ``(seeds, seed_time)`` as ``int64`` arrays.

        Raises:
            ValueError: If the node type is unknown, a seed is out of range or the arrays
                are not 1-D integer arrays of the same length.
        """
        if node_type not in self.store.num_nodes:
            raise ValueError(
                f"unknown seed node type {node_type!r} (node types: {self.store.node_types})"
            )
        seeds = np.asarray(seeds)
        seed_time = np.asarray(seed_time)
        for name, array in (("seeds", seeds), ("seed_time", seed_time)):
            if array.ndim != 1 or not (array.size == 0 or np.issubdtype(array.dtype, np.integer)):
                raise ValueError(
                    f"{name} must be a 1-D integer array, got shape {array.shape} "
                    f"and dtype {array.dtype}"
                )
        if seeds.size != seed_time.size:
            raise ValueError(
                f"seeds and seed_time differ in length: {seeds.size} != {seed_time.size}"
            )
        num_nodes = self.store.num_nodes[node_type]
        if seeds.size and (seeds.min() < 0 or seeds.max() >= num_nodes):
            raise ValueError(
                f"seeds of {node_type!r} must lie in [0, {num_nodes}), found "
                f"[{seeds.min()}, {seeds.max()}]"
            )
        largest = max(self.store.num_nodes.values(), default=1)
        if seeds.size * max(largest, 1) >= 1 << 62:
            raise ValueError(f"too many seeds in one batch: {seeds.size} (split the batch)")
        return seeds.astype(np.int64, copy=False), seed_time.astype(np.int64, copy=False)

    def __repr__(self) -> str:
        fanouts = set(self.fanouts.values())
        shown = next(iter(fanouts)) if len(fanouts) == 1 else f"<{len(self.fanouts)} edge types>"
        return (
            f"{type(self).__name__}(fanouts={list(shown) if isinstance(shown, tuple) else shown}, "
            f"strategy={self.strategy!r}, current_time={self.current_time}, seed={self.seed})"
        )


def gather_rows(frame: TensorFrame, index: np.ndarray) -> TensorFrame:
    """The rows ``index`` of a TensorFrame.

    Hand-written rather than ``frame[index]`` for speed: TensorFrame and MultiEmbeddingTensor
    select rows with ``tensor[index]``, and torch's row gathers on CPU (``[index]`` and
    ``index_select`` alike) run 10 to 50 times slower than numpy's on rows of a few dozen
    values (measured on the F1 graph's features); MultiNestedTensor selects its rows itself.
    """
    torch_index = torch.from_numpy(index)

    def take(value: TensorData) -> TensorData:
        if isinstance(value, torch.Tensor):
            return _take_rows(value, index)
        if isinstance(value, MultiEmbeddingTensor):
            return MultiEmbeddingTensor(
                num_rows=int(index.size),
                num_cols=value.num_cols,
                values=_take_rows(value.values, index),
                offset=value.offset,
            )
        if isinstance(value, dict):
            return {key: take(item) for key, item in value.items()}
        return value[torch_index.to(value.device)]

    return TensorFrame(
        feat_dict={stype: take(value) for stype, value in frame.feat_dict.items()},
        col_names_dict=frame.col_names_dict,
        y=None if frame.y is None else take(frame.y),
        num_rows=int(index.size),
    )


def _take_rows(tensor: torch.Tensor, index: np.ndarray) -> torch.Tensor:
    """``tensor[index]``: through numpy on CPU (see :func:`_gather_rows`), else in torch."""
    if tensor.device.type == "cpu" and tensor.dtype != torch.bfloat16:
        return torch.from_numpy(np.take(tensor.detach().numpy(), index, axis=0))
    return tensor.index_select(0, torch.from_numpy(index).to(tensor.device))


def _concatenate(chunks: list[np.ndarray]) -> np.ndarray:
    """The chunks end to end (an empty ``int64`` array for none)."""
    return np.concatenate(chunks) if chunks else np.empty(0, dtype=np.int64)


def _edge_index(chunks: list[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
    """``int64[2, E]``: the ``(src, dst)`` chunks end to end."""
    edge_index = np.empty((2, sum(dst.size for _, dst in chunks)), dtype=np.int64)
    offset = 0
    for src, dst in chunks:
        edge_index[0, offset : offset + dst.size] = src
        edge_index[1, offset : offset + dst.size] = dst
        offset += dst.size
    return edge_index


def _normalize_fanouts(
    fanouts: Sequence[int] | Mapping[EdgeType, Sequence[int]], edge_types: list[EdgeType]
) -> dict[EdgeType, tuple[int, ...]]:
    """The fanouts per hop of every sampled edge type, checked."""
    if isinstance(fanouts, Mapping):
        unknown = [et for et in fanouts if et not in edge_types]
        if unknown:
            raise ValueError(
                f"fanouts name unknown edge types {unknown} (edge types: {edge_types})"
            )
        if not fanouts:
            raise ValueError("fanouts is an empty mapping: name at least one edge type")
        per_type = {
            et: _check_fanout_list(fanouts[et], f"fanouts[{et}]")
            for et in edge_types
            if et in fanouts
        }
        lengths = {et: len(values) for et, values in per_type.items()}
        if len(set(lengths.values())) > 1:
            raise ValueError(f"fanouts of every edge type must have the same length, got {lengths}")
        return per_type
    values = _check_fanout_list(fanouts, "fanouts")
    return {et: values for et in edge_types}


def _check_fanout_list(values: Sequence[int], name: str) -> tuple[int, ...]:
    """A list of fanouts (one per hop, each ``-1`` or more) as a tuple of ints."""
    if isinstance(values, str | bytes) or not isinstance(values, Sequence):
        raise ValueError(f"{name} must be a list of integers (one per hop), got {values!r}")
    for value in values:
        if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < -1:
            raise ValueError(f"{name} must hold integers >= -1, got {list(values)!r}")
    return tuple(int(value) for value in values)


def _check_store(store: GraphStore) -> None:
    """Checks the array sizes, index ranges and time order of the store's CSRs.

    Raises:
        ValueError: Naming the edge or node type and what was found.
    """
    for nt, times in store.node_time.items():
        if nt not in store.num_nodes:
            raise ValueError(f"node_time has unknown node type {nt!r}")
        if times is not None and (times.shape != (store.num_nodes[nt],) or times.dtype != np.int64):
            raise ValueError(
                f"node_time[{nt!r}] must be int64[{store.num_nodes[nt]}], got "
                f"{times.dtype}{list(times.shape)}"
            )
    missing = [nt for nt in store.num_nodes if nt not in store.node_time]
    if missing:
        raise ValueError(f"node_time lacks node types {missing} (None marks a static type)")
    for et, csr in store.edges.items():
        src, _, dst = et
        if src not in store.num_nodes or dst not in store.num_nodes:
            raise ValueError(f"edge type {et} names an unknown node type")
        rowptr, col = csr.rowptr, csr.col
        if rowptr.shape != (store.num_nodes[dst] + 1,) or rowptr[0] != 0 or rowptr[-1] != col.size:
            raise ValueError(
                f"rowptr of {et} must be int64[{store.num_nodes[dst] + 1}] from 0 to "
                f"{col.size}, got shape {rowptr.shape}"
            )
        if np.any(np.diff(rowptr) < 0):
            raise ValueError(f"rowptr of {et} decreases")
        if col.size and (col.min() < 0 or col.max() >= store.num_nodes[src]):
            raise ValueError(
                f"col of {et} must lie in [0, {store.num_nodes[src]}), found "
                f"[{col.min()}, {col.max()}]"
            )
        times = store.node_time[src]
        if times is None or col.size < 2:
            continue
        edge_time = times[col]
        unsorted = edge_time[1:] < edge_time[:-1]
        row_starts = rowptr[1:-1]
        unsorted[row_starts[(row_starts > 0) & (row_starts < col.size)] - 1] = False
        if unsorted.any():
            position = int(np.argmax(unsorted)) + 1
            row = int(np.searchsorted(rowptr, position, side="right")) - 1
            raise ValueError(
                f"neighbors of {dst!r} node {row} in {et} are not sorted by source time "
                f"(CSR position {position})"
            )
