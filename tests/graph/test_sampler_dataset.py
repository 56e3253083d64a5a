"""Tests of SamplerDataset: batching, shuffling, labels, pickling and DataLoader workers."""

import pickle

import numpy as np
import pytest
import torch
import torch_frame
from torch_frame import TensorFrame
from torch_geometric.data import HeteroData

from relgraph.graph.sampler import TemporalNeighborSampler
from relgraph.graph.sampler_dataset import SamplerDataset
from relgraph.graph.store import GraphStore, NeighborCSR


def store() -> GraphStore:
    """Drivers (static) <- results (temporal) -> races (temporal), with features."""
    rng = np.random.default_rng(0)
    num_drivers, num_races, per_race = 30, 40, 10
    race_time = np.sort(rng.integers(0, 10_000, num_races)).astype(np.int64)
    result_race = np.repeat(np.arange(num_races), per_race)
    result_driver = rng.integers(0, num_drivers, result_race.size)
    result_time = race_time[result_race]
    results = np.arange(result_race.size)

    def csr(src: np.ndarray, dst: np.ndarray, num_dst: int) -> NeighborCSR:
        order = np.argsort(dst, kind="stable")  # results are already in time order
        rowptr = np.zeros(num_dst + 1, np.int64)
        np.cumsum(np.bincount(dst, minlength=num_dst), out=rowptr[1:])
        return NeighborCSR(rowptr=rowptr, col=src[order].astype(np.int64))

    def frame(rows: int) -> TensorFrame:
        return TensorFrame(
            feat_dict={
                torch_frame.numerical: torch.randn(
                    rows, 3, generator=torch.Generator().manual_seed(rows)
                )
            },
            col_names_dict={torch_frame.numerical: ["a", "b", "c"]},
        )

    return GraphStore(
        num_nodes={"drivers": num_drivers, "races": num_races, "results": results.size},
        node_time={"drivers": None, "races": race_time, "results": result_time},
        edges={
            ("results", "f2p_driver", "drivers"): csr(results, result_driver, num_drivers),
            ("drivers", "rev_f2p_driver", "results"): csr(result_driver, results, results.size),
            ("results", "f2p_race", "races"): csr(results, result_race, num_races),
            ("races", "rev_f2p_race", "results"): csr(result_race, results, results.size),
        },
        features={"drivers": frame(num_drivers), "results": frame(results.size)},
    )


def dataset(**kwargs: object) -> SamplerDataset:
    """103 driver seeds at random times, labelled, batches of 16."""
    rng = np.random.default_rng(1)
    sampler = TemporalNeighborSampler(store(), [5, 3], seed=11)
    seeds = rng.integers(0, 30, 103)
    return SamplerDataset(
        sampler,
        "drivers",
        seeds,
        rng.integers(0, 10_000, 103),
        labels=seeds.astype(np.float32) * 2,
        batch_size=16,
        **kwargs,
    )


def assert_same_batch(a: HeteroData, b: HeteroData) -> None:
    """Equal ids, edges, labels and gathered features."""
    for nt in a.node_types:
        assert torch.equal(a[nt].n_id, b[nt].n_id)
        assert torch.equal(a[nt].batch, b[nt].batch)
        if "tf" in a[nt]:
            assert torch.equal(
                a[nt].tf.feat_dict[torch_frame.numerical], b[nt].tf.feat_dict[torch_frame.numerical]
            )
    for et in a.edge_types:
        assert torch.equal(a[et].edge_index, b[et].edge_index)
    assert torch.equal(a["drivers"].y, b["drivers"].y)
    assert torch.equal(a["drivers"].input_id, b["drivers"].input_id)


def test_batches_cover_the_seeds_with_their_labels() -> None:
    data = dataset()
    assert len(data) == 7
    positions = np.concatenate([data.batch_positions(0, b) for b in range(len(data))])
    assert positions.tolist() == list(range(103))
    batch = data[6]
    num_seeds = batch["drivers"].num_seeds
    assert num_seeds == 103 - 96
    assert torch.equal(batch["drivers"].input_id, torch.arange(96, 103))
    assert torch.equal(batch["drivers"].n_id[:num_seeds], torch.from_numpy(data.seeds[96:]))
    assert torch.equal(batch["drivers"].y, torch.from_numpy(data.seeds[96:]).float() * 2)
    assert torch.equal(
        batch["drivers"].seed_time[:num_seeds], torch.from_numpy(data.seed_time[96:])
    )
    assert len(dataset(drop_last=True)) == 6


def test_shuffle_is_a_permutation_per_epoch_and_reproducible() -> None:
    data = dataset(shuffle=True)
    epoch0 = np.concatenate([data.batch_positions(0, b) for b in range(len(data))])
    epoch1 = np.concatenate([data.batch_positions(1, b) for b in range(len(data))])
    assert sorted(epoch0.tolist()) == sorted(epoch1.tolist()) == list(range(103))
    assert epoch0.tolist() != epoch1.tolist()
    assert np.array_equal(dataset(shuffle=True).batch_positions(1, 2), data.batch_positions(1, 2))
    assert_same_batch(data[(1, 2)], dataset(shuffle=True)[(1, 2)])


def test_dataset_pickles() -> None:
    data = dataset(shuffle=True)
    assert_same_batch(pickle.loads(pickle.dumps(data))[(2, 3)], data[(2, 3)])


@pytest.mark.parametrize("persistent_workers", [False, True])
def test_workers_give_the_batches_of_the_main_process(persistent_workers: bool) -> None:
    data = dataset(shuffle=True)
    in_process = [[data[(epoch, b)] for b in range(len(data))] for epoch in (0, 1)]
    loader = data.loader(num_workers=2, persistent_workers=persistent_workers)
    for epoch in (0, 1):
        loader.sampler.set_epoch(epoch)
        batches = list(loader)
        assert len(batches) == len(data)
        for got, expected in zip(batches, in_process[epoch], strict=True):
            assert_same_batch(got, expected)


def test_rejects_bad_arguments() -> None:
    sampler = TemporalNeighborSampler(store(), [2])
    with pytest.raises(ValueError, match="batch_size must be a positive integer, got 0"):
        SamplerDataset(sampler, "drivers", np.arange(3), np.zeros(3, np.int64), batch_size=0)
    with pytest.raises(ValueError, match="2 labels for 3 seeds"):
        SamplerDataset(sampler, "drivers", np.arange(3), np.zeros(3, np.int64), np.zeros(2))
    with pytest.raises(ValueError, match="unknown seed node type 'teams'"):
        SamplerDataset(sampler, "teams", np.arange(3), np.zeros(3, np.int64))
    with pytest.raises(IndexError, match="batch 1 out of range: an epoch has 1 batches"):
        SamplerDataset(sampler, "drivers", np.arange(3), np.zeros(3, np.int64))[1]
