import uuid

import numpy as np
import pyarrow as pa
import pytest

from relgraph.graph import IdMaps
from relgraph.graph.id_maps import read_keys, write_keys

UUIDS = [uuid.UUID(int=i * 7919) for i in range(1, 4)]


@pytest.mark.parametrize(
    "keys, lookup, expected",
    [
        (pa.array([30, 10, 20]), [20, 99, 30, None], [2, -1, 0, -1]),
        (pa.array(["b", "a", "ü"]), ["ü", "zz", "b"], [2, -1, 0]),
        (pa.array([str(u) for u in UUIDS]), [str(UUIDS[1])], [1]),
        (
            pa.ExtensionArray.from_storage(
                pa.uuid(), pa.array([u.bytes for u in UUIDS], pa.binary(16))
            ),
            pa.array([UUIDS[2].bytes, UUIDS[0].bytes], pa.binary(16)),
            [2, 0],
        ),
    ],
)
def test_node_index_and_keys_round_trip(tmp_path, keys, lookup, expected):
    write_keys(keys, tmp_path / "keys.arrow")
    stored = read_keys(tmp_path / "keys.arrow")
    assert stored.type == keys.type
    maps = IdMaps({"t": stored}, {"t": len(keys), "u": 5})
    index = maps.node_index("t", lookup)
    assert index.dtype == np.int64 and list(index) == expected
    found = index[index >= 0]
    assert maps.keys("t", found).equals(keys.take(pa.array(found)))


def test_numpy_keys_are_cast_to_the_key_type():
    maps = IdMaps({"t": pa.array([5, 6], pa.int32())}, {"t": 2})
    assert list(maps.node_index("t", np.array([6, 5], dtype=np.int64))) == [1, 0]


def test_errors_name_the_problem():
    maps = IdMaps({"t": pa.array([5, 6])}, {"t": 2, "pit_stops": 3})
    with pytest.raises(KeyError, match="unknown node type 'x'"):
        maps.node_index("x", [1])
    with pytest.raises(KeyError, match="'pit_stops' has no primary key"):
        maps.keys("pit_stops", [0])
    with pytest.raises(IndexError, match=r"must lie in \[0, 2\), found \[0, 2\]"):
        maps.keys("t", [0, 2])
    with pytest.raises(TypeError, match="cannot be looked up in 't'"):
        maps.node_index("t", ["five"])
    assert maps.has_keys("t") and not maps.has_keys("pit_stops")
