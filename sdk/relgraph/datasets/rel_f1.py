"""The RelBench ``rel-f1`` tasks, written as relgraph predictive queries.

RelBench builds its Formula 1 tasks from the Ergast database with its own SQL; these queries
give the same tables (sizes and labels, checked in the tests). Qualifying sessions happen the
day before their race, which RelBench dates one day earlier; the top-3 query expresses that
with the window ``(1, 31]`` days over race times instead of ``(0, 30]``.
"""

from collections.abc import Mapping
from dataclasses import dataclass

import pyarrow as pa

from relgraph.tasks import PredictiveQuery, TemporalSplit

REL_F1_DROPPED_COLUMNS: dict[str, tuple[str, ...]] = {
    "circuits": ("url",),
    "constructors": ("url",),
    "drivers": ("number", "url"),
    "races": (
        "url",
        "fp1_date",
        "fp1_time",
        "fp2_date",
        "fp2_time",
        "fp3_date",
        "fp3_time",
        "quali_date",
        "quali_time",
        "sprint_date",
        "sprint_time",
    ),
    "results": ("positionText", "time", "fastestLapTime", "fastestLapSpeed"),
    "driver_standings": ("positionText",),
    "constructor_standings": ("positionText",),
    "constructor_results": ("status",),
    "qualifying": ("q1", "q2", "q3"),
}
"""The tables RelBench's rel-f1 database keeps, and the columns it drops from each.

Some dropped columns describe the present, not the past: ``drivers.number`` is filled exactly
for the drivers who raced from 2014 on, so a model given it learns who will still be racing
after every test anchor. Published results were measured without them."""


def relbench_view(data: Mapping[str, pa.Table]) -> dict[str, pa.Table]:
    """The F1 tables as RelBench's rel-f1 database has them: its nine tables, without the
    columns in :data:`REL_F1_DROPPED_COLUMNS`.

    Args:
        data: The Ergast F1 tables by name (as ``relgraph.io.read_tables`` reads the folder).

    Raises:
        KeyError: If one of the nine tables is missing.
    """
    missing = sorted(set(REL_F1_DROPPED_COLUMNS) - set(data))
    if missing:
        raise KeyError(f"F1 data lacks tables {missing} (has: {sorted(data)})")
    return {
        name: data[name].drop_columns([c for c in dropped if c in data[name].column_names])
        for name, dropped in REL_F1_DROPPED_COLUMNS.items()
    }


REL_F1_SPLIT = TemporalSplit(validation_time="2005-01-01", test_time="2010-01-01")
"""RelBench's rel-f1 split: validation from 2005-01-01, test from 2010-01-01."""


@dataclass(frozen=True)
class BenchmarkTask:
    """A published benchmark task and the figures it is measured against.

    Args:
        name: The task's name in RelBench.
        query: The predictive query that builds its tables.
        metric: The metric the published results use.
        sizes: Published rows of the train, validation and test tables.
        published: Published test results by model name.
    """

    name: str
    query: str
    metric: str
    sizes: dict[str, int]
    published: dict[str, float]

    def predictive_query(self) -> PredictiveQuery:
        """The parsed query."""
        return PredictiveQuery(self.query)


REL_F1_TASKS: dict[str, BenchmarkTask] = {
    task.name: task
    for task in (
        BenchmarkTask(
            name="driver-dnf",
            query=(
                "PREDICT COUNT(results.* WHERE results.statusId != 1, 0, 30, days) > 0 "
                "FOR EACH drivers.driverId WHERE COUNT(results.*, 0, 30, days) > 0"
            ),
            metric="roc_auc",
            sizes={"train": 11_411, "validation": 566, "test": 702},
            published={"LightGBM": 68.56, "RelBench GNN": 72.62, "RelGNN": 75.29, "RelGT": 75.87},
        ),
        BenchmarkTask(
            name="driver-top3",
            query=(
                "PREDICT MIN(qualifying.position, 1, 31, days) <= 3 "
                "FOR EACH drivers.driverId WHERE COUNT(qualifying.*, 1, 31, days) > 0"
            ),
            metric="roc_auc",
            sizes={"train": 1_353, "validation": 588, "test": 726},
            published={"LightGBM": 73.92, "RelBench GNN": 75.54, "RelGNN": 85.69, "RelGT": 83.52},
        ),
        BenchmarkTask(
            name="driver-position",
            query=(
                "PREDICT AVG(results.positionOrder, 0, 60, days) "
                "FOR EACH drivers.driverId WHERE COUNT(results.*, 0, 60, days) > 0"
            ),
            metric="mae",
            sizes={"train": 7_453, "validation": 499, "test": 760},
            published={"LightGBM": 4.170, "RelBench GNN": 4.022, "RelGNN": 3.798, "RelGT": 3.917},
        ),
    )
}
"""The three rel-f1 node tasks with RelBench's published sizes and test results (RelBench v1
paper and leaderboard; AUROC in percent, MAE in positions)."""

REL_F1_DRIVER_CIRCUITS = (
    "PREDICT LIST_DISTINCT(results.raceId.circuitId, 0, 365, days) RANK TOP 10 "
    "FOR EACH drivers.driverId"
)
"""A link-prediction task on the same data: the circuits each driver races at in the next
year, ranked top 10 (no published figures; compared with a popularity baseline)."""
