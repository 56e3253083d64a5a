"""A record of one inferred (or overridden) schema decision and the reason for it."""

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class DecisionKind(StrEnum):
    """What a decision decided."""

    DTYPE = "dtype"
    PRIMARY_KEY = "primary_key"
    FOREIGN_KEY = "foreign_key"
    TIME_COLUMN = "time_column"


@dataclass(frozen=True)
class Decision:
    """One schema decision, shown to the user and overridable.

    Args:
        kind: What was decided.
        column: The column it concerns, or ``None`` for a table-level decision.
        value: What was decided (a dtype, ``"Table.column"``, a column name, or ``"none"``).
        reason: Why, in words a user can check against the data.
        source: ``"inferred"`` or ``"override"`` (default: ``"inferred"``).
    """

    kind: DecisionKind
    column: str | None
    value: str
    reason: str
    source: str = "inferred"

    def to_dict(self) -> dict[str, Any]:
        """Returns the JSON form."""
        return {
            "kind": DecisionKind(self.kind).value,
            "column": self.column,
            "value": self.value,
            "reason": self.reason,
            "source": self.source,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Decision":
        """Builds a decision from its JSON form."""
        return cls(
            kind=DecisionKind(data["kind"]),
            column=data.get("column"),
            value=data["value"],
            reason=data["reason"],
            source=data.get("source", "inferred"),
        )
