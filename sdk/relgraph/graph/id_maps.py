"""Maps between node indices and primary-key values, for keys of any type.

The node index of a row is its row number in the table snapshot; a table with a primary key
keeps its key values in node order, so a key's node index is its position (found with a hash
lookup, ``pyarrow.compute.index_in``) and a node's key is a ``take``. Keys are stored as Arrow
IPC files and memory-mapped back, so strings and UUIDs cost no parsing.
"""

import os
from collections.abc import Sequence
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from relgraph.graph.edges import key_array

_KEY_FIELD = "key"


class IdMaps:
    """Node index <-> primary key, per node type.

    Args:
        keys: Per table with a primary key, its key values in node order.
        num_nodes: Node count per node type (tables without a primary key too).
    """

    def __init__(self, keys: dict[str, pa.Array], num_nodes: dict[str, int]) -> None:
        self._keys = dict(keys)
        self._num_nodes = dict(num_nodes)

    @property
    def node_types(self) -> list[str]:
        """The node types that have primary keys."""
        return list(self._keys)

    def has_keys(self, table: str) -> bool:
        """Whether ``table`` has primary-key values (otherwise node index = row number)."""
        return table in self._keys

    def key_values(self, table: str) -> pa.Array:
        """All key values of ``table``, in node order.

        Raises:
            KeyError: If the table is unknown or has no primary key.
        """
        self._check(table)
        return self._keys[table]

    def node_index(self, table: str, keys: Sequence[Any] | np.ndarray | pa.Array) -> np.ndarray:
        """Returns the node index of each key.

        Args:
            table: The node type.
            keys: Primary-key values (a list, NumPy array or Arrow array).

        Returns:
            ``int64[len(keys)]`` node indices, -1 for keys (or nulls) not in the table.

        Raises:
            KeyError: If the table is unknown or has no primary key.
            TypeError: If the keys cannot be compared with the table's key type.
        """
        self._check(table)
        stored = key_array(self._keys[table])
        wanted = key_array(keys if isinstance(keys, pa.Array | pa.ChunkedArray) else pa.array(keys))
        if wanted.type != stored.type:
            try:
                wanted = wanted.cast(stored.type)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
                raise TypeError(
                    f"keys of type {wanted.type} cannot be looked up in '{table}', whose keys "
                    f"are {stored.type} ({exc})"
                ) from exc
        index = pc.index_in(wanted, value_set=stored)
        return pc.fill_null(index, -1).to_numpy(zero_copy_only=False).astype(np.int64)

    def keys(self, table: str, index: Sequence[int] | np.ndarray) -> pa.Array:
        """Returns the primary-key value of each node.

        Args:
            table: The node type.
            index: Node indices.

        Raises:
            KeyError: If the table is unknown or has no primary key.
            IndexError: If an index is out of range.
        """
        self._check(table)
        index = np.asarray(index, dtype=np.int64)
        n = self._num_nodes[table]
        if index.size and (index.min() < 0 or index.max() >= n):
            raise IndexError(
                f"node indices of '{table}' must lie in [0, {n}), found "
                f"[{index.min()}, {index.max()}]"
            )
        return self._keys[table].take(pa.array(index))

    def _check(self, table: str) -> None:
        if table not in self._num_nodes:
            raise KeyError(f"unknown node type '{table}' (node types: {list(self._num_nodes)})")
        if table not in self._keys:
            raise KeyError(
                f"node type '{table}' has no primary key: its node index is its row number"
            )


def write_keys(values: pa.Array | pa.ChunkedArray, path: str | os.PathLike[str]) -> None:
    """Writes key values as an Arrow IPC file (one column, ``key``).

    Args:
        values: The key values in node order.
        path: The file to write.
    """
    table = pa.table({_KEY_FIELD: values})
    with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table)


def read_keys(path: str | os.PathLike[str], *, mmap: bool = True) -> pa.Array:
    """Reads key values written by :func:`write_keys`.

    Args:
        path: The file.
        mmap: Memory-map the file instead of reading it (default: ``True``).
    """
    source = pa.memory_map(str(path), "r") if mmap else pa.OSFile(str(path), "rb")
    with source:
        column = pa.ipc.open_file(source).read_all()[_KEY_FIELD]
    if column.num_chunks == 1:
        return column.chunk(0)
    return column.combine_chunks() if column.num_chunks else pa.array([], column.type)
