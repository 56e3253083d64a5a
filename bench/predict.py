"""Benchmark of batch prediction (``relgraph.predict.batch_predict``).

Measured in one run, on two graphs:

* F1 (``RELGRAPH_F1_DATA``, default ``../shared/data/f1``): a driver-dnf model trained for a
  moment (one epoch, capped iterations: throughput does not depend on how well it predicts),
  predicting for every row of the task's train, validation and test tables (about 12,700
  driver x anchor-time rows);
* the synthetic shop database of ``bench/graph.py`` (generated here, at ``--synthetic-scale``
  of its 10-million-row size), a "will this customer order in the next 30 days" model,
  predicting for every customer at the latest time in the data.

For each: predictions per second of the prediction step (sampling + model), with and without
embeddings, and end to end (model and graph loading, drift, the parquet write), side by side
with the model's own ``ModelBundle.predict`` on the same rows (what the MLflow pyfunc runs;
no embeddings, no output), as ratios. After one untimed warm-up, each of the three is run
``--repeats`` times in turn and its best run kept (the machine may be shared).

Usage::

    .venv/bin/python bench/predict.py [--synthetic-scale 0.02] [--device cpu] [--json out.json]
"""

import argparse
import importlib.util
import json
import logging
import math
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from relgraph.datasets import REL_F1_SPLIT, REL_F1_TASKS, relbench_view
from relgraph.graph import GraphArtifact, materialize
from relgraph.io import atomic_write_text, read_tables
from relgraph.predict import OutputConfig, batch_predict
from relgraph.schema import Schema, infer_schema
from relgraph.tasks import ANCHOR_TIME, PredictiveQuery, TemporalSplit
from relgraph.train import ModelBundle, TrainerConfig, train_model

REPO = Path(__file__).resolve().parents[1]
F1_DEFAULT = REPO.parent / "shared" / "data" / "f1"
SYNTHETIC_QUERY = "PREDICT COUNT(orders.*, 0, 30, days) > 0 FOR EACH customers.customer_id"
SYNTHETIC_SPLIT = TemporalSplit(
    validation_time="2023-07-01", test_time="2023-10-01", num_eval_anchors=2, max_train_anchors=3
)
SYNTHETIC_CUTOFF = "2023-10-01"
CONFIG = TrainerConfig(n_epochs=1, max_iters=5, patience=None)
"""The default architecture and sampling, trained for a moment: prediction cost depends on
the architecture, not on how long it trained."""


def _synthetic_generator() -> Any:
    """``_make_synthetic`` of bench/graph.py: the synthetic database of the graph benchmark."""
    spec = importlib.util.spec_from_file_location("bench_graph", REPO / "bench" / "graph.py")
    if spec is None or spec.loader is None:
        raise RuntimeError("cannot load bench/graph.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module._make_synthetic


def _train(
    work: Path,
    tables: dict[str, pa.Table],
    schema: Schema,
    task: Any,
    cutoff: str,
    config: TrainerConfig,
) -> tuple[Path, Path, pa.Table]:
    """Materializes the graph, trains a quick model; returns the graph, model and all task rows."""
    graph = work / "graph"
    start = time.perf_counter()
    materialize(tables, schema, graph, cutoff_time=cutoff)
    print(f"  graph materialized in {time.perf_counter() - start:.1f} s", flush=True)
    task.save(work / "task")
    start = time.perf_counter()
    out = train_model(
        graph,
        work / "task",
        output=work / "model",
        config=config,
        tracking_uri=f"sqlite:///{work / 'mlflow.db'}",
        experiment="bench-predict",
    )
    print(f"  model trained in {time.perf_counter() - start:.1f} s", flush=True)
    rows = pa.concat_tables(
        [
            t.select([task.source_entity_column, task.time_column]).rename_columns(
                [task.source_entity_column, ANCHOR_TIME]
            )
            for t in task.tables().values()
        ]
    )
    return graph, out.model_path, rows


def _measure(
    name: str,
    work: Path,
    graph: Path,
    model: Path,
    entities: pa.Table | None,
    batch_size: int,
    device: str,
    repeats: int,
) -> dict[str, float]:
    """batch_predict with and without embeddings, and the model's own predict, on the same
    rows, best of ``repeats``; figures keyed ``predict.<name>.*``."""
    bundle = ModelBundle.load(model)
    artifact = GraphArtifact.load(graph)

    def run(embeddings: bool, attempt: str) -> tuple[Any, float]:
        start = time.perf_counter()
        result = batch_predict(
            model,
            graph,
            output=OutputConfig.local(work / "out"),
            output_alias=f"bench_{int(embeddings)}_{attempt}",
            entities=entities,
            extract_embeddings=embeddings,
            batch_size=batch_size,
            device=device,
        )
        return result, time.perf_counter() - start

    warm, _ = run(False, "warm")  # untimed: page cache, allocator, thread pools
    rows = pq_rows(Path(warm.outputs["PREDICTIONS_bench_0_warm"]))
    best: dict[str, tuple[float, float]] = {}
    results = {}
    for attempt in range(repeats):
        for embeddings in (False, True):
            result, wall = run(embeddings, str(attempt))
            key = "embeddings" if embeddings else "plain"
            previous = best.get(key, (math.inf, math.inf))
            best[key] = (min(previous[0], result.seconds), min(previous[1], wall))
            results[key] = result
        start = time.perf_counter()
        bundle.predict(artifact, rows, batch_size=batch_size, device=device)
        own = time.perf_counter() - start
        best["bundle"] = (min(best.get("bundle", (math.inf,))[0], own), math.nan)
    n = float(rows.num_rows)
    p = f"predict.{name}"
    figures = {
        f"{p}.rows": n,
        f"{p}.rows_per_s": n / best["plain"][0],
        f"{p}.end_to_end.rows_per_s": n / best["plain"][1],
        f"{p}.embeddings.rows_per_s": n / best["embeddings"][0],
        f"{p}.embeddings.end_to_end.rows_per_s": n / best["embeddings"][1],
        f"{p}.bundle_predict.rows_per_s": n / best["bundle"][0],
        f"{p}.drift_psi": float(results["plain"].drift.get("psi", math.nan)),
    }
    figures[f"{p}.embeddings_over_plain.ratio"] = (
        figures[f"{p}.embeddings.rows_per_s"] / figures[f"{p}.rows_per_s"]
    )
    figures[f"{p}.over_bundle_predict.ratio"] = (
        figures[f"{p}.rows_per_s"] / figures[f"{p}.bundle_predict.rows_per_s"]
    )
    return figures


def pq_rows(path: Path) -> pa.Table:
    """The entity and anchor columns of a written predictions file."""
    table = pq.read_table(path)
    return table.select(table.column_names[:2])


def _report(figures: dict[str, float], names: list[str]) -> None:
    print()
    header = (
        f"{'graph':<10} {'rows':>9} {'predict rows/s':>15} {'+ embeddings':>13} "
        f"{'emb/plain':>10} {'end-to-end':>11} {'bundle.predict':>15} {'ours/bundle':>12}"
    )
    print(header)
    for name in names:
        p = f"predict.{name}"
        print(
            f"{name:<10} {figures[f'{p}.rows']:>9,.0f} {figures[f'{p}.rows_per_s']:>15,.0f} "
            f"{figures[f'{p}.embeddings.rows_per_s']:>13,.0f} "
            f"{figures[f'{p}.embeddings_over_plain.ratio']:>10.2f} "
            f"{figures[f'{p}.end_to_end.rows_per_s']:>11,.0f} "
            f"{figures[f'{p}.bundle_predict.rows_per_s']:>15,.0f} "
            f"{figures[f'{p}.over_bundle_predict.ratio']:>12.2f}"
        )
    print(
        "\nrows/s of the prediction step (sampling + model); end-to-end adds loading, drift "
        "and the write;\nbundle.predict is the model's own predict on the same rows (the pyfunc "
        "path), no embeddings, no output."
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--f1", type=Path, default=Path(os.environ.get("RELGRAPH_F1_DATA", F1_DEFAULT))
    )
    parser.add_argument(
        "--synthetic-scale",
        type=float,
        default=0.02,
        help="size of bench/graph.py's synthetic database (1.0 = 10.2 million rows)",
    )
    parser.add_argument("--batch-size", type=int, default=1024)
    parser.add_argument("--device", default="cpu", help="cpu, cuda or auto")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs of each; best kept")
    parser.add_argument("--json", type=Path, help="write the figures to this JSON file")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    config = CONFIG.replace(device=args.device)

    figures: dict[str, Any] = {
        "batch_size": args.batch_size,
        "device": args.device,
        "repeats": args.repeats,
    }
    names = []
    with tempfile.TemporaryDirectory(prefix="relgraph-bench-predict-") as tmp:
        work = Path(tmp)
        if (args.f1 / "races.csv").is_file():
            print("F1 driver-dnf:", flush=True)
            tables = relbench_view(read_tables(args.f1))
            schema = infer_schema(tables)
            task = PredictiveQuery(REL_F1_TASKS["driver-dnf"].query).to_task(
                "driver-dnf", schema, tables, REL_F1_SPLIT
            )
            graph, model, rows = _train(
                work / "f1", tables, schema, task, str(REL_F1_SPLIT.test_time)[:10], config
            )
            figures.update(
                _measure(
                    "f1",
                    work / "f1",
                    graph,
                    model,
                    rows,
                    args.batch_size,
                    args.device,
                    args.repeats,
                )
            )
            names.append("f1")
        else:
            print(f"F1 data not found at {args.f1}: F1 figures skipped")
        print(f"synthetic shop, scale {args.synthetic_scale}:", flush=True)
        data = work / "synthetic-data"
        start = time.perf_counter()
        made = _synthetic_generator()(data, args.synthetic_scale)
        print(f"  {made:,} rows generated in {time.perf_counter() - start:.1f} s", flush=True)
        tables = {p.stem: pq.read_table(p) for p in sorted(data.glob("*.parquet"))}
        schema = Schema.load(data / "schema.json")
        task = PredictiveQuery(SYNTHETIC_QUERY).to_task(
            "customer-orders", schema, tables, SYNTHETIC_SPLIT
        )
        graph, model, _ = _train(work / "synthetic", tables, schema, task, SYNTHETIC_CUTOFF, config)
        figures["predict.synthetic.graph_rows"] = float(made)
        figures.update(
            _measure(
                "synthetic",
                work / "synthetic",
                graph,
                model,
                None,
                args.batch_size,
                args.device,
                args.repeats,
            )
        )
        names.append("synthetic")
    _report(figures, names)
    if args.json is not None:
        clean = {k: v for k, v in figures.items() if not (isinstance(v, float) and math.isnan(v))}
        atomic_write_text(args.json, json.dumps(clean, indent=2, sort_keys=True) + "\n")
        print(f"figures written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
