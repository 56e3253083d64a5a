"""Reading values for inference: row samples, and null markers that survived as strings."""

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

_SAMPLE_SEED = 0


def sample_table(table: pa.Table, limit: int) -> pa.Table:
    """A uniform random sample of rows, in their original order, the same on every call.

    Args:
        table: The table.
        limit: The most rows to keep; a table with no more rows is returned whole.

    Returns:
        ``table`` itself or ``limit`` of its rows.
    """
    if table.num_rows <= limit:
        return table
    rng = np.random.default_rng(_SAMPLE_SEED)
    rows = np.sort(rng.choice(table.num_rows, size=limit, replace=False))
    return table.take(pa.array(rows))


def non_null(values: pa.ChunkedArray) -> pa.Array:
    """The non-null values as one contiguous array (NaN counts as null for floats).

    Args:
        values: Any array.
    """
    if pa.types.is_floating(values.type):
        values = pc.if_else(pc.is_nan(values), pa.scalar(None, values.type), values)
    return pc.drop_null(values).combine_chunks()


def is_string(dtype: pa.DataType) -> bool:
    """Whether an Arrow type holds strings (``string``, ``large_string``, ``string_view``)."""
    return (
        pa.types.is_string(dtype)
        or pa.types.is_large_string(dtype)
        or (pa.types.is_string_view(dtype))
    )
