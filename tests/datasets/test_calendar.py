"""Tests of the shop calendar's day profile and sale days."""

import datetime as dt

import numpy as np
import pytest

from relgraph.datasets.calendar import day_intensity, sale_discounts

START, END = dt.date(2024, 1, 1), dt.date(2025, 1, 1)


def _on(day: dt.date) -> int:
    return (day - START).days


def test_intensity_is_positive_with_mean_one() -> None:
    intensity = day_intensity(START, END)
    assert len(intensity) == 366
    assert intensity.min() > 0
    assert intensity.mean() == pytest.approx(1.0)


def test_weekly_cycle_and_holiday_peaks() -> None:
    intensity = day_intensity(START, END)
    # 2024-09-01 is a Sunday, 2024-09-07 a Saturday
    assert intensity[_on(dt.date(2024, 9, 1))] > 1.3 * intensity[_on(dt.date(2024, 9, 7))]
    black_friday = _on(dt.date(2024, 11, 29))
    assert int(np.argmax(intensity)) == black_friday
    assert intensity[_on(dt.date(2024, 12, 25))] < intensity[_on(dt.date(2024, 12, 18))] / 2


def test_sale_discounts() -> None:
    discounts = sale_discounts(START, END)
    assert discounts[_on(dt.date(2024, 11, 29))] == pytest.approx(0.2)  # Black Friday
    assert discounts[_on(dt.date(2024, 12, 2))] == pytest.approx(0.2)  # Cyber Monday
    assert discounts[_on(dt.date(2024, 1, 5))] == pytest.approx(0.1)
    assert discounts[_on(dt.date(2024, 10, 15))] == 0.0
    assert (discounts > 0).sum() == 4 + 9 + 2


@pytest.mark.parametrize("function", [day_intensity, sale_discounts])
def test_empty_range_is_an_error(function) -> None:
    with pytest.raises(ValueError, match="must be after start"):
        function(END, START)
