"""Benchmark of task-table generation from predictive queries.

Measures, in one run:

* the rel-f1 tasks (driver-dnf, driver-top3, driver-position) as predictive queries on the F1
  data: rows of every split against RelBench's published sizes, the time to generate all
  splits and the training table alone, side by side with RelBench's own task SQL run by DuckDB
  on the same tables (the hand-written baseline);
* a churn task on a synthetic event table of 10 million rows (generated here, never
  committed), on a DuckDB connection with a memory limit and a spill folder, side by side with
  the same task written by hand in RelBench's style (correlated EXISTS subqueries).

Usage::

    .venv/bin/python bench/tasks.py [--f1 PATH] [--rows 10000000] [--json out.json]
"""

import argparse
import json
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from relgraph.io import atomic_write_text, read_tables
from relgraph.schema import Column, ForeignKey, Schema, Table, infer_schema
from relgraph.tasks import PredictiveQuery, TemporalSplit
from relgraph.tasks.pquery.generate import data_time_range

F1_DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "data" / "f1"
F1_PLAN = TemporalSplit(validation_time="2005-01-01", test_time="2010-01-01")
F1_TASKS = {
    "driver-dnf": (
        "PREDICT COUNT(results.* WHERE results.statusId != 1, 0, 30, days) > 0 "
        "FOR EACH drivers.driverId WHERE COUNT(results.*, 0, 30, days) > 0",
        {"train": 11_411, "validation": 566, "test": 702},
        (
            "results",
            30,
            "CASE WHEN MAX(CASE WHEN re.statusId != 1 THEN 1 ELSE 0 END) = 1 THEN 0 ELSE 1 END",
        ),
    ),
    "driver-top3": (
        "PREDICT MIN(qualifying.position, 1, 31, days) <= 3 "
        "FOR EACH drivers.driverId WHERE COUNT(qualifying.*, 1, 31, days) > 0",
        {"train": 1_353, "validation": 588, "test": 726},
        ("qualifying", 30, "CASE WHEN MIN(re.position) <= 3 THEN 1 ELSE 0 END"),
    ),
    "driver-position": (
        "PREDICT AVG(results.positionOrder, 0, 60, days) "
        "FOR EACH drivers.driverId WHERE COUNT(results.*, 0, 60, days) > 0",
        {"train": 7_453, "validation": 499, "test": 760},
        ("results", 60, "mean(re.positionOrder)"),
    ),
}
SYNTHETIC_QUERY = "PREDICT COUNT(events.*, 0, 7, days) = 0 FOR EACH users.user_id WHERE COUNT(events.*, -28, 0, days) > 0"
SYNTHETIC_PLAN = TemporalSplit(validation_time="2023-10-01", test_time="2023-11-15")
SPLITS = ("train", "validation", "test")


def timed(fn: Callable[[], Any], repeat: int = 1) -> tuple[Any, float]:
    """Runs ``fn`` ``repeat`` times; returns its last result and the best time in seconds."""
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return result, best


# -- rel-f1 ----------------------------------------------------------------------------------


def relbench_anchors(
    split: str, days: int, earliest: pd.Timestamp, latest: pd.Timestamp
) -> pd.DatetimeIndex:
    """RelBench's ``BaseTask._get_table`` timestamps for rel-f1."""
    val, test, delta = (
        pd.Timestamp("2005-01-01"),
        pd.Timestamp("2010-01-01"),
        pd.Timedelta(days=days),
    )
    if split == "train":
        return pd.date_range(start=val - delta, end=earliest, freq=-delta)
    if split == "validation":
        return pd.date_range(start=val, end=min(val + delta * 39, test - delta), freq=delta)
    return pd.date_range(start=test, end=min(test + delta * 39, latest - delta), freq=delta)


def relbench_database(data: dict[str, pa.Table]) -> duckdb.DuckDBPyConnection:
    """RelBench's rel-f1 tables (event rows carry their race's time; qualifying a day earlier)."""
    con = duckdb.connect()
    for name in ("races", "results", "qualifying", "drivers"):
        con.register(f"raw_{name}", data[name])
    con.execute(
        "CREATE TABLE races AS SELECT raceId, CAST(date AS DATE) + "
        "COALESCE(TRY_CAST(time AS TIME), TIME '00:00:00') AS date FROM raw_races;"
        "CREATE TABLE results AS SELECT r.*, ra.date FROM raw_results r LEFT JOIN races ra USING (raceId);"
        "CREATE TABLE qualifying AS SELECT q.*, ra.date - INTERVAL 1 DAY AS date "
        "FROM raw_qualifying q LEFT JOIN races ra USING (raceId);"
        "CREATE TABLE drivers AS SELECT * FROM raw_drivers;"
    )
    return con


def relbench_split(con: duckdb.DuckDBPyConnection, spec: tuple[str, int, str], split: str) -> int:
    """Runs RelBench's task SQL for one split; returns its row count."""
    table, days, label = spec
    earliest, latest = con.execute("SELECT min(date), max(date) FROM races").fetchall()[0]
    con.register(
        "timestamp_df", pd.DataFrame({"timestamp": relbench_anchors(split, days, earliest, latest)})
    )
    cut = "" if split == "test" else "WHERE date <= TIMESTAMP '2010-01-01'"
    result = con.sql(
        f"""
        WITH re_db AS (SELECT * FROM {table} {cut})
        SELECT t.timestamp AS date, dri.driverId AS driverId, {label} AS label
        FROM timestamp_df t
        LEFT JOIN re_db re ON re.date <= t.timestamp + INTERVAL '{days} days' AND re.date > t.timestamp
        LEFT JOIN drivers dri ON re.driverId = dri.driverId
        WHERE dri.driverId IN (SELECT DISTINCT driverId FROM re_db WHERE date > t.timestamp - INTERVAL '1 year')
        GROUP BY t.timestamp, dri.driverId
        """
    ).to_arrow_table()
    return result.num_rows


def bench_f1(folder: Path, repeat: int) -> dict[str, float]:
    """Figures of the rel-f1 tasks."""
    figures: dict[str, float] = {}
    data, figures["tasks.f1.read_s"] = timed(lambda: read_tables(folder))
    schema, figures["tasks.f1.infer_schema_s"] = timed(lambda: infer_schema(data))
    earliest, _ = data_time_range(schema, data, upto=F1_PLAN.test_time)
    _, latest = data_time_range(schema, data)
    con = relbench_database(data)
    for name, (text, published, relbench_spec) in F1_TASKS.items():
        query = PredictiveQuery(text)
        tables, generate_s = timed(
            lambda query=query: query.generate(schema, data, F1_PLAN), repeat
        )
        step = query.resolve(schema).window_length
        anchors = F1_PLAN.anchors("train", earliest=earliest, latest=latest, step=step)
        train, train_s = timed(
            lambda q=query, a=anchors: q.table_at(schema, data, a, cutoff=F1_PLAN.test_time), repeat
        )
        if train.num_rows != tables["train"].num_rows:
            raise RuntimeError(
                f"{name}: training table has {train.num_rows} rows alone, {tables['train'].num_rows} in generate"
            )
        baseline_rows, baseline_s = timed(
            lambda spec=relbench_spec: {s: relbench_split(con, spec, s) for s in SPLITS}, repeat
        )
        prefix = f"tasks.{name}"
        for split in SPLITS:
            figures[f"{prefix}.{split}.rows"] = tables[split].num_rows
            figures[f"{prefix}.{split}.published_rows"] = published[split]
            figures[f"{prefix}.{split}.relbench_sql_rows"] = baseline_rows[split]
        figures[f"{prefix}.generate_s"] = generate_s
        figures[f"{prefix}.train.generate_s"] = train_s
        figures[f"{prefix}.relbench_sql_s"] = baseline_s
        figures[f"{prefix}.relgraph_over_relbench_sql"] = generate_s / baseline_s
    return figures


# -- synthetic -------------------------------------------------------------------------------


def synthetic_data(folder: Path, rows: int, users: int) -> dict[str, pa.Table]:
    """``users`` users and ``rows`` events over 2023, heavy users first (activity ~ u**3)."""
    events = folder / "events.parquet"
    duckdb.connect().execute(
        f"""
        COPY (
            SELECT i AS event_id,
                   CAST(floor({users} * pow((hash(i) % 1000003) / 1000003.0, 3)) AS BIGINT) AS user_id,
                   CAST(hash(i * 7 + 1) % 10000 AS BIGINT) AS item_id,
                   (hash(i * 13 + 5) % 100000) / 100.0 AS amount,
                   TIMESTAMP '2023-01-01' + to_seconds(CAST(hash(i * 31 + 3) % (365 * 86400) AS BIGINT)) AS ts
            FROM range({rows}) t(i)
        ) TO '{events}' (FORMAT parquet)
        """
    )
    return {
        "users": pa.table({"user_id": pa.array(np.arange(users, dtype=np.int64))}),
        "events": pq.read_table(events),
    }


def synthetic_schema() -> Schema:
    return Schema(
        [
            Table("users", [Column("user_id", "integer")], primary_key="user_id"),
            Table(
                "events",
                [
                    Column("event_id", "integer"),
                    Column("user_id", "integer"),
                    Column("item_id", "integer"),
                    Column("amount", "float"),
                    Column("ts", "datetime"),
                ],
                primary_key="event_id",
                foreign_keys=[ForeignKey("user_id", "users.user_id")],
                time_column="ts",
            ),
        ]
    )


def handwritten_churn(
    con: duckdb.DuckDBPyConnection,
    data: dict[str, pa.Table],
    anchors: np.ndarray,
    cutoff: np.datetime64 | None,
) -> pa.Table:
    """The synthetic task written by hand, as RelBench writes its churn tasks."""
    con.register("users", data["users"])
    con.register("events_all", data["events"])
    con.register("timestamp_df", pa.table({"timestamp": pa.array(anchors, pa.timestamp("us"))}))
    cut = "" if cutoff is None else f"WHERE ts <= TIMESTAMP '{pd.Timestamp(cutoff)}'"
    con.execute(f"CREATE OR REPLACE TEMP VIEW events AS SELECT * FROM events_all {cut}")
    result = con.sql(
        """
        SELECT timestamp_df.timestamp AS anchor_time, users.user_id,
               CAST(NOT EXISTS (
                   SELECT 1 FROM events
                   WHERE events.user_id = users.user_id
                     AND events.ts > timestamp_df.timestamp
                     AND events.ts <= timestamp_df.timestamp + INTERVAL 7 DAY
               ) AS BIGINT) AS label
        FROM timestamp_df, users
        WHERE EXISTS (
            SELECT 1 FROM events
            WHERE events.user_id = users.user_id
              AND events.ts > timestamp_df.timestamp - INTERVAL 28 DAY
              AND events.ts <= timestamp_df.timestamp
        )
        """
    ).to_arrow_table()
    for name in ("users", "events_all", "timestamp_df"):
        con.unregister(name)
    return result


def bench_synthetic(rows: int, users: int, memory_limit: str) -> dict[str, float]:
    """Figures of the churn task on a synthetic event table."""
    figures: dict[str, float] = {"tasks.synthetic.event_rows": rows, "tasks.synthetic.users": users}
    with tempfile.TemporaryDirectory(prefix="relgraph-bench-tasks-") as tmp:
        data, figures["tasks.synthetic.make_data_s"] = timed(
            lambda: synthetic_data(Path(tmp), rows, users)
        )
        schema = synthetic_schema()
        config = {"memory_limit": memory_limit, "temp_directory": os.path.join(tmp, "spill")}
        query = PredictiveQuery(SYNTHETIC_QUERY)
        con = duckdb.connect(config=config)
        tables, generate_s = timed(
            lambda: query.generate(schema, data, SYNTHETIC_PLAN, connection=con)
        )
        earliest, _ = data_time_range(schema, data, upto=SYNTHETIC_PLAN.test_time)
        _, latest = data_time_range(schema, data)
        step = query.resolve(schema).window_length
        baseline_con = duckdb.connect(config=config)

        def handwritten() -> dict[str, pa.Table]:
            return {
                split: handwritten_churn(
                    baseline_con,
                    data,
                    SYNTHETIC_PLAN.anchors(split, earliest=earliest, latest=latest, step=step),
                    SYNTHETIC_PLAN.data_cutoff(split),
                )
                for split in SPLITS
            }

        baseline, baseline_s = timed(handwritten)
        for split in SPLITS:
            ours, theirs = tables[split], baseline[split]
            same_labels = ours.num_rows == theirs.num_rows and sum(
                ours["label"].to_pylist()
            ) == sum(theirs["label"].to_pylist())
            if not same_labels:
                raise RuntimeError(f"synthetic {split}: relgraph and the hand-written SQL disagree")
            figures[f"tasks.synthetic.{split}.rows"] = ours.num_rows
            figures[f"tasks.synthetic.{split}.positives"] = sum(ours["label"].to_pylist())
        figures["tasks.synthetic.generate_s"] = generate_s
        figures["tasks.synthetic.events_per_s"] = rows / generate_s
        figures["tasks.synthetic.handwritten_sql_s"] = baseline_s
        figures["tasks.synthetic.relgraph_over_handwritten_sql"] = generate_s / baseline_s
    return figures


def report(figures: dict[str, float]) -> None:
    """Prints the figures, grouped, with the side-by-side comparisons."""
    print("rel-f1 tasks (rows: relgraph / published / RelBench SQL here)")
    for name in F1_TASKS:
        p = f"tasks.{name}"
        if f"{p}.generate_s" not in figures:
            continue
        rows = "  ".join(
            f"{s} {figures[f'{p}.{s}.rows']:,.0f}/{figures[f'{p}.{s}.published_rows']:,.0f}/"
            f"{figures[f'{p}.{s}.relbench_sql_rows']:,.0f}"
            for s in SPLITS
        )
        print(f"  {name:16s} {rows}")
        print(
            f"  {'':16s} generate {figures[f'{p}.generate_s']:.3f} s (train alone "
            f"{figures[f'{p}.train.generate_s']:.3f} s), RelBench SQL {figures[f'{p}.relbench_sql_s']:.3f} s, "
            f"ratio relgraph/RelBench {figures[f'{p}.relgraph_over_relbench_sql']:.2f}"
        )
    if "tasks.synthetic.generate_s" in figures:
        f = figures
        print(
            f"synthetic churn task, {f['tasks.synthetic.event_rows']:,.0f} events, {f['tasks.synthetic.users']:,.0f} users"
        )
        print("  rows " + "  ".join(f"{s} {f[f'tasks.synthetic.{s}.rows']:,.0f}" for s in SPLITS))
        print(
            f"  relgraph {f['tasks.synthetic.generate_s']:.2f} s ({f['tasks.synthetic.events_per_s']:,.0f} events/s), "
            f"hand-written SQL {f['tasks.synthetic.handwritten_sql_s']:.2f} s, "
            f"ratio relgraph/hand-written {f['tasks.synthetic.relgraph_over_handwritten_sql']:.2f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--f1",
        type=Path,
        default=Path(os.environ.get("RELGRAPH_F1_DATA", F1_DEFAULT)),
        help="folder of F1 CSVs",
    )
    parser.add_argument(
        "--rows",
        type=int,
        default=10_000_000,
        help="synthetic events (default: 10,000,000; 0 to skip)",
    )
    parser.add_argument(
        "--users", type=int, default=200_000, help="synthetic users (default: 200,000)"
    )
    parser.add_argument(
        "--memory-limit",
        default="2GB",
        help="DuckDB memory limit for the synthetic task (default: 2GB)",
    )
    parser.add_argument(
        "--repeat", type=int, default=3, help="F1 timings: best of this many runs (default: 3)"
    )
    parser.add_argument("--json", type=Path, help="write the figures to this JSON file")
    args = parser.parse_args()
    figures: dict[str, float] = {}
    if (args.f1 / "races.csv").is_file():
        figures |= bench_f1(args.f1, args.repeat)
    else:
        print(f"F1 data not found at {args.f1}; skipping rel-f1 (set --f1 or RELGRAPH_F1_DATA)")
    if args.rows > 0:
        figures |= bench_synthetic(args.rows, args.users, args.memory_limit)
    report(figures)
    if args.json is not None:
        atomic_write_text(args.json, json.dumps(figures, indent=2, sort_keys=True) + "\n")
        print(f"figures written to {args.json}")


if __name__ == "__main__":
    main()
