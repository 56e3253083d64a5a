"""Content hashes of Arrow tables: the same rows and columns give the same hash.

A table is hashed as an Arrow IPC stream (a stable, versioned format, unlike parquet files,
whose bytes name the writer's version) written in fixed-size batches of freshly concatenated
buffers, so the hash does not depend on how the table happens to be chunked, sliced or
dictionary-encoded. Schema metadata is left out. Nested (list, struct) columns are hashed by
their physical layout: a parent null over a non-null child slot counts as different data.
"""

import json
from collections.abc import Mapping

import pyarrow as pa
import xxhash

HASH_BATCH_ROWS = 65_536
"""Rows per IPC batch in the hashed stream; part of the hash definition, do not change."""


class _HashSink:
    """A write-only file object that feeds everything written to it into a hash."""

    closed = False

    def __init__(self) -> None:
        self.digest = xxhash.xxh3_128()

    def write(self, data: bytes | memoryview) -> int:
        self.digest.update(data)
        return len(data)

    def flush(self) -> None:
        """Nothing is buffered."""


def table_hash(table: pa.Table) -> str:
    """The content hash of ``table``: column names, types and values, in row order.

    Args:
        table: The table to hash.

    Returns:
        32 lower-case hex digits (XXH3, 128 bits).
    """
    plain = pa.table(
        [
            column.cast(column.type.value_type) if pa.types.is_dictionary(column.type) else column
            for column in table.columns
        ],
        names=table.column_names,
    )
    sink = _HashSink()
    with pa.ipc.new_stream(sink, plain.schema) as writer:
        for start in range(0, plain.num_rows, HASH_BATCH_ROWS):
            part = plain.slice(start, HASH_BATCH_ROWS)
            # concat_arrays copies into buffers sized exactly for the part; the IPC writer would
            # otherwise write a zero-offset slice's whole underlying buffer.
            arrays = [pa.concat_arrays(column.chunks) for column in part.columns]
            writer.write_batch(pa.RecordBatch.from_arrays(arrays, schema=plain.schema))
    return sink.digest.hexdigest()


def combine_hashes(hashes: Mapping[str, str]) -> str:
    """One hash for a set of named hashes, independent of the mapping's order.

    Args:
        hashes: Name -> hash, for example table name -> :func:`table_hash`.

    Returns:
        32 lower-case hex digits (XXH3, 128 bits).
    """
    payload = json.dumps(sorted(hashes.items()), ensure_ascii=False, separators=(",", ":"))
    return xxhash.xxh3_128_hexdigest(payload.encode("utf-8"))
