"""Choosing primary keys."""

import pyarrow as pa
import pytest

from relgraph.schema import SchemaError
from relgraph.schema.infer.primary_keys import check_primary_key, infer_primary_key, key_problem


@pytest.mark.parametrize(
    ("table", "columns", "others", "key", "reason"),
    [
        (
            "races",
            {"raceId": [1, 2, 3], "year": [2009, 2009, 2010]},
            [],
            "raceId",
            "named like an id of 'races'",
        ),
        ("users", {"name": ["a", "b"], "id": [10, 20]}, [], "id", "named like an id"),
        (
            "status",
            {"statusId": [1, 2], "status": ["Finished", "DNF"]},
            [],
            "statusId",
            "named like an id",
        ),
        (
            "sprint_results",
            {"resultId": [1, 2], "raceId": [7, 7]},
            ["results", "races"],
            "resultId",
            "named like an id of 'sprint_results'",
        ),
        ("seasons", {"year": [2009, 2010], "url": ["a", "b"]}, [], "year", "is the first column"),
        (
            "qualifying",
            {"qualifyId": [5, 6], "raceId": [1, 1]},
            ["races"],
            "qualifyId",
            "is the first column",
        ),
        (
            "devices",
            {"uuid": ["3f2a-01", "3f2a-02"], "kind": ["x", "x"]},
            [],
            "uuid",
            "named like an id",
        ),
        (
            "Café Orders",
            {"Menge": [3, 3], "Café Order Id": [1, 2]},
            [],
            "Café Order Id",
            "named like an id",
        ),
        # A duplicated id-like column gives way to the next candidate.
        ("orders", {"code": [1, 2, 3], "order_id": [1, 1, 2]}, [], "code", "is the first column"),
    ],
)
def test_infer_primary_key(
    table: str, columns: dict, others: list[str], key: str, reason: str
) -> None:
    choice = infer_primary_key(table, pa.table(columns), others)
    assert choice.column == key
    assert reason in choice.reason
    assert "unique and non-null" in choice.reason


@pytest.mark.parametrize(
    ("table", "columns", "others", "reason"),
    [
        (
            "pit_stops",
            {"raceId": [1, 1], "driverId": [1, 2], "stop": [1, 1]},
            ["races", "drivers"],
            "first column 'raceId' names table 'races' (a reference)",
        ),
        (
            "events",
            {"event_id": [1, 1, None], "v": [1, 2, 3]},
            [],
            "'event_id': 1 duplicate values and 1 nulls in 3 rows",
        ),
        (
            "points",
            {"x": [0.5, 1.5], "y": [1, 2]},
            [],
            "'x': type double is not an integer or string type",
        ),
        (
            "ticks",
            {"value": [3, 3], "other": [1, 2]},
            [],
            "no column is named like an id of 'ticks'; 'value': 1 duplicate",
        ),
    ],
)
def test_no_primary_key_says_why(table: str, columns: dict, others: list[str], reason: str) -> None:
    choice = infer_primary_key(table, pa.table(columns), others)
    assert choice.column is None
    assert reason in choice.reason


def test_uniqueness_is_checked_on_every_row() -> None:
    values = pa.chunked_array([list(range(100_000)), [5]])
    assert key_problem(values) == "1 duplicate values and 0 nulls in 100,001 rows"


@pytest.mark.parametrize(
    ("values", "problem"),
    [
        (pa.chunked_array([["a", "b"]]), None),
        (pa.chunked_array([pa.array(["a", "b"]).dictionary_encode()]), None),
        (pa.chunked_array([[1, 2, 2, None, None]]), "1 duplicate values and 2 nulls in 5 rows"),
        (pa.chunked_array([[True, False]]), "type bool is not an integer or string type"),
    ],
)
def test_key_problem(values: pa.ChunkedArray, problem: str | None) -> None:
    assert key_problem(values) == problem


def test_check_primary_key_raises_with_counts() -> None:
    with pytest.raises(
        SchemaError,
        match=r"table 'drivers': primary key override 'nationality' fails: 2 duplicate values and 1 nulls in 4 rows",
    ):
        check_primary_key("drivers", "nationality", pa.chunked_array([["x", "x", "x", None]]))
    check_primary_key("drivers", "driverId", pa.chunked_array([[1, 2, 3]]))


@pytest.mark.parametrize(
    ("values", "duplicates"),
    [
        (pa.chunked_array([[3, 1, 2]]), 0),
        (pa.chunked_array([[-5, 7], [7, None]]), 1),
        (pa.chunked_array([[1, 10**15, 10**15, -(10**15)]]), 1),
        (pa.chunked_array([pa.array([2**63 + 1, 2**63 + 1, 0], pa.uint64())]), 1),
        (pa.chunked_array([["a", "b"], ["a", "a", None]]), 2),
        (pa.chunked_array([pa.array(["é", "e"], pa.large_string())]), 0),
    ],
)
def test_duplicates_are_counted_exactly_for_dense_sparse_and_string_keys(
    values: pa.ChunkedArray, duplicates: int
) -> None:
    problem = key_problem(values)
    if duplicates == 0:
        assert problem is None
    else:
        assert problem is not None and problem.startswith(f"{duplicates:,} duplicate values")
