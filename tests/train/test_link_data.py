"""Link task tables mapped to node indices."""

import datetime as dt

import numpy as np
import pyarrow as pa
import pytest

from relgraph.graph.id_maps import IdMaps
from relgraph.train.link_data import LinkExamples


def id_maps() -> IdMaps:
    keys = {"drivers": pa.array([10, 20, 30]), "circuits": pa.array([7, 8, 9, 5])}
    return IdMaps(keys, {"drivers": 3, "circuits": 4})


def table(labels: list, drivers: list[int] | None = None) -> pa.Table:
    n = len(labels)
    return pa.table(
        {
            "driverId": pa.array(drivers or [10, 30, 20][:n]),
            "anchor_time": pa.array([dt.datetime(2000, 1, 2)] * n, pa.timestamp("us")),
            "circuitId": pa.array(labels, pa.list_(pa.int64())),
        }
    )


def examples(tab: pa.Table) -> LinkExamples:
    return LinkExamples.from_table(
        tab,
        id_maps(),
        source_type="drivers",
        entity_column="driverId",
        target_type="circuits",
        target_column="circuitId",
    )


def test_maps_keys_to_nodes_and_dedups_targets() -> None:
    ex = examples(table([[9, 7, 9], [], [5]]))
    assert len(ex) == 3
    assert ex.num_targets == 4
    assert ex.seeds.tolist() == [0, 2, 1]
    assert ex.seed_time.tolist() == [int(dt.datetime(2000, 1, 2, tzinfo=dt.UTC).timestamp())] * 3
    assert [t.tolist() for t in ex.target_lists()] == [[0, 2], [], [3]]
    assert ex.target_counts().tolist() == [1, 0, 1, 1]


def test_pairs_follow_the_requested_rows() -> None:
    ex = examples(table([[9, 7], [], [5]]))
    local, target = ex.pairs(np.array([2, 0, 1]))
    assert local.tolist() == [0, 1, 1]
    assert target.tolist() == [3, 0, 2]


def test_null_lists_are_empty() -> None:
    ex = examples(table([None, [8]]))
    assert [t.tolist() for t in ex.target_lists()] == [[], [1]]


@pytest.mark.parametrize(
    ("tab", "match"),
    [
        (table([[7]]).drop_columns(["anchor_time"]), r"lacks columns \['anchor_time'\]"),
        (table([[7]]).set_column(2, "circuitId", pa.array([7])), "must hold lists"),
        (table([[7]], drivers=[99]), r"keys \[99\] are not rows of 'drivers'"),
        (table([[7, 42]]), r"keys \[42\] are not rows of 'circuits'"),
        (
            table([[7]]).set_column(1, "anchor_time", pa.array([1])),
            "must be a timestamp without nulls",
        ),
    ],
)
def test_rejects_bad_tables(tab: pa.Table, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        examples(tab)
