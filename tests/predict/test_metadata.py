"""OutputMetadata: JSON round trip, parquet schema metadata, validation."""

import pyarrow as pa
import pytest

from relgraph.predict import METADATA_KEY, OutputMetadata


def meta(**changes: object) -> OutputMetadata:
    fields = {
        "name": "PREDICTIONS_a",
        "alias": "a",
        "kind": "predictions",
        "num_rows": 2,
        "anchor_time": "2024-01-01T00:00:00",
        "model_run_id": "r" * 32,
        "model_name": "f1-dnf",
        "model_version": "3",
        "job_id": "job-1",
        "details": {"classes": ["x", "y"]},
    }
    return OutputMetadata(**{**fields, **changes})


def test_round_trip_through_json_and_a_table_schema() -> None:
    original = meta()
    assert OutputMetadata.from_json(original.to_json()) == original
    table = original.attach(pa.table({"x": [1, 2]}))
    assert METADATA_KEY in table.schema.metadata
    assert OutputMetadata.of_table(table.schema, where="here") == original
    assert original.created_at.endswith("Z")


def test_invalid_metadata_is_refused() -> None:
    with pytest.raises(ValueError, match="output_alias 'a/b'"):
        meta(alias="a/b")
    with pytest.raises(ValueError, match="output name"):
        meta(name="PREDICTIONS")
    with pytest.raises(ValueError, match="num_rows"):
        meta(num_rows=-1)
    with pytest.raises(ValueError, match="has 1 rows but its metadata says 2"):
        meta().attach(pa.table({"x": [1]}))
    with pytest.raises(ValueError, match="lacks"):
        OutputMetadata.from_dict({"name": "PREDICTIONS_a"})
    with pytest.raises(ValueError, match="holds no relgraph output metadata"):
        OutputMetadata.of_table(pa.schema([("x", pa.int64())]), where="file.parquet")
