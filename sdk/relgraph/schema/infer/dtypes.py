"""Inferring a column's dtype from its values, not only from its Arrow type.

Each rule returns the dtype together with the evidence that decided it, in words a user can
check against the data ("integer with 12 distinct values in 26,759 rows -> category").
"""

from dataclasses import dataclass, replace

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from relgraph.schema.dtypes import ColumnDType
from relgraph.schema.errors import SchemaError
from relgraph.schema.infer.datetimes import (
    MIN_PARSED_SHARE,
    is_date_only,
    read_datetimes,
    time_of_day_share,
)
from relgraph.schema.infer.values import is_string, non_null
from relgraph.schema.values import clean_strings

INT_CATEGORY_MAX_DISTINCT = 20
"""Integers with at most this many distinct values may be categories ..."""
INT_CATEGORY_MIN_REPEATS = 10.0
"""... when each value occurs this many times on average (codes, flags, small enums)."""
STR_CATEGORY_MAX_DISTINCT = 1000
"""Strings with at most this many distinct values may be categories ..."""
STR_CATEGORY_MIN_REPEATS = 2.0
"""... when each value occurs this many times on average ..."""
STR_CATEGORY_MAX_MEAN_LENGTH = 64
"""... and values are this short on average; longer or rarer strings are text."""

_INTEGER = r"^[+-]?\d{1,18}$"
_FLOAT = r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"
_LEADING_ZERO = r"^[+-]?0\d"
_EXACT_FLOAT_INTEGERS = 2.0**53


@dataclass(frozen=True)
class ColumnProfile:
    """What a sample of a column's values says about it.

    Args:
        dtype: The inferred dtype.
        reason: Why, in words.
        null_share: The share of sampled rows that are null (null markers included)
            (default: ``0.0``).
        distinct: The number of distinct non-null sampled values; for lists, the number of
            non-null lists (default: ``0``).
        datetime_format: For datetime strings, the ``strptime`` format (default: ``None``).
        date_only: Whether a datetime column holds only dates (default: ``False``).
        time_of_day: Whether the values are times of day without a date (default: ``False``).
    """

    dtype: ColumnDType
    reason: str
    null_share: float = 0.0
    distinct: int = 0
    datetime_format: str | None = None
    date_only: bool = False
    time_of_day: bool = False


def profile_column(
    values: pa.ChunkedArray, *, total_rows: int, where: str = "column"
) -> ColumnProfile:
    """Infers a column's dtype from a sample of its values.

    Strings are read for what they hold: null markers (``\\N``, ``NULL``, ``nan``) are nulls,
    integers and decimal numbers are numbers (unless a leading zero marks them as codes),
    dates in a known format are datetimes, and the rest are categories or text.

    Args:
        values: The sampled values.
        total_rows: The number of rows of the whole table, for the reason.
        where: ``"table.column"``, for error messages (default: ``"column"``).

    Returns:
        The column's profile.

    Raises:
        SchemaError: If the Arrow type has no dtype reading (binary, struct, map, union).
    """
    kind = values.type
    if pa.types.is_dictionary(kind):
        values = values.cast(kind.value_type)
        kind = values.type
    if is_string(kind):
        values = clean_strings(values)
    present = non_null(values)
    null_share = 1.0 - len(present) / len(values) if len(values) else 1.0
    rows = _rows_phrase(len(values), total_rows)
    if len(present) == 0:
        reason = f"no non-null value in {rows} -> category (a single missing level)"
        profile = ColumnProfile(ColumnDType.CATEGORY, reason)
    elif pa.types.is_timestamp(kind) or pa.types.is_date(kind):
        date_only = is_date_only(present)
        what = "dates" if date_only else "timestamps"
        profile = ColumnProfile(
            ColumnDType.DATETIME,
            f"{kind} {what} -> datetime",
            distinct=pc.count_distinct(present).as_py(),
            date_only=date_only,
        )
    elif pa.types.is_time(kind):
        profile = _strings(present.cast(pa.string()), rows, f"{kind} times of day", True)
    elif pa.types.is_boolean(kind):
        profile = ColumnProfile(
            ColumnDType.CATEGORY,
            "booleans -> category",
            distinct=pc.count_distinct(present).as_py(),
        )
    elif pa.types.is_integer(kind) or pa.types.is_duration(kind):
        profile = _integers(present, rows, str(kind))
    elif pa.types.is_floating(kind) or pa.types.is_decimal(kind):
        profile = _floats(present.cast(pa.float64()), rows, str(kind))
    elif is_string(kind):
        profile = _text_like(present, rows)
    elif (
        pa.types.is_list(kind) or pa.types.is_large_list(kind) or pa.types.is_fixed_size_list(kind)
    ):
        profile = _lists(present)
    else:
        raise SchemaError(
            f"column {where}: no dtype reading for Arrow type {kind}; "
            f"set its dtype in the overrides or drop the column"
        )
    return replace(profile, null_share=null_share)


def _integers(values: pa.Array, rows: str, source: str) -> ColumnProfile:
    distinct = pc.count_distinct(values).as_py()
    repeats = len(values) / distinct
    what = f"{source} with {distinct:,} distinct values in {rows}"
    if distinct <= INT_CATEGORY_MAX_DISTINCT and repeats >= INT_CATEGORY_MIN_REPEATS:
        return ColumnProfile(ColumnDType.CATEGORY, f"{what} -> category", distinct=distinct)
    return ColumnProfile(ColumnDType.INTEGER, f"{what} -> integer", distinct=distinct)


def _floats(values: pa.Array, rows: str, source: str) -> ColumnProfile:
    numbers = values.to_numpy(zero_copy_only=False)
    whole = np.all(np.isfinite(numbers)) and np.all(
        (numbers == np.round(numbers)) & (np.abs(numbers) < _EXACT_FLOAT_INTEGERS)
    )
    if whole:
        return _integers(values.cast(pa.int64()), rows, f"whole-number {source}")
    distinct = pc.count_distinct(values).as_py()
    why = f"{source} with fractional values ({distinct:,} distinct in {rows}) -> float"
    return ColumnProfile(ColumnDType.FLOAT, why, distinct=distinct)


def _text_like(values: pa.Array, rows: str) -> ColumnProfile:
    if not _any_match(values, _LEADING_ZERO):
        if _all_match(values, _INTEGER):
            return _integers(values.cast(pa.int64()), rows, "strings of integers")
        if _all_match(values, _FLOAT):
            return _floats(values.cast(pa.float64()), rows, "strings of numbers")
    reading = read_datetimes(values)
    if reading is not None:
        date_only = is_date_only(reading.parsed)
        what = "dates" if date_only else "datetimes"
        return ColumnProfile(
            ColumnDType.DATETIME,
            f"strings of {what}: {reading.detail} -> datetime",
            distinct=pc.count_distinct(values).as_py(),
            datetime_format=reading.datetime_format,
            date_only=date_only,
        )
    if time_of_day_share(values) >= MIN_PARSED_SHARE:
        return _strings(values, rows, "strings of times of day", True)
    return _strings(values, rows, "strings", False)


def _strings(values: pa.Array, rows: str, source: str, time_of_day: bool) -> ColumnProfile:
    distinct = pc.count_distinct(values).as_py()
    mean_length = pc.mean(pc.utf8_length(values)).as_py()
    repeats = len(values) / distinct
    what = f"{source} with {distinct:,} distinct values in {rows}, mean length {mean_length:.1f}"
    is_category = (
        distinct <= STR_CATEGORY_MAX_DISTINCT
        and repeats >= STR_CATEGORY_MIN_REPEATS
        and mean_length <= STR_CATEGORY_MAX_MEAN_LENGTH
    )
    dtype = ColumnDType.CATEGORY if is_category else ColumnDType.TEXT
    return ColumnProfile(
        dtype, f"{what} -> {dtype.value}", distinct=distinct, time_of_day=time_of_day
    )


def _lists(values: pa.Array) -> ColumnProfile:
    item = values.type.value_type
    lengths = pc.list_value_length(values)
    lo, hi = pc.min(lengths).as_py(), pc.max(lengths).as_py()
    if (pa.types.is_integer(item) or pa.types.is_floating(item)) and lo == hi and hi > 0:
        why = f"lists of {item}, all of length {hi} -> embedding"
        return ColumnProfile(ColumnDType.EMBEDDING, why, distinct=len(values))
    shape = f"length {lo}" if lo == hi else f"lengths {lo} to {hi}"
    why = f"lists of {item} ({shape}) -> multi_categorical"
    return ColumnProfile(ColumnDType.MULTI_CATEGORICAL, why, distinct=len(values))


def _all_match(values: pa.Array, pattern: str) -> bool:
    return bool(pc.all(pc.match_substring_regex(values, pattern)).as_py())


def _any_match(values: pa.Array, pattern: str) -> bool:
    return bool(pc.any(pc.match_substring_regex(values, pattern)).as_py())


def _rows_phrase(sampled: int, total: int) -> str:
    if sampled >= total:
        return f"{total:,} rows"
    return f"a sample of {sampled:,} of {total:,} rows"


def profile_as_datetime(
    values: pa.ChunkedArray, *, datetime_format: str | None, where: str
) -> ColumnProfile:
    """Reads a column the user declared ``datetime``, with a given format or a detected one.

    Args:
        values: The sampled values.
        datetime_format: The ``strptime`` format, or ``None`` to detect it.
        where: ``"table.column"``, for error messages.

    Returns:
        The column's profile as a datetime column.

    Raises:
        SchemaError: If the values cannot be read as datetimes (with the format, if given).
    """
    kind = values.type
    if pa.types.is_dictionary(kind):
        values = values.cast(kind.value_type)
        kind = values.type
    if pa.types.is_timestamp(kind) or pa.types.is_date(kind):
        if datetime_format is not None:
            raise SchemaError(
                f"column {where}: datetime format {datetime_format!r} given, but values are "
                f"already of type {kind}"
            )
        stamps, fmt, detail = non_null(values), None, f"{kind} values"
    elif is_string(kind):
        present = non_null(clean_strings(values))
        if datetime_format is not None:
            stamps = pc.strptime(present, format=datetime_format, unit="us", error_is_null=True)
            share = 1.0 - stamps.null_count / len(present) if len(present) else 1.0
            if share < MIN_PARSED_SHARE:
                raise SchemaError(
                    f"column {where}: format {datetime_format!r} reads only {share:.1%} of "
                    f"{len(present):,} non-null values (e.g. {present[0].as_py()!r})"
                )
            stamps, fmt = pc.drop_null(stamps), datetime_format
            detail = f"format {datetime_format!r} reads {share:.1%} of non-null values"
        else:
            reading = read_datetimes(present)
            if reading is None:
                example = present[0].as_py() if len(present) else None
                raise SchemaError(
                    f"column {where}: no known datetime format reads its values (e.g. "
                    f"{example!r}); give one in 'datetime_formats'"
                )
            stamps, fmt, detail = (
                pc.drop_null(reading.parsed),
                reading.datetime_format,
                reading.detail,
            )
    else:
        raise SchemaError(f"column {where}: values of type {kind} cannot be read as datetimes")
    null_share = 1.0 - len(stamps) / len(values) if len(values) else 1.0
    return ColumnProfile(
        ColumnDType.DATETIME,
        detail,
        null_share=null_share,
        distinct=pc.count_distinct(stamps).as_py(),
        datetime_format=fmt,
        date_only=len(stamps) > 0 and is_date_only(stamps),
    )
