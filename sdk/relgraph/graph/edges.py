"""Edges from foreign keys: key lookup, and CSR of incoming neighbors sorted by time.

Everything here is vectorized: keys are matched with a hash lookup (``pyarrow.compute.index_in``)
and CSR rows are built with a sort and ``np.bincount``/``np.cumsum``.
"""

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from relgraph.graph.store import NeighborCSR
from relgraph.schema import SchemaError


@dataclass(frozen=True)
class ForeignKeyLinks:
    """Where each row of a child table points through one foreign key.

    Args:
        parent_index: ``int64[num_child_rows]``: the referenced parent node, or -1 when the
            key is null or dangling.
        num_null: Rows whose key is null.
        num_dangling: Rows whose key is not null but matches no parent key.
    """

    parent_index: np.ndarray
    num_null: int
    num_dangling: int

    @property
    def num_edges(self) -> int:
        """Rows that reference a parent."""
        return len(self.parent_index) - self.num_null - self.num_dangling


def key_array(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    """Returns key values in a form lookups accept: one chunk, extension types (UUIDs) as
    their storage, dictionaries decoded.

    Args:
        values: A key column.
    """
    if isinstance(values, pa.ChunkedArray):
        if values.num_chunks == 0:
            return pa.array([], _storage_type(values.type))
        values = values.combine_chunks()
    if isinstance(values, pa.ExtensionArray):
        values = values.storage
    if pa.types.is_dictionary(values.type):
        values = values.cast(values.type.value_type)
    return values


class KeyIndex:
    """The node index of every primary-key value, for lookups of foreign keys.

    Integer keys are looked up without hashing: through a dense table when the keys span a
    range at most :data:`DENSE_SPAN` times their number (auto-increment ids), otherwise by
    binary search in the sorted keys. Other key types (strings, binary UUIDs) use Arrow's hash
    lookup. Building the index also checks that the keys are unique and not null.

    Args:
        keys: The primary-key values, in node order.
        where: The key, for error messages (``"table.column"``).

    Raises:
        SchemaError: If a key is null or repeated.
    """

    DENSE_SPAN = 4

    def __init__(self, keys: pa.Array | pa.ChunkedArray, *, where: str) -> None:
        self.keys = key_array(keys)
        if self.keys.null_count:
            raise SchemaError(f"primary key {where}: {self.keys.null_count} null values")
        self._dense: np.ndarray | None = None
        self._sorted: np.ndarray | None = None
        self._order: np.ndarray | None = None
        n = len(self.keys)
        if _is_int(self.keys.type) and n:
            values = self.keys.to_numpy().astype(np.int64, copy=False)
            self._min = int(values.min())
            span = int(values.max()) - self._min + 1
            if span <= self.DENSE_SPAN * n + 1024:
                kind = np.int32 if n < np.iinfo(np.int32).max else np.int64
                dense = np.full(span, -1, dtype=kind)
                dense[values - self._min] = np.arange(n, dtype=kind)
                distinct = int(np.count_nonzero(dense >= 0))
                self._dense = dense
            else:
                self._order = np.argsort(values, kind="stable")
                self._sorted = values[self._order]
                distinct = n - int(np.count_nonzero(self._sorted[1:] == self._sorted[:-1]))
        else:
            distinct = n if n == 0 else int(pc.count_distinct(self.keys).as_py())
        if distinct != n:
            raise SchemaError(f"primary key {where}: {n - distinct} duplicate values")

    def __len__(self) -> int:
        return len(self.keys)

    def lookup(self, values: pa.Array | pa.ChunkedArray, *, where: str) -> ForeignKeyLinks:
        """Finds the node of every value.

        Args:
            values: Foreign-key values.
            where: The foreign key, for error messages (``"child.col -> parent.col"``).

        Returns:
            The links, with null and dangling counts.

        Raises:
            TypeError: If the values cannot be compared with the keys.
        """
        child = key_array(values)
        if child.type != self.keys.type and not (_is_int(child.type) and _is_int(self.keys.type)):
            try:
                child = child.cast(self.keys.type)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
                raise TypeError(
                    f"foreign key {where}: values of type {child.type} cannot be matched with "
                    f"keys of type {self.keys.type} ({exc})"
                ) from exc
        num_null = child.null_count
        if self._dense is None and self._sorted is None:
            found = pc.index_in(child, value_set=self.keys)
            index = pc.fill_null(found, -1).to_numpy(zero_copy_only=False).astype(np.int64)
        else:
            index = self._lookup_ints(child)
        num_unmatched = int(np.count_nonzero(index < 0))
        return ForeignKeyLinks(
            parent_index=index, num_null=num_null, num_dangling=num_unmatched - num_null
        )

    def _lookup_ints(self, child: pa.Array) -> np.ndarray:
        valid = None
        if child.null_count:
            valid = child.is_valid().to_numpy(zero_copy_only=False)
            child = pc.fill_null(child, 0)
        values = child.to_numpy().astype(np.int64, copy=False)
        if self._dense is not None:
            offset = values - self._min
            inside = (offset >= 0) & (offset < len(self._dense))
            index = np.full(len(values), -1, dtype=np.int64)
            index[inside] = self._dense[offset[inside]]
        else:
            pos = np.searchsorted(self._sorted, values)
            pos_in = np.minimum(pos, len(self._sorted) - 1)
            hit = self._sorted[pos_in] == values
            index = np.where(hit, self._order[pos_in], -1)
        if valid is not None:
            index[~valid] = -1
        return index


def time_order(times: np.ndarray) -> np.ndarray:
    """Returns the nodes of a type sorted by (time, index).

    Args:
        times: ``int64[num_nodes]`` node times.

    Returns:
        ``int64[num_nodes]`` node indices.
    """
    if _is_nondecreasing(times):
        return np.arange(len(times), dtype=np.int64)
    return np.argsort(times, kind="stable")


def incoming_csr(
    dst: np.ndarray,
    src: np.ndarray,
    num_dst: int,
    src_time: np.ndarray | None,
    *,
    src_order: np.ndarray | None = None,
) -> NeighborCSR:
    """Builds the incoming-neighbor CSR of an edge list, each row sorted by source time.

    Within a row, sources are ordered by (time, index); static sources by index.

    Args:
        dst: ``int64[num_edges]`` destination nodes, in ``[0, num_dst)``.
        src: ``int64[num_edges]`` source nodes.
        num_dst: The number of destination nodes.
        src_time: Per source node, its time in seconds, or ``None`` for a static source type.
        src_order: :func:`time_order` of ``src_time``, when already computed (default:
            ``None``).

    Returns:
        The CSR: ``rowptr`` over destination nodes, ``col`` the source nodes.
    """
    rowptr = np.zeros(num_dst + 1, dtype=np.int64)
    np.cumsum(np.bincount(dst, minlength=num_dst), out=rowptr[1:])
    if _is_increasing(dst):
        # At most one neighbor per row, rows in order: nothing to sort.
        return NeighborCSR(rowptr=rowptr, col=src.astype(np.int64, copy=True))
    if src_time is None:
        order = None
        rank = src.astype(np.int64, copy=False)
        num_src = int(rank.max()) + 1
    else:
        order = time_order(src_time) if src_order is None else src_order
        rank_of = np.empty(len(order), dtype=np.int64)
        rank_of[order] = np.arange(len(order), dtype=np.int64)
        rank = rank_of[src]
        num_src = len(order)
    if num_dst * num_src < 2**62:
        # One sort of (destination, rank) packed in an int64: about twice as fast as an
        # argsort, and several times faster than a two-key lexsort.
        key = dst.astype(np.int64) * num_src + rank
        key.sort()
        ranks = key - (key // num_src) * num_src
    else:
        ranks = rank[np.lexsort((rank, dst))]
    col = ranks if order is None else order[ranks]
    return NeighborCSR(rowptr=rowptr, col=col.astype(np.int64, copy=False))


def _is_increasing(values: np.ndarray) -> bool:
    return bool(np.all(values[1:] > values[:-1]))


def _is_nondecreasing(values: np.ndarray) -> bool:
    return bool(np.all(values[1:] >= values[:-1]))


def _is_int(kind: pa.DataType) -> bool:
    return pa.types.is_integer(kind)


def _storage_type(kind: pa.DataType) -> pa.DataType:
    if isinstance(kind, pa.ExtensionType):
        kind = kind.storage_type
    if pa.types.is_dictionary(kind):
        kind = kind.value_type
    return kind
