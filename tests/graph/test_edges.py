import uuid

import numpy as np
import pyarrow as pa
import pytest

from relgraph.graph.edges import KeyIndex, incoming_csr
from relgraph.graph.store import NEVER
from relgraph.schema import SchemaError


@pytest.mark.parametrize(
    "parent, child",
    [
        (pa.array([10, 20, 30]), pa.array([30, None, 10, 99, 30])),  # dense integers
        (pa.array([10, 20, 30]), pa.array([30, None, 10, -5, 30])),  # below the range
        (pa.array([10, 2**40, 30]), pa.array([30, None, 10, 99, 30])),  # sparse integers
        (pa.array([10, 20, 30], pa.int32()), pa.array([30.0, None, 10.0, 99.0, 30.0])),
        (pa.chunked_array([[10], [20, 30]], pa.uint16()), pa.array([30, None, 10, 9, 30])),
        (pa.array(["a", "b", "c"]), pa.array(["c", None, "a", "zz", "c"])),
        (
            pa.array(["a", "b", "c"]).dictionary_encode(),
            pa.array(["c", None, "a", "zz", "c"], pa.large_string()),
        ),
    ],
)
def test_lookup_counts_null_and_dangling(parent, child):
    links = KeyIndex(parent, where="p.id").lookup(child, where="c.fk -> p.id")
    assert list(links.parent_index) == [2, -1, 0, -1, 2]
    assert (links.num_null, links.num_dangling, links.num_edges) == (1, 1, 3)
    assert len(KeyIndex(parent, where="p.id")) == 3


def test_lookup_with_uuid_keys():
    ids = [uuid.UUID(int=i) for i in (5, 6, 7)]
    storage = pa.array([u.bytes for u in ids], pa.binary(16))
    parent = pa.ExtensionArray.from_storage(pa.uuid(), storage)
    child = pa.chunked_array(
        [pa.ExtensionArray.from_storage(pa.uuid(), pa.array([ids[2].bytes, None], pa.binary(16)))]
    )
    links = KeyIndex(parent, where="p.id").lookup(child, where="c.fk -> p.id")
    assert list(links.parent_index) == [2, -1]


@pytest.mark.parametrize(
    "keys, problem",
    [
        (pa.array([1, 2, 2, 3, 3]), "2 duplicate values"),
        (pa.array([1, 2**50, 1]), "1 duplicate values"),
        (pa.array(["a", "b", "a"]), "1 duplicate values"),
        (pa.array([1, None, 3]), "1 null values"),
    ],
)
def test_primary_keys_must_be_unique_and_not_null(keys, problem):
    with pytest.raises(SchemaError, match=f"primary key p.id: {problem}"):
        KeyIndex(keys, where="p.id")


def test_lookup_rejects_incomparable_types():
    index = KeyIndex(pa.array([1, 2]), where="p.id")
    with pytest.raises(TypeError, match=r"c\.fk -> p\.id.*string"):
        index.lookup(pa.array(["x"]), where="c.fk -> p.id")


def test_incoming_csr_sorts_each_row_by_source_time_then_index():
    # Edges src -> dst; source times with a tie (sources 1 and 3) and an unknown time.
    src = np.array([0, 1, 2, 3, 4], dtype=np.int64)
    dst = np.array([1, 1, 0, 1, 1], dtype=np.int64)
    src_time = np.array([50, 10, 7, 10, NEVER], dtype=np.int64)
    csr = incoming_csr(dst, src, num_dst=3, src_time=src_time)
    assert list(csr.rowptr) == [0, 1, 5, 5]
    assert list(csr.col) == [2, 1, 3, 0, 4]
    assert list(csr.degrees()) == [1, 4, 0]


def test_incoming_csr_static_sources_keep_index_order():
    csr = incoming_csr(np.array([1, 0, 1]), np.array([5, 6, 2]), num_dst=2, src_time=None)
    assert list(csr.rowptr) == [0, 1, 3]
    assert list(csr.col) == [6, 2, 5]


def test_incoming_csr_one_neighbor_per_row_and_empty():
    csr = incoming_csr(np.array([0, 2]), np.array([9, 8]), num_dst=4, src_time=None)
    assert list(csr.rowptr) == [0, 1, 1, 2, 2]
    assert list(csr.col) == [9, 8]
    empty = incoming_csr(np.array([], np.int64), np.array([], np.int64), 2, None)
    assert list(empty.rowptr) == [0, 0, 0] and empty.num_edges == 0


def test_incoming_csr_random_against_a_reference():
    rng = np.random.default_rng(0)
    num_src, num_dst = 500, 40
    src_time = rng.integers(0, 20, num_src)  # many ties
    src = rng.permutation(num_src)[:400]
    dst = rng.integers(0, num_dst, len(src))
    csr = incoming_csr(dst, src, num_dst, src_time)
    for v in range(num_dst):
        expected = sorted(src[dst == v], key=lambda s: (src_time[s], s))
        assert list(csr.col[csr.rowptr[v] : csr.rowptr[v + 1]]) == expected
