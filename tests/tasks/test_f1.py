"""The RelBench rel-f1 tasks as predictive queries, checked against RelBench's own definition.

The sizes are RelBench's published split sizes, and the labels are compared row by row with
an independent DuckDB query written the way RelBench's ``relbench/tasks/f1.py`` writes them:
timestamps as in RelBench's database (race date + time, qualifying one day before its race),
RelBench's anchor times, the data cut at the test timestamp for train and validation, and
RelBench's SQL (including its "active in the previous year" subquery, which has no upper
bound and so keeps every driver with a row in the window).
"""

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from relgraph.datasets import REL_F1_DRIVER_CIRCUITS, REL_F1_SPLIT, REL_F1_TASKS
from relgraph.schema import Schema
from relgraph.tasks import (
    ANCHOR_TIME,
    EvaluationMetric,
    LinkTask,
    NodeTask,
    PredictiveQuery,
)
from tests.tasks.relbench_reference import relbench_anchors, relbench_table, relbench_tables

DOCS = Path(__file__).resolve().parents[2] / "docs" / "predictive_queries.md"
PLAN = REL_F1_SPLIT
DNF = REL_F1_TASKS["driver-dnf"].query
TOP3 = REL_F1_TASKS["driver-top3"].query
POSITION = REL_F1_TASKS["driver-position"].query
CIRCUITS = REL_F1_DRIVER_CIRCUITS
PUBLISHED = {name: (task.query, task.sizes) for name, task in REL_F1_TASKS.items()}
F1 = tuple[Schema, dict[str, pa.Table]]


@pytest.fixture(scope="module")
def generated(f1: F1) -> dict[str, dict[str, pa.Table]]:
    schema, data = f1
    return {
        name: PredictiveQuery(text).generate(schema, data, PLAN)
        for name, (text, _) in PUBLISHED.items()
    }


@pytest.mark.parametrize("task", list(PUBLISHED))
def test_split_sizes_are_relbench_published_sizes(generated: dict, task: str) -> None:
    sizes = {split: table.num_rows for split, table in generated[task].items()}
    assert sizes == PUBLISHED[task][1]


def test_without_the_qualifying_day_the_top3_sizes_differ(f1: F1) -> None:
    """RelBench dates qualifying one day before its race; a window over race times of
    (0, 30] instead of (1, 31] misses that."""
    schema, data = f1
    unshifted = TOP3.replace("1, 31, days", "0, 30, days")
    tables = PredictiveQuery(unshifted).generate(schema, data, PLAN)
    assert {split: t.num_rows for split, t in tables.items()} == {
        "train": 1_329,
        "validation": 566,
        "test": 702,
    }


def test_the_documented_queries_are_the_tested_ones() -> None:
    text = " ".join(DOCS.read_text(encoding="utf-8").split())
    for query in (DNF, TOP3, POSITION, CIRCUITS):
        assert query in text


@pytest.mark.parametrize("task", list(PUBLISHED))
@pytest.mark.parametrize("split", ["train", "validation", "test"])
def test_labels_match_relbench_row_by_row(f1: F1, generated: dict, task: str, split: str) -> None:
    expected = relbench_table(relbench_tables(f1[1]), task, split)
    ours = generated[task][split]
    assert ours[ANCHOR_TIME].to_pylist() == [t.to_pydatetime() for t in expected["date"]]
    assert ours["driverId"].to_pylist() == expected["driverId"].tolist()
    labels = ours["label"].to_numpy()
    if task == "driver-dnf":
        np.testing.assert_array_equal(labels, 1 - expected["label"].to_numpy())
    elif task == "driver-top3":
        np.testing.assert_array_equal(labels, expected["label"].to_numpy())
    else:
        np.testing.assert_allclose(labels, expected["label"].to_numpy(), rtol=0, atol=1e-12)


@pytest.mark.parametrize(
    ("task", "metric"),
    [("driver-dnf", "roc_auc"), ("driver-top3", "roc_auc"), ("driver-position", "mae")],
)
def test_tasks_validate_against_the_data(f1: F1, task: str, metric: str) -> None:
    schema, data = f1
    node = PredictiveQuery(PUBLISHED[task][0]).to_task(task, schema, data, PLAN)
    assert isinstance(node, NodeTask)
    assert node.metrics == (EvaluationMetric(metric),)
    assert node.time_column == ANCHOR_TIME
    node.validate(schema, data)


# -- link prediction ------------------------------------------------------------------------


def map_at_k(predicted: np.ndarray, targets: list[list[int]], k: int) -> float:
    """Mean average precision at ``k`` of one ranked list per example (RelBench's definition)."""
    scores = []
    for ranked, truth in zip(predicted[:, :k], targets, strict=True):
        hits = np.isin(ranked, truth)
        precision = np.cumsum(hits) / np.arange(1, k + 1)
        scores.append((precision * hits).sum() / min(len(truth), k))
    return float(np.mean(scores))


def test_link_query_gives_lists_of_circuit_ids_ready_for_map_at_k(f1: F1) -> None:
    schema, data = f1
    task = PredictiveQuery(CIRCUITS).to_task("driver-circuits", schema, data, PLAN)
    assert isinstance(task, LinkTask)
    assert (task.target_entity_table, task.target_entity_column) == ("circuits", "circuitId")
    assert task.metrics == (EvaluationMetric("map", 10),)
    task.validate(schema, data)
    train, test = task.table("train"), task.table("test")
    assert test.schema.field("circuitId").type == pa.list_(pa.int64())
    assert pc.min(pc.list_value_length(test["circuitId"])).as_py() >= 1
    assert all(ids == sorted(set(ids)) for ids in test["circuitId"].to_pylist())
    # a popularity baseline: the 10 circuits most raced at in the training windows
    counts = pc.value_counts(pc.list_flatten(train["circuitId"])).to_pylist()
    popular = [c["values"] for c in sorted(counts, key=lambda c: -c["counts"])[:10]]
    score = map_at_k(np.tile(popular, (test.num_rows, 1)), test["circuitId"].to_pylist(), 10)
    assert 0.05 < score < 1.0


def test_link_targets_match_an_independent_query(f1: F1) -> None:
    schema, data = f1
    ours = PredictiveQuery(CIRCUITS).generate(schema, data, PLAN)["test"]
    con = relbench_tables(data)
    con.register("raw_races_circuits", data["races"].select(["raceId", "circuitId"]))
    _, latest = con.execute("SELECT min(date), max(date) FROM races").fetchall()[0]
    con.register(
        "anchors",
        pd.DataFrame(
            {"t": relbench_anchors("test", 365, pd.Timestamp("1950-01-01"), pd.Timestamp(latest))}
        ),
    )
    expected = con.sql(
        """
        SELECT re.driverId, a.t, list(DISTINCT c.circuitId ORDER BY c.circuitId) AS circuits
        FROM anchors a JOIN results re ON re.date > a.t AND re.date <= a.t + INTERVAL 365 DAY
        JOIN raw_races_circuits c ON c.raceId = re.raceId
        WHERE re.driverId IN (SELECT driverId FROM drivers)
        GROUP BY ALL ORDER BY a.t, re.driverId
        """
    ).fetchall()
    assert [(r["driverId"], r[ANCHOR_TIME], r["circuitId"]) for r in ours.to_pylist()] == [
        (d, t, c) for d, t, c in expected
    ]


def test_queries_parse_in_canonical_form() -> None:
    for query in (DNF, TOP3, POSITION, CIRCUITS):
        assert str(PredictiveQuery(query)) == re.sub(r"\s+", " ", query)
