"""A column of a table: its name and semantic dtype."""

from dataclasses import dataclass
from typing import Any

from relgraph.schema.dtypes import ColumnDType


@dataclass
class Column:
    """A column and how its values are read.

    Args:
        name: The column name, exactly as in the source (spaces and non-ASCII allowed).
        dtype: The semantic dtype (a :class:`ColumnDType` or its name).
        datetime_format: For a ``datetime`` column stored as strings, the ``strptime`` format
            of its values; ``None`` when the source type is already a date/timestamp or the
            strings are ISO 8601 (default: ``None``).
        time_of_day: For a ``datetime`` column that holds only dates, the name of the column
            that holds each row's time of day (``"HH:MM[:SS]"``); the two are read as one
            timestamp, a missing time of day read as midnight (default: ``None``).
    """

    name: str
    dtype: ColumnDType
    datetime_format: str | None = None
    time_of_day: str | None = None

    def __post_init__(self) -> None:
        self.dtype = ColumnDType.parse(self.dtype, where=f"column '{self.name}'")

    def to_dict(self) -> dict[str, Any]:
        """Returns the JSON form, leaving out unset options."""
        out: dict[str, Any] = {"name": self.name, "dtype": self.dtype.value}
        if self.datetime_format is not None:
            out["datetime_format"] = self.datetime_format
        if self.time_of_day is not None:
            out["time_of_day"] = self.time_of_day
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Column":
        """Builds a column from its JSON form."""
        return cls(
            name=data["name"],
            dtype=data["dtype"],
            datetime_format=data.get("datetime_format"),
            time_of_day=data.get("time_of_day"),
        )
