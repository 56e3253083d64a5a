import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from relgraph.io import combine_hashes, table_hash
from relgraph.io.hashing import HASH_BATCH_ROWS


def _table() -> pa.Table:
    return pa.table({"id": [1, 2, None, 4], "name": ["a", "b", None, "d"]})


def test_same_data_same_hash_whatever_the_chunking() -> None:
    table = _table()
    chunked = pa.table(
        {
            "id": pa.chunked_array([[1], [2, None], [4]], pa.int64()),
            "name": pa.chunked_array([["a", "b", None], ["d"]]),
        }
    )
    sliced = pa.concat_tables([table.slice(0, 3), table.slice(3)])
    assert table_hash(table) == table_hash(chunked) == table_hash(sliced)
    assert len(table_hash(table)) == 32


def test_dictionary_encoding_and_metadata_do_not_count() -> None:
    table = _table()
    encoded = table.set_column(1, "name", table.column("name").dictionary_encode())
    with_metadata = table.replace_schema_metadata({"origin": "somewhere"})
    assert table_hash(encoded) == table_hash(table) == table_hash(with_metadata)


def test_hash_survives_a_parquet_round_trip(tmp_path) -> None:
    rows = HASH_BATCH_ROWS + 10  # more than one hashed batch
    table = pa.table({"x": pa.array(range(rows)), "y": pa.array([None, "v"] * (rows // 2))})
    pq.write_table(table, tmp_path / "t.parquet", row_group_size=1000)
    assert table_hash(pq.read_table(tmp_path / "t.parquet")) == table_hash(table)


@pytest.mark.parametrize(
    "changed",
    [
        pa.table({"id": [1, 2, None, 5], "name": ["a", "b", None, "d"]}),  # a value
        pa.table({"id": [1, 2, 3, 4], "name": ["a", "b", None, "d"]}),  # a null
        pa.table({"key": [1, 2, None, 4], "name": ["a", "b", None, "d"]}),  # a column name
        pa.table({"id": pa.array([1, 2, None, 4], pa.int32()), "name": ["a", "b", None, "d"]}),
        pa.table({"id": [2, 1, None, 4], "name": ["b", "a", None, "d"]}),  # row order
        pa.table({"id": [1, 2, None], "name": ["a", "b", None]}),  # a row fewer
    ],
)
def test_different_data_different_hash(changed: pa.Table) -> None:
    assert table_hash(changed) != table_hash(_table())


def test_combine_hashes_ignores_mapping_order_but_not_names() -> None:
    assert combine_hashes({"a": "1", "b": "2"}) == combine_hashes({"b": "2", "a": "1"})
    assert combine_hashes({"a": "1", "b": "2"}) != combine_hashes({"a": "2", "b": "1"})
