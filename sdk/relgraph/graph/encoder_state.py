"""What feature encoding learned from the data: vocabularies, statistics, the text embedder.

The state is fitted once, on training-visible rows, saved with the graph artifact, and reused to
encode new rows at prediction, so a model always sees features encoded the same way.
"""

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
import torch_frame
from torch_frame.data.stats import StatType

from relgraph.io.atomic import atomic_write_text
from relgraph.schema import ColumnDType

FORMAT_VERSION = 1

UNKNOWN_CATEGORY = "<unknown>"
"""The name of the bucket that categories unseen at fitting time are encoded into; it is the
last entry of a column's vocabulary."""

STYPE_OF_DTYPE: dict[ColumnDType, torch_frame.stype] = {
    ColumnDType.INTEGER: torch_frame.numerical,
    ColumnDType.FLOAT: torch_frame.numerical,
    ColumnDType.CATEGORY: torch_frame.categorical,
    ColumnDType.MULTI_CATEGORICAL: torch_frame.multicategorical,
    ColumnDType.DATETIME: torch_frame.timestamp,
    ColumnDType.EMBEDDING: torch_frame.embedding,
    ColumnDType.TEXT: torch_frame.text_embedded,
}
"""The pytorch-frame semantic type each column dtype is encoded as."""

STYPE_ORDER: tuple[torch_frame.stype, ...] = (
    torch_frame.numerical,
    torch_frame.categorical,
    torch_frame.multicategorical,
    torch_frame.timestamp,
    torch_frame.embedding,
)
"""The order of semantic types in an encoded :class:`~torch_frame.TensorFrame`. As in
pytorch-frame's materialized frames, text_embedded columns are grouped under their parent
stype, embedding, in column order."""


@dataclass(frozen=True)
class EncoderConfig:
    """How features are encoded.

    Args:
        max_categories: The most frequent categories kept per categorical or multi-categorical
            column; the rest fall into the unknown bucket (default: ``10000``).
        multi_categorical_separator: The separator of categories in a multi-categorical column
            stored as strings; ``None`` picks, per column, whichever of ``|``, ``,`` and ``;``
            occurs most in the fitted values (default: ``None``). List columns need none.

    Raises:
        ValueError: If ``max_categories`` is not positive or the separator is empty.
    """

    max_categories: int = 10_000
    multi_categorical_separator: str | None = None

    def __post_init__(self) -> None:
        if self.max_categories <= 0:
            raise ValueError(
                f"EncoderConfig.max_categories must be positive, found {self.max_categories}"
            )
        if self.multi_categorical_separator == "":
            raise ValueError("EncoderConfig.multi_categorical_separator must not be empty")

    def to_dict(self) -> dict[str, Any]:
        """Returns the JSON form."""
        return {
            "max_categories": self.max_categories,
            "multi_categorical_separator": self.multi_categorical_separator,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "EncoderConfig":
        """Builds a config from its JSON form."""
        return cls(**data)


@dataclass(frozen=True)
class ColumnEncoding:
    """How one column is encoded, with what was fitted for it.

    ``stats`` holds, by semantic type:

    - numerical: ``mean``, ``std`` (of the raw values; encoded values are standardized with
      them) and ``quantiles`` (raw minimum, quartiles, maximum);
    - categorical, multicategorical: ``categories`` (strings, most frequent first, then the
      unknown bucket) and their fitted ``counts``; multicategorical adds ``separator``;
    - timestamp: ``year_range`` and the ``oldest``, ``newest`` and ``median`` times as
      pytorch-frame's seven parts (year, month-1, day-1, weekday, hour, minute, second);
    - embedding, text_embedded: ``dim``.

    Args:
        name: The column name.
        dtype: The column dtype.
        stype: The semantic type it is encoded as.
        stats: The fitted statistics (JSON-serializable).
    """

    name: str
    dtype: ColumnDType
    stype: torch_frame.stype
    stats: dict[str, Any] = field(default_factory=dict)

    def col_stats(self) -> dict[StatType, Any]:
        """The statistics pytorch-frame's stype encoders expect, of the encoded values.

        Numerical values are already standardized, so their mean is 0 and their standard
        deviation 1.
        """
        s = self.stats
        if self.stype == torch_frame.numerical:
            std = s["std"]
            return {
                StatType.MEAN: 0.0,
                StatType.STD: 1.0,
                StatType.QUANTILES: [(q - s["mean"]) / std for q in s["quantiles"]],
            }
        if self.stype == torch_frame.categorical:
            return {StatType.COUNT: (list(s["categories"]), list(s["counts"]))}
        if self.stype == torch_frame.multicategorical:
            return {StatType.MULTI_COUNT: (list(s["categories"]), list(s["counts"]))}
        if self.stype == torch_frame.timestamp:
            return {
                StatType.YEAR_RANGE: list(s["year_range"]),
                StatType.OLDEST_TIME: torch.tensor(s["oldest"], dtype=torch.long),
                StatType.NEWEST_TIME: torch.tensor(s["newest"], dtype=torch.long),
                StatType.MEDIAN_TIME: torch.tensor(s["median"], dtype=torch.long),
            }
        return {StatType.EMB_DIM: int(s["dim"])}

    def to_dict(self) -> dict[str, Any]:
        """Returns the JSON form."""
        return {
            "name": self.name,
            "dtype": self.dtype.value,
            "stype": self.stype.value,
            "stats": self.stats,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "ColumnEncoding":
        """Builds a column encoding from its JSON form."""
        return cls(
            name=data["name"],
            dtype=ColumnDType.parse(data["dtype"]),
            stype=torch_frame.stype(data["stype"]),
            stats=dict(data.get("stats", {})),
        )


@dataclass(frozen=True)
class EncoderState:
    """The fitted encoding of every feature column of every table.

    Args:
        tables: Per table, its feature columns' encodings in schema order.
        text_embedder: The name of the text embedder (e.g. ``"hashing:64"``, ``"minilm"``).
        config: The encoder configuration it was fitted with.
        cutoff_time: Only rows with a time at or before this (``int`` seconds since the epoch),
            and static rows, were used to fit; ``None`` when every row was.
        fit_rows: The number of rows each table's statistics were fitted on.
    """

    tables: dict[str, list[ColumnEncoding]]
    text_embedder: str
    config: EncoderConfig = field(default_factory=EncoderConfig)
    cutoff_time: int | None = None
    fit_rows: dict[str, int] = field(default_factory=dict)

    def columns(self, table: str) -> list[ColumnEncoding]:
        """The encodings of a table's feature columns.

        Raises:
            KeyError: If the state has no such table.
        """
        if table not in self.tables:
            raise KeyError(f"encoder state has no table '{table}' (tables: {sorted(self.tables)})")
        return self.tables[table]

    def col_stats(self, table: str) -> dict[str, dict[StatType, Any]]:
        """pytorch-frame column statistics of a table's encoded features, by column name."""
        return {c.name: c.col_stats() for c in self.columns(table)}

    def to_dict(self) -> dict[str, Any]:
        """Returns the JSON form, with the format version."""
        return {
            "format_version": FORMAT_VERSION,
            "text_embedder": self.text_embedder,
            "config": self.config.to_dict(),
            "cutoff_time": self.cutoff_time,
            "fit_rows": dict(self.fit_rows),
            "tables": {name: [c.to_dict() for c in cols] for name, cols in self.tables.items()},
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "EncoderState":
        """Builds a state from its JSON form.

        Raises:
            ValueError: If the format version is newer than this relgraph reads.
        """
        version = data.get("format_version")
        if not isinstance(version, int) or version > FORMAT_VERSION:
            raise ValueError(
                f"encoder state format_version {version!r} is not supported (this relgraph "
                f"reads up to {FORMAT_VERSION})"
            )
        return cls(
            tables={
                name: [ColumnEncoding.from_dict(c) for c in cols]
                for name, cols in data["tables"].items()
            },
            text_embedder=data["text_embedder"],
            config=EncoderConfig.from_dict(data.get("config", {})),
            cutoff_time=data.get("cutoff_time"),
            fit_rows=dict(data.get("fit_rows", {})),
        )

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Writes the state as JSON, atomically.

        Returns:
            The path written.
        """
        text = json.dumps(self.to_dict(), indent=1, ensure_ascii=False, allow_nan=False)
        return atomic_write_text(path, text + "\n")

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> "EncoderState":
        """Reads a state written by :meth:`save`.

        Raises:
            FileNotFoundError: If ``path`` does not exist.
            ValueError: If the file is not an encoder state.
        """
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"encoder state file not found: {path}")
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path}: not a valid encoder state file ({exc})") from exc
        if not isinstance(data, dict) or "tables" not in data:
            raise ValueError(f"{path}: not an encoder state file (no 'tables' key)")
        return cls.from_dict(data)
