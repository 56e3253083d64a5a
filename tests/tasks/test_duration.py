"""Tests of relgraph.tasks.duration."""

import numpy as np
import pytest

from relgraph.tasks import Duration, TimeUnit


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30 days", Duration(30)),
        ("1 month", Duration(1, TimeUnit.MONTHS)),
        ("-6 Hours", Duration(-6, "hours")),
        ("12months", Duration(12, TimeUnit.MONTHS)),
    ],
)
def test_parse(text: str, expected: Duration) -> None:
    assert Duration.parse(text) == expected


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: Duration.parse("a while"), "expected '<integer> days\\|hours\\|months'"),
        (
            lambda: Duration.parse("3 weeks"),
            "unknown time unit '3 weeks'|unknown time unit 'weeks'",
        ),
        (lambda: Duration(1.5), "duration amount must be an integer, found 1.5"),
        (lambda: Duration(True), "duration amount must be an integer, found True"),
    ],
)
def test_errors(make: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make()


def test_add_days_and_hours() -> None:
    times = np.array(["2024-01-01T06:00", "2024-02-28T00:00"], dtype="datetime64[us]")
    assert (
        Duration(2).add_to(times).tolist()
        == np.array(["2024-01-03T06:00", "2024-03-01T00:00"], dtype="datetime64[us]").tolist()
    )
    assert Duration(-7, "hours").add_to(times)[0] == np.datetime64("2023-12-31T23:00", "us")


def test_months_are_calendar_months_clipped_to_the_month_end() -> None:
    times = np.array(["2024-01-31T12:00", "2023-03-15T00:00"], dtype="datetime64[us]")
    shifted = Duration(1, "months").add_to(times)
    assert (
        shifted.tolist()
        == np.array(["2024-02-29T12:00", "2023-04-15T00:00"], dtype="datetime64[us]").tolist()
    )
    assert Duration(-13, "months").add_to(times)[1] == np.datetime64("2022-02-15", "us")


def test_str_multiply_and_json() -> None:
    assert str(Duration(30)) == "30 days"
    assert 3 * Duration(2, "hours") == Duration(6, "hours")
    assert Duration.from_dict(Duration(4, "months").to_dict()) == Duration(4, "months")
