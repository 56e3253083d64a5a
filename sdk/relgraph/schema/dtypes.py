"""Column dtypes, in the vocabulary of hosted relational-GNN products."""

from enum import StrEnum


class ColumnDType(StrEnum):
    """The semantic type of a column, which decides how it is encoded as a feature."""

    TEXT = "text"
    INTEGER = "integer"
    FLOAT = "float"
    CATEGORY = "category"
    MULTI_CATEGORICAL = "multi_categorical"
    EMBEDDING = "embedding"
    DATETIME = "datetime"

    @classmethod
    def parse(cls, value: "str | ColumnDType", *, where: str = "dtype") -> "ColumnDType":
        """Returns the dtype named by ``value``.

        Args:
            value: A dtype or its name (case-insensitive).
            where: What the value belongs to, for the error message (default: ``"dtype"``).

        Raises:
            ValueError: If ``value`` names no dtype.
        """
        if isinstance(value, cls):
            return value
        try:
            return cls(str(value).strip().lower())
        except ValueError:
            known = ", ".join(d.value for d in cls)
            raise ValueError(f"{where}: unknown dtype {value!r} (known: {known})") from None

    @property
    def is_numeric(self) -> bool:
        """Whether values are numbers that can be compared and averaged."""
        return self in (ColumnDType.INTEGER, ColumnDType.FLOAT)
