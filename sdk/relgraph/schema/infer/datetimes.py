"""Recognizing dates, datetimes and times of day among string values, and their format."""

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from relgraph.schema.timestamps import TIMESTAMP_TYPE

DATETIME_FORMATS = (
    "%Y-%m-%d",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%dT%H:%M:%SZ",
    "%Y/%m/%d",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%d/%m/%Y",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%m/%d/%Y",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%d.%m.%Y",
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
    "%d-%m-%Y",
    "%m-%d-%Y",
    "%d/%m/%y",
    "%m/%d/%y",
    "%d %b %Y",
    "%b %d, %Y",
)
"""``strptime`` formats tried, in order of preference when several read every value (so an
all-ambiguous column such as ``01/02/2020`` is read day-first). ``%b`` reads both short and
full month names."""

MIN_PARSED_SHARE = 0.99
"""Share of non-null values a format must read for a string column to be datetimes."""

_PROBE_SIZE = 256
_TIME_OF_DAY = r"^([01]?\d|2[0-3]):[0-5]\d(:[0-5]\d)?$"
_MICROS_PER_DAY = 86_400_000_000


@dataclass(frozen=True)
class DatetimeReading:
    """How a string column reads as datetimes.

    Args:
        datetime_format: The ``strptime`` format, or ``None`` for ISO 8601 read by a cast
            (fractional seconds, mixed date and datetime values).
        parsed: The sample values as timestamps.
        share: The share of non-null values the reading parses.
        detail: How the format was chosen, for a decision's reason.
    """

    datetime_format: str | None
    parsed: pa.Array
    share: float
    detail: str


def read_datetimes(values: pa.Array) -> DatetimeReading | None:
    """Finds the format that reads the string values as datetimes, if any.

    Formats are first tried on a probe of the first values, then the ones that read the probe
    are tried on all values; the one that reads the most wins, ties going to the earlier
    format in :data:`DATETIME_FORMATS`. ISO 8601 values no single format reads (fractional
    seconds, a mix of dates and datetimes) are read by a cast.

    Args:
        values: Non-null, trimmed string values.

    Returns:
        The reading, or ``None`` when no format reads at least :data:`MIN_PARSED_SHARE` of
        the values.
    """
    total = len(values)
    if total == 0:
        return None
    probe = values.slice(0, _PROBE_SIZE)
    needed = MIN_PARSED_SHARE * len(probe)
    candidates = [f for f in DATETIME_FORMATS if _count_parsed(probe, f) >= needed]
    best: tuple[int, str, pa.Array] | None = None
    tied: list[str] = []
    for fmt in candidates:
        parsed = pc.strptime(values, format=fmt, unit="us", error_is_null=True)
        count = total - parsed.null_count
        if best is None or count > best[0]:
            best, tied = (count, fmt, parsed), [fmt]
        elif count == best[0]:
            tied.append(fmt)
    if best is not None and best[0] >= MIN_PARSED_SHARE * total:
        count, fmt, parsed = best
        detail = f"format '{fmt}' reads {count:,} of {total:,} non-null values"
        if len(tied) > 1:
            others = ", ".join(f"'{t}'" for t in tied[1:])
            detail += f" (ambiguous: {others} reads as many; the first listed format wins)"
        return DatetimeReading(fmt, parsed, count / total, detail)
    return _read_iso_by_cast(values)


def _read_iso_by_cast(values: pa.Array) -> DatetimeReading | None:
    if pc.sum(pc.match_substring_regex(values, r"^\d{4}-\d{2}-\d{2}")).as_py() != len(values):
        return None
    try:
        parsed = values.cast(TIMESTAMP_TYPE)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    detail = f"all {len(values):,} non-null values are ISO 8601 (read without a fixed format)"
    return DatetimeReading(None, parsed, 1.0, detail)


def _count_parsed(values: pa.Array, fmt: str) -> int:
    return len(values) - pc.strptime(values, format=fmt, unit="us", error_is_null=True).null_count


def is_date_only(stamps: pa.Array) -> bool:
    """Whether every non-null timestamp or date falls on midnight.

    Args:
        stamps: A date or timestamp array.
    """
    if pa.types.is_date(stamps.type):
        return True
    micros = pc.drop_null(stamps).cast(TIMESTAMP_TYPE).cast(pa.int64()).to_numpy()
    return len(micros) > 0 and not np.any(micros % _MICROS_PER_DAY)


def time_of_day_share(values: pa.Array) -> float:
    """The share of string values that are times of day (``"06:00"``, ``"17:05:23"``).

    Args:
        values: Non-null, trimmed string values.
    """
    if len(values) == 0:
        return 0.0
    return pc.sum(pc.match_substring_regex(values, _TIME_OF_DAY)).as_py() / len(values)
