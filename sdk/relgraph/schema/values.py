"""Null markers that survived as strings (``\\N``, ``NULL``, ...), read the same everywhere."""

import pyarrow as pa
import pyarrow.compute as pc

NULL_MARKERS = ("", "\\n", "null", "none", "nan", "na", "n/a", "nil", "#n/a", "<na>", "nat")
"""Strings that mean "missing", compared after trimming and lowercasing (``\\N`` -> ``\\n``)."""


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
