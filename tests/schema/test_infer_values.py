"""Sampling rows and reading null markers for schema inference."""

import pyarrow as pa
import pytest

from relgraph.schema.infer.values import non_null, sample_table
from relgraph.schema.values import clean_strings


@pytest.mark.parametrize("kind", [pa.string(), pa.large_string(), pa.string_view()])
def test_clean_strings_turns_null_markers_into_nulls(kind: pa.DataType) -> None:
    raw = ["\\N", " NULL ", "nan", "None", "", "n/a", "NA", "x", " y ", None, "Nancy"]
    cleaned = clean_strings(pa.chunked_array([pa.array(raw, kind)]))
    assert cleaned.type == pa.string()
    expected = [None] * 7 + ["x", "y", None, "Nancy"]
    assert cleaned.to_pylist() == expected


def test_non_null_drops_nulls_and_nan() -> None:
    values = pa.chunked_array([[1.0, None], [float("nan"), 2.0]])
    assert non_null(values).to_pylist() == [1.0, 2.0]


def test_sample_table_keeps_small_tables_whole() -> None:
    table = pa.table({"a": list(range(10))})
    assert sample_table(table, 10) is table


def test_sample_table_is_uniform_ordered_and_repeatable() -> None:
    table = pa.table({"a": list(range(10_000))})
    first = sample_table(table, 500)["a"].to_pylist()
    assert first == sample_table(table, 500)["a"].to_pylist()
    assert len(first) == len(set(first)) == 500
    assert first == sorted(first)
    # A head sample would end near 500; a uniform one spans the table.
    assert first[0] < 100 and first[-1] > 9_900
