"""Encoded node features as NumPy arrays: written as ``.npy``, memory-mapped back as a TensorFrame.

Per semantic type the arrays are those of pytorch-frame's tensors:

- numerical: ``values`` ``float32[N, C]`` (NaN = missing);
- categorical: ``values`` ``int64[N, C]`` (-1 = missing);
- timestamp: ``values`` ``int64[N, C, 7]`` (-1 = missing);
- multicategorical: a :class:`~torch_frame.data.MultiNestedTensor`'s ``values`` ``int64[nnz]``
  and ``offset`` ``int64[N * C + 1]``;
- embedding (fixed embeddings and text embeddings): a
  :class:`~torch_frame.data.MultiEmbeddingTensor`'s ``values`` ``float32[N, sum of dims]``
  and ``offset`` ``int64[C + 1]``.
"""

import os
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch_frame
from torch_frame import TensorFrame
from torch_frame.data import MultiEmbeddingTensor, MultiNestedTensor

from relgraph.graph.encoder_state import STYPE_ORDER


@dataclass
class EncodedFeatures:
    """The encoded feature columns of one table.

    Args:
        num_rows: The number of rows.
        col_names: Column names per semantic type, in :data:`STYPE_ORDER`.
        arrays: Per semantic type, its arrays by part name (``"values"``, ``"offset"``).
    """

    num_rows: int
    col_names: dict[torch_frame.stype, list[str]]
    arrays: dict[torch_frame.stype, dict[str, np.ndarray]]

    def to_tensor_frame(self) -> TensorFrame:
        """The features as a TensorFrame sharing memory with the arrays."""
        feat_dict = {}
        for stype, parts in self.arrays.items():
            values = _tensor(parts["values"])
            if stype.use_multi_nested_tensor:
                feat = MultiNestedTensor(
                    self.num_rows, len(self.col_names[stype]), values, _tensor(parts["offset"])
                )
            elif stype.use_multi_embedding_tensor:
                feat = MultiEmbeddingTensor(
                    self.num_rows, len(self.col_names[stype]), values, _tensor(parts["offset"])
                )
            else:
                feat = values
            feat_dict[stype] = feat
        return TensorFrame(feat_dict, dict(self.col_names), num_rows=self.num_rows)

    def save(self, folder: str | os.PathLike[str]) -> list[str]:
        """Writes every array as ``<stype>.<part>.npy`` in ``folder``.

        Args:
            folder: The folder to write into (created if missing).

        Returns:
            The file names written.
        """
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        names = []
        for stype, parts in self.arrays.items():
            for part, array in parts.items():
                name = f"{stype.value}.{part}.npy"
                np.save(folder / name, np.ascontiguousarray(array), allow_pickle=False)
                names.append(name)
        return names

    @classmethod
    def load(
        cls,
        folder: str | os.PathLike[str],
        num_rows: int,
        col_names: dict[torch_frame.stype, list[str]],
        *,
        mmap: bool = True,
    ) -> "EncodedFeatures":
        """Reads arrays written by :meth:`save`.

        Args:
            folder: The folder they were written to.
            num_rows: The number of rows.
            col_names: Column names per semantic type.
            mmap: Map the files copy-on-write instead of reading them (default: ``True``).

        Raises:
            FileNotFoundError: If an array file is missing.
        """
        folder = Path(folder)
        arrays: dict[torch_frame.stype, dict[str, np.ndarray]] = {}
        for stype in col_names:
            parts = ["values", "offset"] if stype.use_multi_tensor else ["values"]
            arrays[stype] = {
                part: np.load(
                    folder / f"{stype.value}.{part}.npy",
                    mmap_mode="c" if mmap else None,
                    allow_pickle=False,
                )
                for part in parts
            }
        ordered = {s: col_names[s] for s in STYPE_ORDER if s in col_names}
        return cls(num_rows=num_rows, col_names=ordered, arrays=arrays)


def _tensor(array: np.ndarray) -> torch.Tensor:
    with warnings.catch_warnings():
        # Read-only arrays (zero-copy views of Arrow buffers) warn here; nothing writes to these
        # tensors: pytorch-frame's tensors are read-only by design.
        warnings.simplefilter("ignore", UserWarning)
        return torch.from_numpy(array)
