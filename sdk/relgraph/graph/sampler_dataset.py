"""Mini-batches of seeds for :class:`torch.utils.data.DataLoader`, worker processes included.

:class:`SamplerDataset` splits seeds (node ids with times and optional labels) into batches;
item ``(epoch, b)`` is batch ``b`` of that epoch's order, sampled into a
:class:`~torch_geometric.data.HeteroData` by a
:class:`~relgraph.graph.sampler.TemporalNeighborSampler`. The epoch travels inside the index
(yielded by :class:`EpochSampler`, which lives in the main process), and all randomness
is drawn from ``(seed, epoch, b)``, so a batch is the same whichever worker builds it, with
or without persistent workers::

    dataset = SamplerDataset(sampler, "drivers", ids, times, labels, batch_size=512,
                             shuffle=True)
    loader = dataset.loader(num_workers=2)
    for epoch in range(epochs):
        loader.sampler.set_epoch(epoch)   # or dataset.loader(..., epoch=epoch)
        for batch in loader:
            ...

Besides the sampler's attributes (see :mod:`relgraph.graph.sampler`), a batch carries
``batch[seed_type].input_id`` (``int64`` position of every seed in the dataset's arrays) and,
with labels, ``batch[seed_type].y`` (the seeds' labels, first dimension ``num_seeds``).
"""

import numbers
from collections.abc import Iterator

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset, Sampler
from torch_geometric.data import HeteroData

from relgraph.graph.sampler import TemporalNeighborSampler
from relgraph.typing import NodeType

_SHUFFLE_STREAM = 1
"""Mixed into the random seed of the shuffle order, apart from the sampler's streams."""


class EpochSampler(Sampler[tuple[int, int]]):
    """Yields ``(epoch, batch)`` for every batch of the current epoch, in order.

    Args:
        num_batches: The number of batches per epoch.
        epoch: The first epoch (default: ``0``).
    """

    def __init__(self, num_batches: int, epoch: int = 0) -> None:
        self.num_batches = num_batches
        self.epoch = epoch

    def set_epoch(self, epoch: int) -> None:
        """Makes the next iteration yield the batches of ``epoch``."""
        self.epoch = epoch

    def __iter__(self) -> Iterator[tuple[int, int]]:
        return ((self.epoch, index) for index in range(self.num_batches))

    def __len__(self) -> int:
        return self.num_batches


class SamplerDataset(Dataset[HeteroData]):
    """Batches of seeds, sampled into PyG mini-batches on demand.

    Args:
        sampler: The sampler that builds the batches.
        node_type: The node type of the seeds.
        seeds: ``int[n]`` global ids of the seed nodes.
        seed_time: ``int[n]`` time of every seed (seconds since the epoch).
        labels: Optional labels, first dimension ``n`` (default: ``None``).
        visible_until: Optional ``int[n]`` time per seed after which rows are hidden (see
            :meth:`TemporalNeighborSampler.sample_indices`) (default: ``None``).
        batch_size: Seeds per batch (default: ``512``).
        shuffle: Whether every epoch visits the seeds in a new random order (default:
            ``False``).
        drop_last: Whether to drop the last batch when it is smaller than ``batch_size``
            (default: ``False``).

    Raises:
        ValueError: If the arrays differ in length, ``batch_size`` is not positive, or the
            seeds are invalid for the sampler's store.
    """

    def __init__(
        self,
        sampler: TemporalNeighborSampler,
        node_type: NodeType,
        seeds: np.ndarray,
        seed_time: np.ndarray,
        labels: np.ndarray | torch.Tensor | None = None,
        *,
        visible_until: np.ndarray | None = None,
        batch_size: int = 512,
        shuffle: bool = False,
        drop_last: bool = False,
    ) -> None:
        if not isinstance(batch_size, numbers.Integral) or batch_size < 1:
            raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
        seeds, seed_time = sampler.check_seeds(node_type, seeds, seed_time)
        if labels is not None and len(labels) != seeds.size:
            raise ValueError(
                f"labels must have one row per seed: {len(labels)} labels for {seeds.size} seeds"
            )
        if visible_until is not None:
            visible_until = np.asarray(visible_until, dtype=np.int64)
            if visible_until.shape != seeds.shape:
                raise ValueError(
                    f"visible_until must have one time per seed: {visible_until.shape} "
                    f"!= {seeds.shape}"
                )
        self.sampler = sampler
        self.visible_until = visible_until
        self.node_type = node_type
        self.seeds = seeds
        self.seed_time = seed_time
        self.labels = torch.as_tensor(labels) if labels is not None else None
        self.batch_size = int(batch_size)
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        self._order: tuple[int, np.ndarray] | None = None

    def __len__(self) -> int:
        """The number of batches per epoch."""
        if self.drop_last:
            return self.seeds.size // self.batch_size
        return -(-self.seeds.size // self.batch_size)

    def batch_positions(self, epoch: int, index: int) -> np.ndarray:
        """The positions (in the dataset's arrays) of the seeds of one batch.

        Args:
            epoch: The epoch, which fixes the order when shuffling.
            index: The batch number within the epoch.

        Raises:
            IndexError: If ``index`` is not a batch number of an epoch.
        """
        if not 0 <= index < len(self):
            raise IndexError(f"batch {index} out of range: an epoch has {len(self)} batches")
        first = index * self.batch_size
        if not self.shuffle:
            return np.arange(first, min(first + self.batch_size, self.seeds.size))
        if self._order is None or self._order[0] != epoch:
            rng = np.random.default_rng([self.sampler.seed, _SHUFFLE_STREAM, epoch])
            self._order = (epoch, rng.permutation(self.seeds.size))
        return self._order[1][first : first + self.batch_size]

    def __getitem__(self, index: int | tuple[int, int]) -> HeteroData:
        """Samples batch ``(epoch, b)`` (or ``b`` of epoch ``0``).

        The sampler's batch id is ``epoch * len(self) + b``, so every batch of every epoch
        draws its own neighbors.
        """
        epoch, batch = (0, index) if isinstance(index, numbers.Integral) else index
        positions = self.batch_positions(int(epoch), int(batch))
        data = self.sampler.sample(
            self.node_type,
            self.seeds[positions],
            self.seed_time[positions],
            batch_id=int(epoch) * len(self) + int(batch),
            visible_until=None if self.visible_until is None else self.visible_until[positions],
        )
        seed_store = data[self.node_type]
        seed_store.input_id = torch.from_numpy(positions.astype(np.int64))
        if self.labels is not None:
            seed_store.y = self.labels[torch.from_numpy(positions)]
        return data

    def loader(
        self,
        *,
        epoch: int = 0,
        num_workers: int = 0,
        persistent_workers: bool = False,
        pin_memory: bool = False,
    ) -> DataLoader:
        """A DataLoader over the batches of an epoch (one batch per item).

        Call ``loader.sampler.set_epoch(e)`` before iterating over epoch ``e``.

        Args:
            epoch: The epoch the loader starts at (default: ``0``).
            num_workers: Worker processes sampling batches (default: ``0``: in process).
            persistent_workers: Keep the workers between epochs (default: ``False``).
            pin_memory: Copy batches to pinned memory, for GPU training (default:
                ``False``).

        Returns:
            The loader.
        """
        return DataLoader(
            self,
            batch_size=None,
            sampler=EpochSampler(len(self), epoch),
            collate_fn=_identity,
            num_workers=num_workers,
            persistent_workers=persistent_workers and num_workers > 0,
            pin_memory=pin_memory,
        )


def _identity(batch: HeteroData) -> HeteroData:
    """The collate function: every item is already a whole batch."""
    return batch
