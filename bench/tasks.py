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
import sys
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

from relgraph.datasets import REL_F1_SPLIT, REL_F1_TASKS
from relgraph.io import atomic_write_text, read_tables
from relgraph.schema import Column, ForeignKey, Schema, Table, infer_schema
from relgraph.tasks import PredictiveQuery, TemporalSplit
from relgraph.tasks.pquery.generate import data_time_range

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.tasks.relbench_reference import relbench_table, relbench_tables

F1_DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "data" / "f1"
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


def bench_f1(folder: Path, repeat: int) -> dict[str, float]:
    """Figures of the rel-f1 tasks."""
    figures: dict[str, float] = {}
    data, figures["tasks.f1.read_s"] = timed(lambda: read_tables(folder))
    schema, figures["tasks.f1.infer_schema_s"] = timed(lambda: infer_schema(data))
    earliest, _ = data_time_range(schema, data, upto=REL_F1_SPLIT.test_time)
    _, latest = data_time_range(schema, data)
    con = relbench_tables(data)
    for name, task in REL_F1_TASKS.items():
        query, published = task.predictive_query(), task.sizes
        tables, generate_s = timed(
            lambda query=query: query.generate(schema, data, REL_F1_SPLIT), repeat
        )
        step = query.resolve(schema).window_length
        anchors = REL_F1_SPLIT.anchors("train", earliest=earliest, latest=latest, step=step)
        train, train_s = timed(
            lambda q=query, a=anchors: q.table_at(schema, data, a, cutoff=REL_F1_SPLIT.test_time),
            repeat,
        )
        if train.num_rows != tables["train"].num_rows:
            raise RuntimeError(
                f"{name}: training table has {train.num_rows} rows alone, {tables['train'].num_rows} in generate"
            )
        baseline_rows, baseline_s = timed(
            lambda name=name: {s: len(relbench_table(con, name, s)) for s in SPLITS}, repeat
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
    for name in REL_F1_TASKS:
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
