"""Shopping calendar: how busy an online shop is on each day (weekly and yearly seasonality).

The demo database draws its signups and orders from this day profile, so that a model
sees the rhythms of real retail data: a weekly cycle (busier Sundays and Mondays, quieter
Saturdays), a slow summer, a January sale, a mid-July sale, and the Black Friday to
Christmas peak.
"""

import datetime as dt

import numpy as np

# Relative activity Monday..Sunday (mean 1).
_WEEKDAY_FACTORS = np.array([1.12, 1.02, 0.98, 0.96, 0.92, 0.82, 1.18])


def day_intensity(start: dt.date, end: dt.date) -> np.ndarray:
    """Returns the relative shopping activity of every day in ``[start, end)``.

    Args:
        start: The first day.
        end: The day after the last.

    Returns:
        A float array with one positive value per day, of mean about 1.

    Raises:
        ValueError: If ``end`` is not after ``start``.
    """
    if end <= start:
        raise ValueError(f"day_intensity: end {end} must be after start {start}")
    days = np.arange(np.datetime64(start, "D"), np.datetime64(end, "D"))
    weekday = (days.astype(np.int64) + 3) % 7  # 1970-01-01 was a Thursday (weekday 3)
    day_of_year = (days - days.astype("datetime64[Y]")).astype(np.int64)
    # A gentle annual wave: low in late summer, high in winter.
    yearly = 1.0 + 0.12 * np.cos(2 * np.pi * (day_of_year - 15) / 365.25)
    intensity = _WEEKDAY_FACTORS[weekday] * yearly
    for year in range(start.year, end.year + 1):
        intensity *= _holiday_factors(days, year)
    return intensity / intensity.mean()


def sale_discounts(start: dt.date, end: dt.date) -> np.ndarray:
    """Returns the shop-wide discount rate of every day in ``[start, end)``.

    Black Friday to Cyber Monday: 20 %; the January sale and the July sale days: 10 %;
    otherwise 0.

    Args:
        start: The first day.
        end: The day after the last.

    Returns:
        A float array with one rate in ``[0, 1)`` per day.

    Raises:
        ValueError: If ``end`` is not after ``start``.
    """
    if end <= start:
        raise ValueError(f"sale_discounts: end {end} must be after start {start}")
    days = np.arange(np.datetime64(start, "D"), np.datetime64(end, "D"))
    discounts = np.zeros(len(days))
    for year in range(start.year, end.year + 1):
        black_friday = _black_friday(year)
        sales = [
            (black_friday, black_friday + dt.timedelta(days=3), 0.2),
            (dt.date(year, 1, 2), dt.date(year, 1, 10), 0.1),
            (dt.date(year, 7, 11), dt.date(year, 7, 12), 0.1),
        ]
        for first, last, rate in sales:
            inside = (days >= np.datetime64(first, "D")) & (days <= np.datetime64(last, "D"))
            discounts[inside] = rate
    return discounts


def _holiday_factors(days: np.ndarray, year: int) -> np.ndarray:
    """Multiplicative peaks of one calendar year (1 outside them)."""
    factors = np.ones(len(days))
    black_friday = _black_friday(year)
    peaks = [
        # (first day, last day, factor)
        (black_friday, black_friday, 3.2),
        (black_friday + dt.timedelta(days=1), black_friday + dt.timedelta(days=3), 2.2),
        (black_friday + dt.timedelta(days=4), dt.date(year, 12, 20), 1.45),
        (dt.date(year, 12, 21), dt.date(year, 12, 24), 1.15),
        (dt.date(year, 12, 25), dt.date(year, 12, 26), 0.55),
        (dt.date(year, 12, 27), dt.date(year, 12, 31), 1.25),
        (dt.date(year, 1, 2), dt.date(year, 1, 10), 1.3),
        (dt.date(year, 7, 11), dt.date(year, 7, 12), 1.9),
    ]
    for first, last, factor in peaks:
        inside = (days >= np.datetime64(first, "D")) & (days <= np.datetime64(last, "D"))
        factors[inside] *= factor
    return factors


def _black_friday(year: int) -> dt.date:
    """The day after the fourth Thursday of November."""
    first = dt.date(year, 11, 1)
    first_thursday = first + dt.timedelta(days=(3 - first.weekday()) % 7)
    return first_thursday + dt.timedelta(days=22)
