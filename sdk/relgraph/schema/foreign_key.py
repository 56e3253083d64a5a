"""A foreign key: a column whose values are another table's primary key."""

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ForeignKey:
    """A reference from ``column`` to the primary key ``link_to`` (``"Table.column"``).

    Args:
        column: The referencing column of the table that holds this key.
        link_to: The referenced table and its primary-key column, as ``"Table.column"``.

    Raises:
        ValueError: If ``link_to`` is not of the form ``"Table.column"``.
    """

    column: str
    link_to: str

    def __post_init__(self) -> None:
        table, _, target = self.link_to.rpartition(".")
        if not table or not target:
            raise ValueError(
                f"foreign key '{self.column}': link_to must be 'Table.column', found {self.link_to!r}"
            )

    @property
    def table(self) -> str:
        """The referenced table."""
        return self.link_to.rpartition(".")[0]

    @property
    def target_column(self) -> str:
        """The referenced column (the referenced table's primary key)."""
        return self.link_to.rpartition(".")[2]

    def to_dict(self) -> dict[str, Any]:
        """Returns the JSON form."""
        return {"column": self.column, "link_to": self.link_to}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "ForeignKey":
        """Builds a foreign key from its JSON form."""
        return cls(column=data["column"], link_to=data["link_to"])
