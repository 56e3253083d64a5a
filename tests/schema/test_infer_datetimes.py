"""Recognizing datetime formats and times of day among strings."""

import datetime as dt

import pyarrow as pa
import pytest

from relgraph.schema.infer.datetimes import (
    is_date_only,
    read_datetimes,
    time_of_day_share,
)


@pytest.mark.parametrize(
    ("values", "fmt", "first"),
    [
        (["2009-03-29", "2010-12-01"], "%Y-%m-%d", dt.datetime(2009, 3, 29)),
        (
            ["2009-03-29 06:00:00", "2010-12-01 17:30:00"],
            "%Y-%m-%d %H:%M:%S",
            dt.datetime(2009, 3, 29, 6),
        ),
        (
            ["2009-03-29T06:00:00", "2010-12-01T17:30:00"],
            "%Y-%m-%dT%H:%M:%S",
            dt.datetime(2009, 3, 29, 6),
        ),
        (["2009-03-29 06:00", "2010-12-01 17:30"], "%Y-%m-%d %H:%M", dt.datetime(2009, 3, 29, 6)),
        (["2009/03/29", "2010/12/01"], "%Y/%m/%d", dt.datetime(2009, 3, 29)),
        (["29/03/2009", "01/12/2010"], "%d/%m/%Y", dt.datetime(2009, 3, 29)),
        (["03/29/2009", "12/01/2010"], "%m/%d/%Y", dt.datetime(2009, 3, 29)),
        (["03/29/2009 06:00", "12/01/2010 17:30"], "%m/%d/%Y %H:%M", dt.datetime(2009, 3, 29, 6)),
        (["29.03.2009", "01.12.2010"], "%d.%m.%Y", dt.datetime(2009, 3, 29)),
        (["29 Mar 2009", "1 Dec 2010"], "%d %b %Y", dt.datetime(2009, 3, 29)),
        (["March 29, 2009", "December 1, 2010"], "%b %d, %Y", dt.datetime(2009, 3, 29)),
    ],
)
def test_read_datetimes_detects_the_format(values: list[str], fmt: str, first: dt.datetime) -> None:
    reading = read_datetimes(pa.array(values))
    assert reading is not None
    assert reading.datetime_format == fmt
    assert reading.parsed[0].as_py() == first
    assert reading.share == 1.0
    assert fmt in reading.detail


def test_ambiguous_dates_read_day_first_and_say_so() -> None:
    reading = read_datetimes(pa.array(["01/02/2020", "03/04/2021"]))
    assert reading is not None
    assert reading.datetime_format == "%d/%m/%Y"
    assert "ambiguous" in reading.detail and "%m/%d/%Y" in reading.detail


def test_one_unambiguous_value_decides_month_first() -> None:
    values = ["01/02/2020"] * 300 + ["12/31/2020"]
    reading = read_datetimes(pa.array(values))
    assert reading is not None and reading.datetime_format == "%m/%d/%Y"


def test_iso_with_fractions_is_read_by_cast() -> None:
    reading = read_datetimes(pa.array(["2009-03-29T06:00:00.123", "2009-03-30 07:00"]))
    assert reading is not None
    assert reading.datetime_format is None
    assert reading.parsed[0].as_py() == dt.datetime(2009, 3, 29, 6, 0, 0, 123000)


def test_a_few_bad_values_are_tolerated_but_not_many() -> None:
    good = [f"2020-01-{d:02d}" for d in range(1, 29)] * 10
    assert read_datetimes(pa.array([*good, "garbage"])) is not None
    assert read_datetimes(pa.array([*good, *["garbage"] * 10])) is None


@pytest.mark.parametrize(
    "values",
    [["hello", "world"], ["1:26.572", "1:27.001"], ["+5.478", "1:34:50.616"], ["2009", "2010"]],
)
def test_non_dates_are_not_read(values: list[str]) -> None:
    assert read_datetimes(pa.array(values)) is None


def test_empty_values_are_not_read() -> None:
    assert read_datetimes(pa.array([], pa.string())) is None


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (pa.array([dt.date(2020, 1, 1)], pa.date32()), True),
        (pa.array([dt.datetime(2020, 1, 1), None], pa.timestamp("s")), True),
        (pa.array([dt.datetime(2020, 1, 1, 6)], pa.timestamp("us")), False),
        (pa.array([dt.datetime(1950, 1, 1)], pa.timestamp("ms")), True),
        (pa.array([None], pa.timestamp("s")), False),
    ],
)
def test_is_date_only(values: pa.Array, expected: bool) -> None:
    assert is_date_only(values) is expected


@pytest.mark.parametrize(
    ("values", "share"),
    [
        (["06:00:00", "17:05:23", "6:00", "23:59"], 1.0),
        (["06:00:00", "1:26.572"], 0.5),
        (["24:00:00", "12:60"], 0.0),
        ([], 0.0),
    ],
)
def test_time_of_day_share(values: list[str], share: float) -> None:
    assert time_of_day_share(pa.array(values, pa.string())) == share
