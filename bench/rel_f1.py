"""Benchmark of relgraph's node models on the RelBench rel-f1 tasks.

Trains and evaluates driver-dnf, driver-top3 and driver-position with the DEFAULT
``TrainerConfig`` over several seeds and reports, side by side in the same run:

* relgraph's test metric (mean ± std over the seeds), its validation metric, the selected
  epoch, the wall time per task (training + evaluation, per seed) and per epoch;
* the tabular baseline with no graph (``relgraph.train.baseline.tabular_baseline``, scored
  with the same metric functions), and the differences;
* the published numbers (LightGBM, RelBench GNN, RelGNN, RelGT; DESIGN.md).

Protocols (``--protocol``):

* ``relbench`` (default): RelBench's nine tables without the columns it drops
  (``relgraph.datasets.relbench_view``; ``drivers.number``, for one, reveals who races after
  2014), and only rows with time <= the test timestamp 2010-01-01 (static rows kept), for
  every split, as RelBench's ``get_db()`` does for all its
  published numbers; test seeds (anchors 2010-2013) see nothing after 2009-12-31.
* ``full``: the graph holds every row; the sampler lets each seed see rows before its own
  anchor time (temporally correct, easier for test seeds, not comparable with the table).

Feature encoders are fitted on rows visible at 2010-01-01 in both protocols.

Under ``relbench``, validation mimics the test: validation seeds (anchors 2005-2009) see the
database frozen at the validation timestamp 2005-01-01, as test seeds see it frozen at
2010-01-01 (``fit_node_task(visible_until=...)``), so the validation metric that picks the
epoch measures what the test measures; that also turns on the default history-lag training
(``TrainerConfig.history_lag_prob``).

Usage::

    .venv/bin/python bench/rel_f1.py [--tasks driver-dnf,driver-top3,driver-position]
        [--seeds 3] [--protocol relbench|full] [--config '{"n_epochs": 10}'] [--json out.json]
"""

import argparse
import json
import logging
import math
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from relgraph.datasets import REL_F1_SPLIT, REL_F1_TASKS, relbench_view
from relgraph.graph import materialize
from relgraph.io import atomic_write_text, read_tables
from relgraph.schema import Schema, infer_schema
from relgraph.schema.timestamps import row_times
from relgraph.tasks import PredictiveQuery, TaskType
from relgraph.train import TrainerConfig, fit_node_task
from relgraph.train.baseline import tabular_baseline
from relgraph.train.metrics import metric_direction

F1_DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "data" / "f1"
TEST_TIME = REL_F1_SPLIT.test_time
TASKS = {
    "driver-dnf": (TaskType.BINARY_CLASSIFICATION, "roc_auc", 100.0),
    "driver-top3": (TaskType.BINARY_CLASSIFICATION, "roc_auc", 100.0),
    "driver-position": (TaskType.REGRESSION, "mae", 1.0),
}
"""Task -> (type, reported metric, display scale)."""
PUBLISHED = {name: task.published for name, task in REL_F1_TASKS.items()}
"""Published test results (DESIGN.md): AUROC x 100 or MAE."""
METRIC_KEY = {"roc_auc": "auroc", "mae": "mae"}


def graph_tables(tables: dict[str, pa.Table], schema: Schema, protocol: str) -> dict[str, pa.Table]:
    """The tables the graph is built from: all rows (``full``) or rows up to the test time."""
    if protocol == "full":
        return tables
    cutoff = pa.scalar(np.datetime64(TEST_TIME, "us"), type=pa.timestamp("us"))
    times = {name: row_times(schema, tables, name) for name in tables}
    kept = {}
    for name, table in tables.items():
        if times[name] is None:
            kept[name] = table
            continue
        mask = pc.fill_null(pc.less_equal(pc.cast(times[name], pa.timestamp("us")), cutoff), False)
        kept[name] = table.filter(mask)
    return kept


def run_baseline(
    task_type: TaskType,
    tables: dict[str, pa.Table],
    schema: Schema,
    splits: dict[str, pa.Table],
    metric: str,
    seed: int,
) -> dict[str, float]:
    """The tabular baseline's metric per split."""
    result = tabular_baseline(
        task_type,
        tables["drivers"],
        schema.table("drivers"),
        splits["train"],
        splits["validation"],
        splits["test"],
        seed=seed,
    )
    return {split: float(values[metric]) for split, values in result.metrics.items()}


def summarize(values: list[float]) -> tuple[float, float]:
    """Mean and (population) standard deviation."""
    return float(np.mean(values)), float(np.std(values))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--f1", type=Path, default=Path(os.environ.get("RELGRAPH_F1_DATA", F1_DEFAULT))
    )
    parser.add_argument("--tasks", default=",".join(TASKS), help="comma-separated task names")
    parser.add_argument("--seeds", type=int, default=3, help="seeds per task (0, 1, ...)")
    parser.add_argument("--protocol", choices=("relbench", "full"), default="relbench")
    parser.add_argument(
        "--validation",
        choices=("frozen", "fresh"),
        default="frozen",
        help="relbench protocol: validation seeds see the database frozen at the validation "
        "timestamp, as test seeds see it frozen at the test timestamp (frozen), or see "
        "everything before their anchor time (fresh)",
    )
    parser.add_argument("--config", default="{}", help="JSON overrides of the default config")
    parser.add_argument("--no-baseline", action="store_true", help="skip the tabular baseline")
    parser.add_argument("--json", type=Path, help="write the figures to this JSON file")
    parser.add_argument("--verbose", action="store_true", help="log every epoch")
    args = parser.parse_args()
    if args.verbose:
        logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(message)s")
        logging.getLogger("relgraph.train").setLevel(logging.INFO)

    tasks = [t.strip() for t in args.tasks.split(",") if t.strip()]
    unknown = sorted(set(tasks) - set(TASKS))
    if unknown:
        parser.error(f"unknown task(s) {unknown} (known: {list(TASKS)})")
    if not (args.f1 / "races.csv").is_file():
        parser.error(f"F1 data not found at {args.f1} (set RELGRAPH_F1_DATA or --f1)")
    overrides = json.loads(args.config)
    base_config = TrainerConfig().replace(**overrides) if overrides else TrainerConfig()

    start = time.perf_counter()
    tables = read_tables(args.f1)
    if args.protocol == "relbench":
        tables = relbench_view(tables)  # RelBench's tables and columns (no drivers.number)
    schema = infer_schema(tables)
    graph_data = graph_tables(tables, schema, args.protocol)
    frozen = args.protocol == "relbench" and args.validation == "frozen"
    visible_until = {"validation": REL_F1_SPLIT.validation_time} if frozen else None
    with tempfile.TemporaryDirectory(prefix="rel_f1_") as tmp:
        artifact = materialize(
            graph_data,
            schema,
            Path(tmp) / "graph",
            cutoff_time=TEST_TIME,
            text_embedder=base_config.text_embedder,
        )
        prepare_s = time.perf_counter() - start
        print(
            f"rel-f1, protocol {args.protocol}: graph of "
            f"{sum(t.num_rows for t in graph_data.values()):,} rows materialized, "
            f"{prepare_s:.1f} s to read + infer + materialize; {args.seeds} seed(s)"
        )
        print(f"config: {base_config.to_json().replace(chr(10), ' ')}")
        figures: dict[str, Any] = {
            "protocol": args.protocol,
            "validation": "frozen" if frozen else "fresh",
            "seeds": args.seeds,
            "prepare_s": prepare_s,
            "config": base_config.to_dict(),
        }
        rows = []
        for task in tasks:
            task_type, metric, scale = TASKS[task]
            key = METRIC_KEY[metric]
            splits = PredictiveQuery(REL_F1_TASKS[task].query).generate(
                schema, tables, REL_F1_SPLIT
            )
            test_values, val_values, walls, epochs, best_epochs = [], [], [], [], []
            for seed in range(args.seeds):
                config = base_config.replace(seed=seed)
                t0 = time.perf_counter()
                result = fit_node_task(
                    artifact,
                    splits,
                    entity_table="drivers",
                    entity_column="driverId",
                    task_type=task_type,
                    config=config,
                    visible_until=visible_until,
                )
                val_values.append(result.metrics["validation"][metric] * scale)
                epochs.append(result.epoch_seconds)
                best_epochs.append(result.best_epoch)
                walls.append(time.perf_counter() - t0)
                test_values.append(result.metrics["test"][metric] * scale)
                print(
                    f"  {task} seed {seed}: test {key} {test_values[-1]:.3f}, "
                    f"val {val_values[-1]:.3f}, best epoch {best_epochs[-1]}, "
                    f"{walls[-1]:.1f} s ({epochs[-1]:.2f} s/epoch)",
                    flush=True,
                )
            test_mean, test_std = summarize(test_values)
            val_mean, val_std = summarize(val_values)
            prefix = f"{task}"
            figures[f"{prefix}.test.{key}.mean"] = test_mean
            figures[f"{prefix}.test.{key}.std"] = test_std
            figures[f"{prefix}.test.{key}.values"] = test_values
            figures[f"{prefix}.validation.{key}.mean"] = val_mean
            figures[f"{prefix}.validation.{key}.std"] = val_std
            figures[f"{prefix}.wall_s"] = float(np.mean(walls))
            figures[f"{prefix}.wall_s.max"] = float(np.max(walls))
            figures[f"{prefix}.epoch_s"] = float(np.mean(epochs))
            figures[f"{prefix}.best_epochs"] = best_epochs
            baseline: dict[str, float] | str = "skipped"
            if not args.no_baseline:
                baseline = run_baseline(task_type, tables, schema, splits, metric, seed=0)
            if isinstance(baseline, dict):
                for split, value in baseline.items():
                    figures[f"{prefix}.baseline.{split}.{key}"] = value * scale
            else:
                figures[f"{prefix}.baseline"] = baseline
            for name, value in PUBLISHED[task].items():
                figures[f"{prefix}.published.{name}.{key}"] = value
            rows.append((task, key, test_mean, test_std, baseline, scale))

        print()
        header = f"{'task':<16} {'metric':<6} {'relgraph (mean ± std)':>22} {'tabular':>8}"
        header += "".join(f" {name:>13}" for name in PUBLISHED["driver-dnf"])
        header += f" {'wall s':>7} {'epoch s':>7}"
        print(header)
        for task, key, mean, std, baseline, scale in rows:
            line = f"{task:<16} {key:<6} {mean:>14.3f} ± {std:<5.3f}"
            tab = baseline.get("test") if isinstance(baseline, dict) else None
            line += f" {tab * scale:>8.3f}" if tab is not None else f" {'n/a':>8}"
            line += "".join(f" {v:>13.3f}" for v in PUBLISHED[task].values())
            line += f" {figures[f'{task}.wall_s']:>7.1f} {figures[f'{task}.epoch_s']:>7.2f}"
            print(line)
        print()
        print("relgraph vs published (higher AUROC / lower MAE is better; + = relgraph wins):")
        for task, _key, mean, _, baseline, scale in rows:
            better = -1.0 if metric_direction(TASKS[task][1]) == "min" else 1.0
            parts = [
                f"{name} {better * (mean - value):+.3f}" for name, value in PUBLISHED[task].items()
            ]
            tab = baseline.get("test") if isinstance(baseline, dict) else None
            if tab is not None:
                parts.append(f"tabular {better * (mean - tab * scale):+.3f}")
                figures[f"{task}.vs_baseline"] = better * (mean - tab * scale)
            for name, value in PUBLISHED[task].items():
                figures[f"{task}.vs_published.{name}"] = better * (mean - value)
            print(f"  {task}: " + ", ".join(parts))
    if args.json is not None:
        clean = {k: v for k, v in figures.items() if not (isinstance(v, float) and math.isnan(v))}
        atomic_write_text(args.json, json.dumps(clean, indent=2, sort_keys=True) + "\n")
        print(f"figures written to {args.json}")


if __name__ == "__main__":
    sys.exit(main())
