"""The one shape every source hands out: checked, metadata-free Arrow tables of plain types.

Sources differ in what they put into Arrow: ADBC's PostgreSQL driver tags fields with
``POSTGRESQL:type`` metadata and returns ``numeric`` as an opaque string extension type and
``uuid`` as 16 raw bytes; parquet files carry pandas metadata. Normalizing here keeps later
layers (schema inference, hashing, snapshots) independent of where a table came from.
"""

from collections import Counter

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from relgraph.io.errors import SourceError

_HEX_DIGITS = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
# Byte positions of the 32 hex digits inside the 36 characters of a canonical UUID string.
_UUID_DIGIT_POSITIONS = np.array(
    [i for i in range(36) if i not in (8, 13, 18, 23)],
    dtype=np.intp,
)


def normalize_table(table: pa.Table, *, name: str, where: str) -> pa.Table:
    """Checks a table read from a source and converts it to plain Arrow types.

    Schema and field metadata are dropped; PostgreSQL ``numeric`` becomes ``float64``, UUIDs
    become their canonical ``8-4-4-4-12`` lower-case strings, and other extension types their
    storage type.

    Args:
        table: The table as the reader returned it.
        name: The table's name, for error messages.
        where: The source it came from (already redacted), for error messages.

    Returns:
        The normalized table.

    Raises:
        SourceError: If the table has no columns, no rows, or repeated column names.
    """
    if table.num_columns == 0:
        raise SourceError(f"table {name!r} in {where} is empty: it has no columns")
    if table.num_rows == 0:
        raise SourceError(
            f"table {name!r} in {where} is empty: it has no rows "
            f"(columns: {', '.join(table.column_names)})"
        )
    repeated = sorted(column for column, count in Counter(table.column_names).items() if count > 1)
    if repeated:
        raise SourceError(f"table {name!r} in {where} repeats column names: {repeated}")
    columns = [_plain_column(column) for column in table.columns]
    return pa.table(columns, names=table.column_names)


def _plain_column(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """``column`` with an extension type replaced by a plain one (see :func:`normalize_table`)."""
    kind = column.type
    if not isinstance(kind, pa.BaseExtensionType):
        return column
    if isinstance(kind, pa.UuidType):
        return pa.chunked_array(
            [_uuid_strings(chunk.storage) for chunk in column.chunks], pa.string()
        )
    storage = pa.chunked_array([chunk.storage for chunk in column.chunks], kind.storage_type)
    if isinstance(kind, pa.OpaqueType) and kind.type_name == "numeric":
        return pc.cast(storage, pa.float64())
    return storage


def _uuid_strings(storage: pa.FixedSizeBinaryArray) -> pa.Array:
    """Canonical UUID strings of 16-byte values, built with numpy (pyarrow has no hex kernel)."""
    count = len(storage)
    if count == 0:
        return pa.array([], pa.string())
    raw = np.frombuffer(storage.buffers()[1], dtype=np.uint8)[
        storage.offset * 16 : (storage.offset + count) * 16
    ].reshape(count, 16)
    digits = np.stack([_HEX_DIGITS[raw >> 4], _HEX_DIGITS[raw & 0x0F]], axis=2).reshape(count, 32)
    text = np.full((count, 36), ord("-"), dtype=np.uint8)
    text[:, _UUID_DIGIT_POSITIONS] = digits
    offsets = pa.py_buffer(np.arange(0, 36 * (count + 1), 36, dtype=np.int32))
    strings = pa.Array.from_buffers(pa.string(), count, [None, offsets, pa.py_buffer(text)])
    if storage.null_count == 0:
        return strings
    return pc.if_else(storage.is_valid(), strings, pa.scalar(None, pa.string()))
