"""What every output says about itself: which model made it, for when, for which job.

The metadata travels with the data: in a parquet file as key-value metadata under
:data:`METADATA_KEY` (JSON), in a database as a row of the ``relgraph_outputs`` table.
"""

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import pyarrow as pa

import relgraph
from relgraph.predict.names import check_alias, check_output_name

METADATA_KEY = b"relgraph.output"
"""The parquet key-value metadata key holding an output's metadata as JSON."""

OutputKind = Literal["predictions", "embeddings"]


def utc_now() -> str:
    """The current UTC time as ISO 8601 (seconds, ``Z`` suffix)."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0, tzinfo=None).isoformat() + "Z"


@dataclass(frozen=True)
class OutputMetadata:
    """The description of one output.

    Args:
        name: The output name (``PREDICTIONS_<ALIAS>`` or ``EMBEDDINGS_..._<ALIAS>``).
        alias: The output alias.
        kind: ``"predictions"`` or ``"embeddings"``.
        num_rows: Rows in the output.
        anchor_time: The (latest) anchor time predicted for, ISO 8601.
        model_run_id: The MLflow run that trained the model (default: ``None``).
        model_name: The registered model name (default: ``None``).
        model_version: The registered model version (default: ``None``).
        model_uri: How the model was named when it was resolved (default: ``None``).
        job_id: The batch-prediction job (default: ``None``).
        task: The task's name (default: ``None``).
        task_type: The task type (default: ``None``).
        created_at: When the output was made, UTC ISO 8601 (default: now).
        details: More about the columns (entity column, classes, threshold, k, ...)
            (default: empty).
        relgraph_version: The relgraph that wrote it (default: this one).

    Raises:
        ValueError: If the name or alias is not valid, or ``num_rows`` is negative.
    """

    name: str
    alias: str
    kind: OutputKind
    num_rows: int
    anchor_time: str
    model_run_id: str | None = None
    model_name: str | None = None
    model_version: str | None = None
    model_uri: str | None = None
    job_id: str | None = None
    task: str | None = None
    task_type: str | None = None
    created_at: str = field(default_factory=utc_now)
    details: Mapping[str, Any] = field(default_factory=dict)
    relgraph_version: str = relgraph.__version__

    def __post_init__(self) -> None:
        check_output_name(self.name)
        check_alias(self.alias)
        if self.kind not in ("predictions", "embeddings"):
            raise ValueError(f"kind must be 'predictions' or 'embeddings', found {self.kind!r}")
        if not isinstance(self.num_rows, int) or self.num_rows < 0:
            raise ValueError(f"num_rows must be a non-negative int, found {self.num_rows!r}")
        object.__setattr__(self, "details", dict(self.details))

    def to_dict(self) -> dict[str, Any]:
        """The JSON form."""
        return asdict(self)

    def to_json(self) -> str:
        """The JSON text (keys sorted)."""
        return json.dumps(self.to_dict(), sort_keys=True, default=str)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "OutputMetadata":
        """Reads :meth:`to_dict`'s form; unknown keys are ignored (newer writers).

        Raises:
            ValueError: If a required key is missing or a value is invalid.
        """
        known = set(cls.__dataclass_fields__)
        missing = sorted({"name", "alias", "kind", "num_rows", "anchor_time"} - set(data))
        if missing:
            raise ValueError(f"output metadata lacks {missing} (found keys: {sorted(data)})")
        return cls(**{key: value for key, value in data.items() if key in known})

    @classmethod
    def from_json(cls, text: str | bytes) -> "OutputMetadata":
        """Reads :meth:`to_json`'s form.

        Raises:
            ValueError: If the text is not JSON metadata.
        """
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"output metadata is not JSON: {exc}") from exc
        if not isinstance(data, dict):
            raise ValueError(f"output metadata must be a JSON object, found {type(data).__name__}")
        return cls.from_dict(data)

    def attach(self, table: pa.Table) -> pa.Table:
        """``table`` with this metadata in its schema (key :data:`METADATA_KEY`).

        Raises:
            ValueError: If the table's row count differs from ``num_rows``.
        """
        if table.num_rows != self.num_rows:
            raise ValueError(
                f"output {self.name!r} has {table.num_rows} rows but its metadata says "
                f"{self.num_rows}"
            )
        existing = dict(table.schema.metadata or {})
        existing[METADATA_KEY] = self.to_json().encode("utf-8")
        return table.replace_schema_metadata(existing)

    @classmethod
    def of_table(cls, table_schema: pa.Schema, *, where: str) -> "OutputMetadata":
        """Reads the metadata attached by :meth:`attach`.

        Args:
            table_schema: The schema of the output (``pq.read_schema`` of its file).
            where: The output's location, for error messages.

        Raises:
            ValueError: If the schema holds no relgraph metadata.
        """
        raw = (table_schema.metadata or {}).get(METADATA_KEY)
        if raw is None:
            raise ValueError(f"{where} holds no relgraph output metadata")
        return cls.from_json(raw)
