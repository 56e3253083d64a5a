"""Vectorized kernels of temporal neighbor selection, over a whole frontier at once.

A *frontier* is a batch of destination nodes to expand through one edge type. Each frontier
entry ``i`` owns the slice ``[starts[i], starts[i] + counts[i])`` of a
:class:`~relgraph.graph.store.NeighborCSR` (its eligible prefix: the neighbors visible at
its seed's time). The kernels pick at most ``fanout`` CSR positions out of every slice and
return them as two aligned arrays: ``entry`` (which frontier entry picked the position) and
``pos`` (the CSR position). A negative ``fanout`` picks the whole slice.

They are hand-written because no installable library offers segmented sampling without
replacement (pyg-lib, which does, is not installable here). Their Python loops run per
halving step of a binary search, per chunk of a work matrix or per redraw round, over whole
frontiers: never a Python step per node or per edge.
"""

import numpy as np

KEYS_FACTOR = 4
"""Slices of at most ``KEYS_FACTOR * fanout`` positions are sampled by random keys; longer
slices by rejection (few collisions there)."""

CHUNK_ELEMENTS = 1 << 21
"""The most elements of a dense ``(entries, width)`` work matrix built at once."""


def eligible_slices(
    rowptr: np.ndarray,
    col: np.ndarray,
    src_time: np.ndarray | None,
    rows: np.ndarray,
    bound: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Finds, for every frontier entry, the neighbors whose time is before its bound.

    Rows of the CSR are sorted by source time, so the eligible neighbors form a prefix; its
    length is found by a binary search that runs on all entries at once (one numpy pass per
    halving step, ``log2(longest row)`` passes).

    Args:
        rowptr: ``int64[num_dst + 1]`` row offsets of the CSR.
        col: ``int64[num_edges]`` source node of every CSR position.
        src_time: Time of every source node, or ``None`` when the source type is static
            (every neighbor is eligible).
        rows: ``int64[n]`` destination node of every frontier entry.
        bound: ``int64[n]`` exclusive time bound of every frontier entry: a neighbor is
            eligible when its time is ``< bound``.

    Returns:
        ``(starts, counts)``: ``int64[n]`` first CSR position of every entry's row and the
        length of its eligible prefix.
    """
    starts = rowptr[rows]
    lo = starts
    hi = rowptr[rows + 1]
    if src_time is None or rows.size == 0 or col.size == 0:
        return starts, hi - lo
    last = col.size - 1
    for _ in range(int((hi - lo).max()).bit_length()):
        mid = (lo + hi) >> 1
        before = src_time[col[np.minimum(mid, last)]] < bound
        open_ = lo < hi
        lo = np.where(open_ & before, mid + 1, lo)
        hi = np.where(open_ & ~before, mid, hi)
    return starts, lo - starts


def expand_ranges(starts: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Lists every position of the slices ``[starts[i], starts[i] + counts[i])``.

    Args:
        starts: ``int64[n]`` first position of every slice.
        counts: ``int64[n]`` length of every slice.

    Returns:
        ``(entry, pos)``: the slice index and the position of every listed position, slice
        by slice, in ascending order.
    """
    total = int(counts.sum())
    entry = np.repeat(np.arange(counts.size, dtype=np.int64), counts)
    shift = np.repeat(starts - (np.cumsum(counts) - counts), counts)
    return entry, np.arange(total, dtype=np.int64) + shift


def select_last(
    starts: np.ndarray, counts: np.ndarray, fanout: int
) -> tuple[np.ndarray, np.ndarray]:
    """Picks the last ``fanout`` positions of every slice (the most recent neighbors).

    Args:
        starts: ``int64[n]`` first position of every slice.
        counts: ``int64[n]`` length of every slice.
        fanout: Positions to pick per slice; negative picks all.

    Returns:
        ``(entry, pos)`` as in :func:`expand_ranges`.
    """
    take = counts if fanout < 0 else np.minimum(counts, fanout)
    return expand_ranges(starts + counts - take, take)


def select_uniform(
    rng: np.random.Generator, starts: np.ndarray, counts: np.ndarray, fanout: int
) -> tuple[np.ndarray, np.ndarray]:
    """Picks ``min(count, fanout)`` distinct positions of every slice, uniformly at random.

    Every subset of the right size is equally likely. Slices no longer than ``fanout`` are
    taken whole; slices up to ``KEYS_FACTOR * fanout`` long keep the ``fanout`` positions with
    the smallest random keys; longer slices draw ``fanout`` positions with replacement and
    redraw the duplicates until none is left. Each procedure treats all positions alike, so
    the set it returns is uniform over the subsets of its size.

    Args:
        rng: The random generator to draw from.
        starts: ``int64[n]`` first position of every slice.
        counts: ``int64[n]`` length of every slice.
        fanout: Positions to pick per slice; negative picks all.

    Returns:
        ``(entry, pos)`` as in :func:`expand_ranges` (grouped by procedure, not by entry).
    """
    if fanout < 0:
        return expand_ranges(starts, counts)
    whole = counts <= fanout
    if whole.all():
        return expand_ranges(starts, counts)
    keyed = ~whole & (counts <= KEYS_FACTOR * fanout)
    drawn = counts > KEYS_FACTOR * fanout
    entries: list[np.ndarray] = []
    positions: list[np.ndarray] = []
    for mask, kernel in (
        (whole, None),
        (keyed, _smallest_random_keys),
        (drawn, _draw_without_duplicates),
    ):
        index = np.flatnonzero(mask)
        if index.size == 0:
            continue
        if kernel is None:
            entry, pos = expand_ranges(starts[index], counts[index])
        else:
            offsets = kernel(rng, counts[index], fanout)
            entry = np.repeat(np.arange(index.size, dtype=np.int64), fanout)
            pos = (starts[index][:, None] + offsets).ravel()
        entries.append(index[entry])
        positions.append(pos)
    return np.concatenate(entries), np.concatenate(positions)


def _chunk_rows(width: int) -> int:
    """Rows per chunk of a work matrix ``width`` wide (at most ``CHUNK_ELEMENTS`` elements)."""
    return max(1, CHUNK_ELEMENTS // max(width, 1))


def _smallest_random_keys(rng: np.random.Generator, counts: np.ndarray, k: int) -> np.ndarray:
    """``int64[n, k]`` offsets: the ``k`` of ``counts[i]`` with the smallest uniform keys.

    Rows are grouped by ``ceil(log2(count))`` (at most ``log2(KEYS_FACTOR) + 1`` groups) and
    padded to the longest slice of their group with ``inf`` keys, which never win since
    every ``counts[i] > k``.
    """
    out = np.empty((counts.size, k), dtype=np.int64)
    group = np.ceil(np.log2(counts)).astype(np.int64)
    for value in np.unique(group):
        index = np.flatnonzero(group == value)
        width = int(counts[index].max())
        columns = np.arange(width)
        step = _chunk_rows(width)
        for first in range(0, index.size, step):
            rows = index[first : first + step]
            keys = rng.random((rows.size, width))
            keys[columns[None, :] >= counts[rows][:, None]] = np.inf
            out[rows] = np.argpartition(keys, k - 1, axis=1)[:, :k]
    return out


def _draw_without_duplicates(rng: np.random.Generator, counts: np.ndarray, k: int) -> np.ndarray:
    """``int64[n, k]`` distinct offsets below ``counts[i]`` (which is far above ``k``).

    Draws ``k`` offsets per row with replacement, then redraws the duplicates of the rows
    that have any until no row has one; with ``counts[i] > KEYS_FACTOR * k`` a redraw
    collides with probability below ``1 / KEYS_FACTOR``, so few rounds run.
    """
    out = np.empty((counts.size, k), dtype=np.int64)
    step = _chunk_rows(k)
    for first in range(0, counts.size, step):
        high = counts[first : first + step][:, None]
        draws = rng.integers(0, high, size=(high.shape[0], k))
        todo = np.arange(high.shape[0])
        while todo.size:
            rows = np.sort(draws[todo], axis=1)
            duplicate = np.zeros(rows.shape, dtype=bool)
            duplicate[:, 1:] = rows[:, 1:] == rows[:, :-1]
            draws[todo] = rows
            again = duplicate.any(axis=1)
            todo, rows, duplicate = todo[again], rows[again], duplicate[again]
            if todo.size:
                limits = np.broadcast_to(high[todo], rows.shape)[duplicate]
                rows[duplicate] = rng.integers(0, limits)
                draws[todo] = rows
        out[first : first + draws.shape[0]] = draws
    return out
