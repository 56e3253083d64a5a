"""Tests of the vectorized neighbor-selection kernels: eligibility, ``last``, ``uniform``."""

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import chisquare

from relgraph.graph import sampler_kernels
from relgraph.graph.sampler_kernels import (
    eligible_slices,
    expand_ranges,
    select_last,
    select_uniform,
)
from relgraph.graph.store import NEVER


@st.composite
def rows_and_queries(draw: st.DrawFn) -> tuple:
    """Rows of sorted neighbor times (NEVER last) and frontier entries with bounds."""
    num_rows = draw(st.integers(1, 8))
    row_times = [
        sorted(draw(st.lists(st.sampled_from([0, 1, 2, 5, 9, NEVER]), max_size=12)))
        for _ in range(num_rows)
    ]
    times = np.array([t for row in row_times for t in row], dtype=np.int64)
    rowptr = np.zeros(num_rows + 1, np.int64)
    np.cumsum([len(row) for row in row_times], out=rowptr[1:])
    rows = np.array(draw(st.lists(st.integers(0, num_rows - 1), max_size=10)), np.int64)
    bound = np.array(
        draw(
            st.lists(
                st.sampled_from([-1, 0, 1, 3, 9, 10, NEVER]), min_size=rows.size, max_size=rows.size
            )
        ),
        np.int64,
    )
    return row_times, rowptr, times, rows, bound


@settings(max_examples=200, deadline=None)
@given(case=rows_and_queries(), shuffled_ids=st.booleans())
def test_eligible_slices_match_a_linear_scan(case: tuple, shuffled_ids: bool) -> None:
    row_times, rowptr, times, rows, bound = case
    # Source nodes are numbered apart from CSR positions: col maps position -> node.
    perm = (
        np.random.default_rng(0).permutation(times.size) if shuffled_ids else np.arange(times.size)
    )
    src_time = np.empty_like(times)
    src_time[perm] = times
    starts, counts = eligible_slices(rowptr, perm.astype(np.int64), src_time, rows, bound)
    assert starts.tolist() == rowptr[rows].tolist()
    expected = [
        sum(t < b for t in row_times[r]) for r, b in zip(rows.tolist(), bound.tolist(), strict=True)
    ]
    assert counts.tolist() == expected
    _, static = eligible_slices(rowptr, perm.astype(np.int64), None, rows, bound)
    assert static.tolist() == [len(row_times[r]) for r in rows.tolist()]


def test_expand_ranges_and_last() -> None:
    starts, counts = np.array([10, 0, 5]), np.array([3, 0, 2])
    entry, pos = expand_ranges(starts, counts)
    assert entry.tolist() == [0, 0, 0, 2, 2]
    assert pos.tolist() == [10, 11, 12, 5, 6]
    entry, pos = select_last(starts, counts, 2)
    assert entry.tolist() == [0, 0, 2, 2] and pos.tolist() == [11, 12, 5, 6]
    entry, pos = select_last(starts, counts, -1)
    assert pos.tolist() == [10, 11, 12, 5, 6]


@settings(max_examples=200, deadline=None)
@given(
    counts=st.lists(st.sampled_from([0, 1, 2, 3, 5, 8, 13, 40, 300]), max_size=12),
    fanout=st.integers(-1, 6),
    seed=st.integers(0, 2**32),
)
def test_uniform_picks_distinct_positions_in_every_slice(
    counts: list[int], fanout: int, seed: int
) -> None:
    counts_array = np.array(counts, dtype=np.int64)
    starts = np.cumsum(counts_array) - counts_array + 7
    entry, pos = select_uniform(np.random.default_rng(seed), starts, counts_array, fanout)
    for i, count in enumerate(counts):
        chosen = pos[entry == i]
        assert chosen.size == (count if fanout < 0 else min(count, fanout))
        assert np.unique(chosen).size == chosen.size
        assert np.all((chosen >= starts[i]) & (chosen < starts[i] + count))
    again = select_uniform(np.random.default_rng(seed), starts, counts_array, fanout)
    assert np.array_equal(entry, again[0]) and np.array_equal(pos, again[1])


@pytest.mark.parametrize(
    ("count", "fanout", "draws"),
    [
        (5, 2, 20_000),  # random keys (count <= KEYS_FACTOR * fanout)
        (12, 3, 44_000),  # random keys
        (40, 2, 78_000),  # rejection (count > KEYS_FACTOR * fanout)
        (30, 3, 203_000),  # rejection, 4060 subsets
    ],
)
def test_uniform_draws_every_subset_equally_often(count: int, fanout: int, draws: int) -> None:
    """Chi-square over all subsets: many seeds sample the same row in one call."""
    rng = np.random.default_rng(12345)
    starts = np.full(draws, 100, dtype=np.int64)
    entry, pos = select_uniform(rng, starts, np.full(draws, count, dtype=np.int64), fanout)
    assert np.array_equal(entry, np.repeat(np.arange(draws), fanout))
    picks = np.sort(pos.reshape(draws, fanout) - 100, axis=1)
    subsets = {s: i for i, s in enumerate(itertools.combinations(range(count), fanout))}
    codes = np.array([subsets[tuple(row)] for row in picks.tolist()])
    observed = np.bincount(codes, minlength=len(subsets))
    assert chisquare(observed).pvalue > 0.001
    marginal = np.bincount(picks.ravel(), minlength=count)
    assert chisquare(marginal).pvalue > 0.001


def test_uniform_handles_mixed_slices_and_small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every procedure at once, with work matrices split into chunks of a few rows."""
    monkeypatch.setattr(sampler_kernels, "CHUNK_ELEMENTS", 7)
    counts = np.array([0, 3, 4, 9, 16, 17, 1000, 4, 100] * 5, dtype=np.int64)
    starts = np.cumsum(counts) - counts
    entry, pos = select_uniform(np.random.default_rng(3), starts, counts, 4)
    for i, count in enumerate(counts.tolist()):
        chosen = pos[entry == i]
        assert chosen.size == min(count, 4) and np.unique(chosen).size == chosen.size
        assert np.all((chosen >= starts[i]) & (chosen < starts[i] + count))
