"""Key values: which key types can reference each other, and counting repeated keys."""

import numpy as np
import pyarrow as pa

_BITMAP_SPAN_PER_ROW = 8
"""Integer keys whose span is at most this many times their count are checked by bitmap."""


def duplicate_count(values: pa.ChunkedArray) -> int:
    """The number of non-null values that repeat an earlier one (``len - distinct``), exactly.

    Args:
        values: Key values without nulls (integers or strings).
    """
    if len(values) == 0:
        return 0
    if pa.types.is_integer(values.type):
        # Hand-written because Arrow's hash-based count_distinct takes seconds and a large hash
        # table on millions of ids. Ids are mostly dense: a bitmap over their span counts the
        # distinct values in one pass with one byte per possible value; sparse ids are sorted.
        ints = values.to_numpy()
        low = ints.min()
        span = int(ints.max()) - int(low) + 1
        if span <= _BITMAP_SPAN_PER_ROW * len(ints):
            seen = np.zeros(span, dtype=np.bool_)
            seen[ints - low] = True
            distinct = int(np.count_nonzero(seen))
        else:
            ordered = np.sort(ints)
            distinct = 1 + int(np.count_nonzero(ordered[1:] != ordered[:-1]))
        return len(ints) - distinct
    import duckdb  # only string keys need it; keeps `import relgraph.schema` light

    with duckdb.connect() as con:
        con.register("key_values", pa.table({"v": values}))
        ((distinct,),) = con.execute("SELECT count(DISTINCT v) FROM key_values").fetchall()
    return len(values) - int(distinct)


def key_family(dtype: pa.DataType) -> str:
    """The family of a key's Arrow type: keys of one family can reference each other.

    Integers and floats are one family (an integer key with nulls may have been read as
    floats), all string types another; dictionary and extension types (UUIDs) count as the
    type of their values.

    Args:
        dtype: An Arrow type.

    Returns:
        ``"number"``, ``"string"``, or the type's name.
    """
    if isinstance(dtype, pa.BaseExtensionType):
        dtype = dtype.storage_type
    if pa.types.is_dictionary(dtype):
        dtype = dtype.value_type
    if pa.types.is_integer(dtype) or pa.types.is_floating(dtype):
        return "number"
    if pa.types.is_string(dtype) or pa.types.is_large_string(dtype):
        return "string"
    return str(dtype)
