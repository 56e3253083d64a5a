"""Reading values for inference: row samples, and null markers that survived as strings."""

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

NULL_MARKERS = ("", "\\n", "null", "none", "nan", "na", "n/a", "nil", "#n/a", "<na>", "nat")
"""Strings that mean "missing", compared after trimming and lowercasing (``\\N`` -> ``\\n``)."""

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


def clean_strings(values: pa.ChunkedArray) -> pa.ChunkedArray:
    """Trims string values and turns null markers (``\\N``, ``NULL``, ``nan``, ...) into nulls.

    Args:
        values: A string, large-string or string-view array.

    Returns:
        A ``string`` array of the trimmed values, null where a value was a null marker.
    """
    if values.type != pa.string():
        values = values.cast(pa.string())
    trimmed = pc.utf8_trim_whitespace(values)
    is_marker = pc.is_in(pc.utf8_lower(trimmed), value_set=pa.array(NULL_MARKERS))
    return pc.if_else(is_marker, pa.scalar(None, pa.string()), trimmed)


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
