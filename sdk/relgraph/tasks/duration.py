"""Lengths of time in days, hours or calendar months, and shifting timestamps by them."""

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import numpy as np
import pandas as pd


class TimeUnit(StrEnum):
    """The unit of a time window or a split step."""

    DAYS = "days"
    HOURS = "hours"
    MONTHS = "months"

    @classmethod
    def parse(cls, value: "str | TimeUnit") -> "TimeUnit":
        """Returns the unit named by ``value`` (case-insensitive, singular or plural).

        Raises:
            ValueError: If ``value`` names no unit.
        """
        if isinstance(value, cls):
            return value
        text = str(value).strip().lower()
        text = text if text.endswith("s") else text + "s"
        try:
            return cls(text)
        except ValueError:
            known = ", ".join(u.value for u in cls)
            raise ValueError(f"unknown time unit {value!r} (known: {known})") from None


_DURATION_TEXT = re.compile(r"^\s*(-?\d+)\s*([A-Za-z]+)\s*$")


@dataclass(frozen=True)
class Duration:
    """A signed length of time: ``amount`` days, hours or calendar months.

    Args:
        amount: How many units (may be negative or zero).
        unit: The unit (default: days).

    Raises:
        ValueError: If ``amount`` is not an integer or ``unit`` is unknown.
    """

    amount: int
    unit: TimeUnit = TimeUnit.DAYS

    def __post_init__(self) -> None:
        if isinstance(self.amount, bool) or not isinstance(self.amount, int | np.integer):
            raise ValueError(f"duration amount must be an integer, found {self.amount!r}")
        object.__setattr__(self, "amount", int(self.amount))
        object.__setattr__(self, "unit", TimeUnit.parse(self.unit))

    def __str__(self) -> str:
        return f"{self.amount} {self.unit.value}"

    def __mul__(self, factor: int) -> "Duration":
        return Duration(self.amount * factor, self.unit)

    __rmul__ = __mul__

    @classmethod
    def parse(cls, value: "str | Duration") -> "Duration":
        """Reads ``"30 days"``, ``"6 hours"`` or ``"1 month"``.

        Raises:
            ValueError: If the text is not an integer followed by a unit.
        """
        if isinstance(value, cls):
            return value
        match = _DURATION_TEXT.match(str(value))
        if match is None:
            raise ValueError(f"duration {value!r}: expected '<integer> days|hours|months'")
        return cls(int(match.group(1)), TimeUnit.parse(match.group(2)))

    def add_to(self, times: np.ndarray) -> np.ndarray:
        """Returns ``times`` shifted by this duration.

        Months are calendar months: a day of month that does not exist in the target month
        becomes that month's last day (2024-01-31 plus one month is 2024-02-29).

        Args:
            times: ``datetime64`` values.

        Returns:
            ``datetime64[us]`` values.
        """
        times = np.asarray(times, dtype="datetime64[us]")
        if self.unit is TimeUnit.MONTHS:
            shifted = pd.DatetimeIndex(times) + pd.DateOffset(months=self.amount)
            return shifted.to_numpy(dtype="datetime64[us]")
        step = np.timedelta64(self.amount, "D" if self.unit is TimeUnit.DAYS else "h")
        return times + step.astype("timedelta64[us]")

    def to_dict(self) -> dict[str, Any]:
        """Returns the JSON form."""
        return {"amount": self.amount, "unit": self.unit.value}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Duration":
        """Builds a duration from its JSON form."""
        return cls(data["amount"], data["unit"])
