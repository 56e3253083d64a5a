import pyarrow as pa
import pytest

from relgraph.schema.keys import duplicate_count, key_family


@pytest.mark.parametrize(
    ("dtype", "family"),
    [
        (pa.int32(), "number"),
        (pa.float64(), "number"),
        (pa.dictionary(pa.int32(), pa.int64()), "number"),
        (pa.large_string(), "string"),
        (pa.dictionary(pa.int8(), pa.string()), "string"),
        (pa.uuid(), "fixed_size_binary[16]"),
        (pa.bool_(), "bool"),
    ],
)
def test_key_family_reads_through_dictionaries_and_extensions(dtype, family: str) -> None:
    assert key_family(dtype) == family


@pytest.mark.parametrize(
    ("values", "duplicates"),
    [([3, 1, 2, 3, 3], 2), ([10**12, 1, 10**12], 1), (["a", "b", "a"], 1), ([], 0)],
)
def test_duplicate_count_counts_repeats(values: list, duplicates: int) -> None:
    assert (
        duplicate_count(
            pa.chunked_array(
                [values], pa.int64() if not values or isinstance(values[0], int) else pa.string()
            )
        )
        == duplicates
    )
