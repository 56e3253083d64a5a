"""Inferring column dtypes from values."""

import datetime as dt

import pyarrow as pa
import pytest

from relgraph.schema import ColumnDType, SchemaError
from relgraph.schema.infer.dtypes import profile_as_datetime, profile_column


def _profile(values: pa.Array, total_rows: int | None = None):
    return profile_column(
        pa.chunked_array([values]), total_rows=total_rows or len(values), where="t.c"
    )


CASES = [
    # (values, expected dtype, words the reason must contain)
    (
        pa.array([1, 2, 3] * 100),
        ColumnDType.CATEGORY,
        "int64 with 3 distinct values in 300 rows -> category",
    ),
    (pa.array(range(300)), ColumnDType.INTEGER, "300 distinct values"),
    (pa.array(list(range(30)) * 10), ColumnDType.INTEGER, "30 distinct"),
    (pa.array([1, 2, 3, 4, 5]), ColumnDType.INTEGER, "5 distinct"),
    (pa.array([0.5, 1.25, 3.0] * 10), ColumnDType.FLOAT, "fractional"),
    (pa.array([float(i) for i in range(50)] + [None]), ColumnDType.INTEGER, "whole-number double"),
    (pa.array([1.0, float("inf")] * 10), ColumnDType.FLOAT, "fractional"),
    (pa.array(["1", "2", "\\N", "3"] * 100), ColumnDType.CATEGORY, "strings of integers"),
    (pa.array([str(i) for i in range(300)]), ColumnDType.INTEGER, "strings of integers"),
    (pa.array(["1.5", "2e3", "-0.25", "NULL"] * 50), ColumnDType.FLOAT, "strings of numbers"),
    (pa.array(["007", "012", "123"] * 50), ColumnDType.CATEGORY, "strings with 3 distinct"),
    (
        pa.array(["red", "green", "blue", None] * 50),
        ColumnDType.CATEGORY,
        "strings with 3 distinct",
    ),
    (pa.array([f"name {i}" for i in range(200)]), ColumnDType.TEXT, "200 distinct"),
    (
        pa.array(["a long sentence that repeats " * 4, "another one " * 8] * 50),
        ColumnDType.TEXT,
        "mean length",
    ),
    (pa.array(["2009-03-29", "\\N", "2010-01-01"] * 10), ColumnDType.DATETIME, "strings of dates"),
    (pa.array([dt.date(2020, 1, 1)], pa.date32()), ColumnDType.DATETIME, "date32[day] dates"),
    (
        pa.array([dt.datetime(2020, 1, 1, 6)], pa.timestamp("us")),
        ColumnDType.DATETIME,
        "timestamps",
    ),
    (pa.array([True, False] * 10), ColumnDType.CATEGORY, "booleans"),
    (pa.array([[0.1, 0.2, 0.3], [1.0, 2.0, 3.0]]), ColumnDType.EMBEDDING, "all of length 3"),
    (pa.array([[1, 2], [3, 4]], pa.list_(pa.int32(), 2)), ColumnDType.EMBEDDING, "length 2"),
    (pa.array([[0.1], [1.0, 2.0]]), ColumnDType.MULTI_CATEGORICAL, "lengths 1 to 2"),
    (pa.array([["a", "b"], ["c"], None]), ColumnDType.MULTI_CATEGORICAL, "lists of string"),
    (pa.array([[], []], pa.list_(pa.float32())), ColumnDType.MULTI_CATEGORICAL, "length 0"),
    (pa.array([None, None], pa.null()), ColumnDType.CATEGORY, "no non-null value"),
    (pa.array(["\\N", "NULL"]), ColumnDType.CATEGORY, "no non-null value"),
    (
        pa.array(["x", "y"] * 20).dictionary_encode(),
        ColumnDType.CATEGORY,
        "strings with 2 distinct",
    ),
    (pa.array([dt.timedelta(seconds=s) for s in range(50)]), ColumnDType.INTEGER, "duration"),
]


@pytest.mark.parametrize(("values", "dtype", "reason"), CASES)
def test_profile_column(values: pa.Array, dtype: ColumnDType, reason: str) -> None:
    profile = _profile(values)
    assert profile.dtype == dtype
    assert reason in profile.reason
    assert f"-> {dtype.value}" in profile.reason


@pytest.mark.parametrize("kind", [pa.string(), pa.large_string(), pa.string_view()])
def test_string_types_are_read_alike(kind: pa.DataType) -> None:
    values = ["a", "b", "\\N"] * 10
    assert _profile(pa.array(values, kind)) == _profile(pa.array(values, pa.string()))


def test_null_markers_count_as_nulls() -> None:
    profile = _profile(pa.array(["1", "\\N", "NULL", None]))
    assert profile.null_share == 0.75
    assert profile.distinct == 1


def test_date_strings_and_date_values_profile_the_same() -> None:
    strings = _profile(pa.array(["2009-03-29", "2010-01-02", None]))
    dates = _profile(pa.array([dt.date(2009, 3, 29), dt.date(2010, 1, 2), None], pa.date32()))
    assert strings.dtype == dates.dtype == ColumnDType.DATETIME
    assert strings.date_only and dates.date_only
    assert strings.datetime_format == "%Y-%m-%d" and dates.datetime_format is None
    assert (strings.null_share, strings.distinct) == (dates.null_share, dates.distinct)


def test_datetime_strings_with_times_are_not_date_only() -> None:
    profile = _profile(pa.array(["2009-03-29 06:00:00", "2009-03-30 00:00:00"]))
    assert profile.dtype == ColumnDType.DATETIME and not profile.date_only
    midnight = _profile(pa.array(["2009-03-29 00:00:00", "2009-03-30 00:00:00"]))
    assert midnight.date_only


@pytest.mark.parametrize(
    "values",
    [
        pa.array(["06:00:00", "17:05:23", None] * 10),
        pa.array([dt.time(6), dt.time(17, 5, 23), None] * 10, pa.time32("s")),
        pa.array([dt.time(6), dt.time(17, 5, 23), None] * 10, pa.time64("us")),
    ],
)
def test_times_of_day_are_flagged_whatever_their_type(values: pa.Array) -> None:
    profile = _profile(values)
    assert profile.time_of_day
    assert profile.dtype == ColumnDType.CATEGORY
    assert "times of day" in profile.reason


def test_sampled_reason_names_the_sample() -> None:
    profile = _profile(pa.array([1, 2] * 50), total_rows=1_000_000)
    assert "a sample of 100 of 1,000,000 rows" in profile.reason


@pytest.mark.parametrize(
    "values",
    [
        pa.array([b"\x00"]),
        pa.array([{"a": 1}]),
        pa.array([[("k", 1)]], pa.map_(pa.string(), pa.int64())),
    ],
)
def test_unreadable_types_raise_naming_the_column(values: pa.Array) -> None:
    with pytest.raises(SchemaError, match=r"column t\.c: no dtype reading for Arrow type"):
        _profile(values)


def test_profile_as_datetime_with_a_given_format() -> None:
    values = pa.chunked_array([pa.array(["03/04/2020", "12/01/2021", "\\N"])])
    profile = profile_as_datetime(values, datetime_format="%m/%d/%Y", where="t.c")
    assert profile.dtype == ColumnDType.DATETIME
    assert profile.datetime_format == "%m/%d/%Y"
    assert profile.null_share == pytest.approx(1 / 3)
    assert profile.date_only


def test_profile_as_datetime_detects_a_format() -> None:
    values = pa.chunked_array([pa.array(["2020-01-02", "2021-03-04"])])
    profile = profile_as_datetime(values, datetime_format=None, where="t.c")
    assert profile.datetime_format == "%Y-%m-%d"


def test_profile_as_datetime_keeps_typed_values() -> None:
    values = pa.chunked_array([pa.array([dt.datetime(2020, 1, 1, 5)], pa.timestamp("s"))])
    profile = profile_as_datetime(values, datetime_format=None, where="t.c")
    assert profile.datetime_format is None and not profile.date_only


@pytest.mark.parametrize(
    ("values", "fmt", "message"),
    [
        (
            pa.array(["2020-01-02", "x"]),
            "%d/%m/%Y",
            r"t\.c: format '%d/%m/%Y' reads only 0\.0% of 2",
        ),
        (
            pa.array(["hello", "world"]),
            None,
            r"t\.c: no known datetime format reads its values \(e\.g\. 'hello'\)",
        ),
        (pa.array([1, 2]), None, r"t\.c: values of type int64 cannot be read as datetimes"),
        (
            pa.array([dt.date(2020, 1, 1)]),
            "%Y",
            r"t\.c: datetime format '%Y' given, but values are already of type date32",
        ),
    ],
)
def test_profile_as_datetime_errors(values: pa.Array, fmt: str | None, message: str) -> None:
    with pytest.raises(SchemaError, match=message):
        profile_as_datetime(pa.chunked_array([values]), datetime_format=fmt, where="t.c")
