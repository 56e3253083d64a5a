import uuid

import pyarrow as pa
import pytest

from relgraph.io import SourceError, normalize_table


def test_drops_metadata_and_keeps_plain_types() -> None:
    field = pa.field("id", pa.int64(), nullable=False, metadata={"POSTGRESQL:type": "int8"})
    schema = pa.schema([field, pa.field("name", pa.string())], metadata={"pandas": "{}"})
    table = pa.table([pa.array([1, 2]), pa.array(["a", None])], schema=schema)

    result = normalize_table(table, name="t", where="here")

    assert result.schema.metadata is None
    assert result.schema.field("id").metadata is None
    assert result.schema.field("id").nullable
    assert result.column("id").type == pa.int64()
    assert result.column("name").to_pylist() == ["a", None]


def test_uuid_becomes_canonical_string() -> None:
    values = [uuid.UUID(int=i * 0x1234567890ABCDEF) for i in range(1, 4)]
    storage = pa.array([v.bytes for v in values] + [None], pa.binary(16))
    column = pa.ExtensionArray.from_storage(pa.uuid(), storage)
    # Two chunks, the first a slice with an offset, to exercise the buffer arithmetic.
    table = pa.table({"u": pa.chunked_array([column.slice(1), column.slice(0, 1)])})

    result = normalize_table(table, name="t", where="here")

    assert result.column("u").type == pa.string()
    assert result.column("u").to_pylist() == [str(values[1]), str(values[2]), None, str(values[0])]


def test_opaque_numeric_becomes_float() -> None:
    opaque = pa.opaque(pa.string(), type_name="numeric", vendor_name="PostgreSQL")
    column = pa.ExtensionArray.from_storage(opaque, pa.array(["1.50", None, "-2", "NaN"]))
    result = normalize_table(pa.table({"price": column}), name="t", where="here")
    values = result.column("price").to_pylist()
    assert result.column("price").type == pa.float64()
    assert values[:3] == [1.5, None, -2.0]
    assert values[3] != values[3]  # NaN


def test_other_extension_types_become_storage() -> None:
    column = pa.ExtensionArray.from_storage(pa.json_(), pa.array(['{"a": 1}', None]))
    result = normalize_table(pa.table({"doc": column}), name="t", where="here")
    assert result.column("doc").type == pa.string()


@pytest.mark.parametrize(
    ("table", "match"),
    [
        (pa.table({}), r"table 'orders' in db is empty: it has no columns"),
        (
            pa.table({"a": pa.array([], pa.int64()), "b": pa.array([], pa.string())}),
            r"table 'orders' in db is empty: it has no rows \(columns: a, b\)",
        ),
        (
            pa.Table.from_arrays(
                [pa.array([1]), pa.array([2]), pa.array([3])], names=["a", "b", "a"]
            ),
            r"table 'orders' in db repeats column names: \['a'\]",
        ),
    ],
)
def test_rejects_bad_tables(table: pa.Table, match: str) -> None:
    with pytest.raises(SourceError, match=match):
        normalize_table(table, name="orders", where="db")
