"""Benchmark of graph materialization and temporal neighbor sampling.

Measured in one run:

1. Materialization speed (rows/s) of the F1 database and of a synthetic database of about
   10 million rows (generated here into a temporary folder, never committed), each in a
   subprocess whose peak RSS is read with ``resource.getrusage(RUSAGE_CHILDREN)`` and set
   against the encoded size of the artifact it wrote.
2. Side by side on the F1 races/results/drivers/circuits tables: relgraph's ``materialize``
   against RelBench's reference ``relbench.modeling.graph.make_pkey_fkey_graph``, both in the
   same process of a separate benchmark environment (``bench/.venv-relbench``, created on first
   use: ``torch==2.13.0`` first, then the project's dependencies, then ``relbench==3.0.2``
   without its dependencies; relbench is never a project dependency). Both sides use the same
   hashing text embedder. RelBench is given its expected input, prepared untimed: primary keys
   reindexed to 0..n-1, foreign keys mapped to them, datetimes parsed.
3. Sampler throughput (``relgraph.graph.sampler``) on both graphs: seeds/s, sampled edges/s
   and the Python-overhead share (the time of a one-seed batch over that of a full batch).

Usage::

    .venv/bin/python bench/graph.py [--json figures.json] [--synthetic-scale 1.0]
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
RELBENCH_VENV = REPO / "bench" / ".venv-relbench"
RELBENCH_VERSION = "3.0.2"
F1_DEFAULT = REPO.parent / "shared" / "data" / "f1"
# REL_F1_SPLIT.test_time, as a literal: this module imports no relgraph at the top, so the
# parent process stays small while its subprocesses are measured.
F1_CUTOFF = "2010-01-01"
F1_RELBENCH_TABLES = ("races", "results", "drivers", "circuits")
SYNTHETIC_CUTOFF = "2022-01-01"
TEXT_EMBEDDER = "hashing:64"
SAMPLER_FANOUTS = [128, 64]
SAMPLER_BATCH = 512


# == worker side (runs in subprocesses) ========================================================


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _read_f1(folder: Path) -> dict:
    from relgraph.io import read_tables

    return read_tables(folder)


def _worker_materialize(args: argparse.Namespace) -> dict[str, Any]:
    import pyarrow.parquet as pq

    from relgraph.graph import materialize
    from relgraph.schema import Schema, infer_schema

    baseline = _rss_mb()
    start = time.perf_counter()
    if args.source == "f1":
        tables = _read_f1(Path(args.data))
        schema = infer_schema(tables)
        cutoff = F1_CUTOFF
    else:
        tables = {p.stem: pq.read_table(p) for p in sorted(Path(args.data).glob("*.parquet"))}
        schema = Schema.load(Path(args.data) / "schema.json")
        cutoff = SYNTHETIC_CUTOFF
    read_s = time.perf_counter() - start
    rows = sum(t.num_rows for t in tables.values())
    input_mb = sum(t.nbytes for t in tables.values()) / 2**20
    times = []
    for i in range(args.repeats):
        dest = Path(args.dest) / f"run{i}"
        start = time.perf_counter()
        artifact = materialize(
            tables, schema, dest, cutoff_time=cutoff, text_embedder=TEXT_EMBEDDER
        )
        times.append(time.perf_counter() - start)
    counts = artifact.manifest["counts"]
    return {
        "rows": rows,
        "tables": len(tables),
        "read_s": read_s,
        "seconds": min(times),
        "rows_per_s": rows / min(times),
        "nodes": counts["nodes"],
        "edges": counts["edges"],
        "encoded_mb": counts["encoded_bytes"] / 2**20,
        "input_mb": input_mb,
        "baseline_rss_mb": baseline,
        "artifact": str(dest),
    }


def _worker_sample(args: argparse.Namespace) -> dict[str, Any]:
    import numpy as np

    from relgraph.graph import NEVER, GraphArtifact

    # ---- sampler section: measured by relgraph.graph.sampler (owned by the sampler's author) ---
    try:
        from relgraph.graph.sampler import TemporalNeighborSampler
    except ImportError as exc:
        return {"status": f"sampler not available ({exc})"}
    store = GraphArtifact.load(args.artifact).store
    sampler = TemporalNeighborSampler(store, fanouts=SAMPLER_FANOUTS, strategy="uniform")
    times = store.node_time[args.time_from]
    times = times[times != NEVER]
    rng = np.random.default_rng(0)
    lo, hi = np.quantile(times, [0.5, 1.0]).astype(np.int64)

    def batch(size: int) -> tuple[np.ndarray, np.ndarray]:
        seeds = rng.integers(0, store.num_nodes[args.seed_type], size)
        return seeds, rng.integers(lo, hi, size)

    sampler.sample_indices(args.seed_type, *batch(SAMPLER_BATCH))  # warm-up
    num_seeds = num_edges = 0
    elapsed = 0.0
    batches = 0
    while elapsed < args.seconds and batches < 200:
        seeds, seed_time = batch(SAMPLER_BATCH)
        start = time.perf_counter()
        out = sampler.sample_indices(args.seed_type, seeds, seed_time, batch_id=batches)
        elapsed += time.perf_counter() - start
        num_seeds += len(seeds)
        num_edges += out.num_sampled_edges
        batches += 1
    singles = []
    for i in range(30):
        seeds, seed_time = batch(1)
        start = time.perf_counter()
        sampler.sample_indices(args.seed_type, seeds, seed_time, batch_id=i)
        singles.append(time.perf_counter() - start)
    per_batch = elapsed / batches
    return {
        "status": "ok",
        "seed_type": args.seed_type,
        "batch_size": SAMPLER_BATCH,
        "batches": batches,
        "seeds_per_s": num_seeds / elapsed,
        "edges_per_s": num_edges / elapsed,
        "edges_per_seed": num_edges / num_seeds,
        "ms_per_batch": per_batch * 1000,
        "python_overhead_share": float(np.median(singles)) / per_batch,
    }
    # ---- end of sampler section ----------------------------------------------------------------


def _worker_compare(args: argparse.Namespace) -> dict[str, Any]:
    """Runs in the RelBench environment: both materializations in one process."""
    import copy

    import numpy as np
    import pandas as pd
    import pyarrow as pa
    import torch
    from relbench.base import Database
    from relbench.base import Table as RelBenchTable
    from relbench.modeling.graph import make_pkey_fkey_graph
    from torch_frame.config import TextEmbedderConfig

    from relgraph.graph import HashingTextEmbedder, materialize
    from relgraph.graph.encoder_state import STYPE_OF_DTYPE
    from relgraph.schema import infer_schema, row_times, to_timestamps

    all_tables = _read_f1(Path(args.data))
    schema = infer_schema(all_tables)
    for name in [n for n in schema.table_names if n not in F1_RELBENCH_TABLES]:
        schema.remove_table(name)
    tables = {name: all_tables[name] for name in F1_RELBENCH_TABLES}
    embedder = HashingTextEmbedder(dim=64)

    # RelBench's expected input, prepared untimed.
    key_index = {
        t.name: pd.Series(np.arange(tables[t.name].num_rows), index=tables[t.name][t.primary_key])
        for t in schema
    }
    db_tables, col_to_stype = {}, {}
    for table in schema:
        arrow = tables[table.name]
        frame = {}
        for column in table.columns:
            if column.dtype.value == "datetime":
                tod = arrow[column.time_of_day] if column.time_of_day else None
                frame[column.name] = to_timestamps(arrow[column.name], column, tod).to_pandas()
            else:
                frame[column.name] = arrow[column.name].to_pandas()
        df = pd.DataFrame(frame)
        df[table.primary_key] = np.arange(len(df))
        for fk in table.foreign_keys:
            df[fk.column] = df[fk.column].map(key_index[fk.table]).astype("Int64")
        time_col = None
        if table.time_column is not None:
            time_col = table.time_column
        elif table.inherit_time_from is not None:
            time_col = "__time__"
            df[time_col] = row_times(schema, tables, table.name).to_pandas()
        db_tables[table.name] = RelBenchTable(
            df=df,
            fkey_col_to_pkey_table={fk.column: fk.table for fk in table.foreign_keys},
            pkey_col=table.primary_key,
            time_col=time_col,
        )
        col_to_stype[table.name] = {c.name: STYPE_OF_DTYPE[c.dtype] for c in table.feature_columns}
    db = Database(db_tables)
    text_cfg = TextEmbedderConfig(
        # torch_frame hands over a list with NaN for missing texts; from_pandas reads them as null.
        text_embedder=lambda texts: torch.from_numpy(
            embedder.embed(pa.array(texts, pa.string(), from_pandas=True))
        ),
        batch_size=None,
    )

    relbench_s, relgraph_s = [], []
    for i in range(args.repeats):
        start = time.perf_counter()
        data, _ = make_pkey_fkey_graph(db, copy.deepcopy(col_to_stype), text_cfg)
        relbench_s.append(time.perf_counter() - start)
        start = time.perf_counter()
        artifact = materialize(tables, schema, Path(args.dest) / f"run{i}", text_embedder=embedder)
        relgraph_s.append(time.perf_counter() - start)
    relbench_edges = {et: int(data[et].edge_index.shape[1]) for et in data.edge_types}
    relgraph_edges = {et: csr.num_edges for et, csr in artifact.store.edges.items()}
    rows = sum(t.num_rows for t in tables.values())
    return {
        "tables": list(F1_RELBENCH_TABLES),
        "rows": rows,
        "relbench_s": min(relbench_s),
        "relgraph_s": min(relgraph_s),
        "speedup": min(relbench_s) / min(relgraph_s),
        "same_edges": {str(k): v for k, v in relbench_edges.items()}
        == {str(k): v for k, v in relgraph_edges.items()},
        "edges": sum(relgraph_edges.values()),
    }


# == parent side ===============================================================================


def _worker_measure(args: argparse.Namespace) -> dict[str, Any]:
    """Runs one worker as this small process's only child and reads its peak RSS.

    ``RUSAGE_CHILDREN`` holds the high-water mark of the largest waited-for child, so a fresh
    parent per measurement gives exactly that worker's peak; and as Linux carries a process's
    peak RSS across ``exec``, the parents stay small (they import nothing heavy).
    """
    inner = json.loads(args.inner)
    proc = subprocess.run(
        [inner["python"], str(Path(__file__).resolve()), "--worker", *inner["args"]],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO / "sdk")},
        check=False,
    )
    if proc.returncode != 0:
        return {"error": proc.stderr[-4000:]}
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return result


def _run_worker(mode: str, extra: list[str], *, python: str = sys.executable) -> dict[str, Any]:
    inner = json.dumps({"python": python, "args": [mode, *extra]})
    proc = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--worker", "measure", "--inner", inner],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"worker {mode} failed:\n{proc.stderr[-4000:]}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    if "error" in result:
        raise RuntimeError(f"worker {mode} failed:\n{result['error']}")
    return result


def _worker_generate(args: argparse.Namespace) -> dict[str, Any]:
    start = time.perf_counter()
    rows = _make_synthetic(Path(args.data), args.scale)
    return {"rows": rows, "seconds": time.perf_counter() - start}


def _make_synthetic(folder: Path, scale: float) -> int:
    """Writes a synthetic database as parquet files plus its schema; returns the row count."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    from relgraph.schema import Column, Schema, Table

    rng = np.random.default_rng(7)
    n_cust, n_prod = int(1_000_000 * scale), int(200_000 * scale)
    n_ord, n_rev = int(8_000_000 * scale), int(1_000_000 * scale)
    start = np.datetime64("2019-01-01T00:00:00", "s").astype(np.int64)
    span = 5 * 365 * 86_400

    def nullify(values: np.ndarray, share: float) -> pa.Array:
        return pa.array(values, mask=rng.random(len(values)) < share)

    customers = pa.table(
        {
            "customer_id": np.arange(1, n_cust + 1, dtype=np.int64),
            "age": nullify(rng.integers(18, 90, n_cust), 0.05),
            "country": pa.array(np.char.add("C", rng.integers(0, 60, n_cust).astype(str))),
            "segment": pa.array(np.array(["a", "b", "c", "d", "e"])[rng.integers(0, 5, n_cust)]),
            "signup": pa.array(start - rng.integers(0, span, n_cust), pa.timestamp("s")),
        }
    )
    words = np.array([f"w{i}" for i in range(500)])
    titles = np.char.add(
        np.char.add(words[rng.integers(0, 500, 3000)], " "), words[rng.integers(0, 500, 3000)]
    )
    tags = np.array([f"t{i}" for i in range(20)])
    product_ids = pa.array([f"P{i:07d}" for i in rng.permutation(n_prod)])
    products = pa.table(
        {
            "product_id": product_ids,
            "category": pa.array(np.char.add("K", rng.integers(0, 100, n_prod).astype(str))),
            "price": rng.lognormal(3, 1, n_prod),
            "title": pa.array(titles[rng.integers(0, len(titles), n_prod)]),
            "tags": pa.array(
                np.char.add(
                    np.char.add(tags[rng.integers(0, 20, n_prod)], "|"),
                    tags[rng.integers(0, 20, n_prod)],
                )
            ),
        }
    )
    popular = np.minimum((rng.pareto(1.5, n_ord) * n_cust / 50).astype(np.int64), n_cust - 1)
    bought = product_ids.take(pa.array(rng.integers(0, n_prod, n_ord)))
    dangling = pa.array(rng.random(n_ord) < 0.001)
    orders = pa.table(
        {
            "order_id": np.arange(1, n_ord + 1, dtype=np.int64),
            "customer_id": rng.permutation(n_cust)[popular] + 1,
            "product_id": pc.if_else(dangling, pa.scalar("P-missing"), bought),
            "ordered_at": pa.array(start + rng.integers(0, span, n_ord), pa.timestamp("s")),
            "quantity": rng.integers(1, 10, n_ord),
            "amount": rng.gamma(2.0, 30.0, n_ord),
            "channel": pa.array(
                np.array(["web", "app", "store", "phone"])[rng.integers(0, 4, n_ord)]
            ),
        }
    )
    reviews = pa.table(
        {
            "order_id": rng.integers(1, n_ord + 1, n_rev),
            "rating": nullify(rng.integers(1, 6, n_rev), 0.1),
        }
    )
    folder.mkdir(parents=True, exist_ok=True)
    data = {"customers": customers, "products": products, "orders": orders, "reviews": reviews}
    for name, table in data.items():
        pq.write_table(table, folder / f"{name}.parquet")

    cust = Table(
        "customers",
        [
            Column("customer_id", "integer"),
            Column("age", "integer"),
            Column("country", "category"),
            Column("segment", "category"),
            Column("signup", "datetime"),
        ],
        primary_key="customer_id",
    )
    prod = Table(
        "products",
        [
            Column("product_id", "text"),
            Column("category", "category"),
            Column("price", "float"),
            Column("title", "text"),
            Column("tags", "multi_categorical"),
        ],
        primary_key="product_id",
    )
    order = Table(
        "orders",
        [
            Column("order_id", "integer"),
            Column("customer_id", "integer"),
            Column("product_id", "text"),
            Column("ordered_at", "datetime"),
            Column("quantity", "integer"),
            Column("amount", "float"),
            Column("channel", "category"),
        ],
        primary_key="order_id",
        time_column="ordered_at",
    )
    order.add_foreign_key("customer_id", "customers.customer_id")
    order.add_foreign_key("product_id", "products.product_id")
    review = Table("reviews", [Column("order_id", "integer"), Column("rating", "integer")])
    review.add_foreign_key("order_id", "orders.order_id")
    review.set_inherit_time_from("order_id")
    Schema(tables=[cust, prod, order, review]).save(folder / "schema.json")
    return sum(t.num_rows for t in data.values())


def _relbench_python() -> tuple[str | None, str]:
    """The benchmark environment's interpreter, created on first use, or why there is none."""
    python = RELBENCH_VENV / "bin" / "python"
    marker = RELBENCH_VENV / f".relbench-{RELBENCH_VERSION}-ready"
    if marker.is_file():
        return str(python), "ok"
    dependencies = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]
    steps = [
        [sys.executable, "-m", "venv", str(RELBENCH_VENV)],
        [str(python), "-m", "pip", "install", "-q", "torch==2.13.0"],
        [str(python), "-m", "pip", "install", "-q", *dependencies],
        [str(python), "-m", "pip", "install", "-q", "--no-deps", f"relbench=={RELBENCH_VERSION}"],
    ]
    for step in steps:
        proc = subprocess.run(step, capture_output=True, text=True, check=False, timeout=1800)
        if proc.returncode != 0:
            return None, f"setting up {RELBENCH_VENV} failed at {' '.join(step[-3:])}: " + (
                proc.stderr.strip().splitlines() or ["?"]
            )[-1]
    marker.write_text("ok\n")
    return str(python), "ok"


def _fmt(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.3g}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, help="write the figures to this JSON file")
    parser.add_argument(
        "--f1", type=Path, default=Path(os.environ.get("RELGRAPH_F1_DATA", F1_DEFAULT))
    )
    parser.add_argument(
        "--synthetic-scale",
        type=float,
        default=1.0,
        help="size of the synthetic database; 1.0 = 10.2 million rows",
    )
    parser.add_argument("--skip-relbench", action="store_true")
    parser.add_argument("--sampler-seconds", type=float, default=5.0)
    parser.add_argument(
        "--worker",
        choices=["measure", "generate", "materialize", "sample", "compare"],
        help=argparse.SUPPRESS,
    )
    parser.add_argument("--inner", help=argparse.SUPPRESS)
    parser.add_argument("--scale", type=float, default=1.0, help=argparse.SUPPRESS)
    parser.add_argument("--source", help=argparse.SUPPRESS)
    parser.add_argument("--data", help=argparse.SUPPRESS)
    parser.add_argument("--dest", help=argparse.SUPPRESS)
    parser.add_argument("--repeats", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--artifact", help=argparse.SUPPRESS)
    parser.add_argument("--seed-type", help=argparse.SUPPRESS)
    parser.add_argument("--time-from", help=argparse.SUPPRESS)
    parser.add_argument("--seconds", type=float, default=5.0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker:
        worker = {
            "measure": _worker_measure,
            "generate": _worker_generate,
            "materialize": _worker_materialize,
            "sample": _worker_sample,
            "compare": _worker_compare,
        }[args.worker]
        print(json.dumps(worker(args)))
        return 0

    figures: dict[str, Any] = {}
    notes: list[str] = []
    with tempfile.TemporaryDirectory(prefix="relgraph-bench-") as tmp:
        work = Path(tmp)
        runs: dict[str, dict[str, Any]] = {}
        if (args.f1 / "races.csv").is_file():
            runs["f1"] = _run_worker(
                "materialize",
                [
                    "--source",
                    "f1",
                    "--data",
                    str(args.f1),
                    "--dest",
                    str(work / "f1"),
                    "--repeats",
                    "3",
                ],
            )
        else:
            notes.append(f"F1 data not found at {args.f1}: F1 figures skipped")
        made = _run_worker(
            "generate",
            ["--data", str(work / "synthetic-data"), "--scale", str(args.synthetic_scale)],
        )
        print(f"generated a synthetic database of {made['rows']:,} rows in {made['seconds']:.1f}s")
        runs["synthetic"] = _run_worker(
            "materialize",
            [
                "--source",
                "parquet",
                "--data",
                str(work / "synthetic-data"),
                "--dest",
                str(work / "synthetic"),
            ],
        )
        for name, run in runs.items():
            key = f"graph.materialize.{name}"
            figures[f"{key}.rows"] = run["rows"]
            figures[f"{key}.seconds"] = run["seconds"]
            figures[f"{key}.rows_per_s"] = run["rows_per_s"]
            figures[f"{key}.edges"] = run["edges"]
            figures[f"{key}.encoded_mb"] = run["encoded_mb"]
            figures[f"{key}.input_arrow_mb"] = run["input_mb"]
            figures[f"{key}.peak_rss_mb"] = run["peak_rss_mb"]
            figures[f"{key}.baseline_rss_mb"] = run["baseline_rss_mb"]
            figures[f"{key}.peak_rss_over_encoded"] = run["peak_rss_mb"] / run["encoded_mb"]
            figures[f"{key}.peak_rss_above_baseline_over_encoded"] = (
                run["peak_rss_mb"] - run["baseline_rss_mb"]
            ) / run["encoded_mb"]

        # -- relgraph vs RelBench on F1 ---------------------------------------------------------
        if args.skip_relbench:
            notes.append("RelBench comparison skipped (--skip-relbench)")
        elif "f1" not in runs:
            notes.append("RelBench comparison needs the F1 data")
        else:
            python, status = _relbench_python()
            if python is None:
                notes.append(f"RelBench comparison not run: {status}")
                figures["graph.materialize.vs_relbench.status"] = status
            else:
                try:
                    cmp = _run_worker(
                        "compare",
                        ["--data", str(args.f1), "--dest", str(work / "compare"), "--repeats", "3"],
                        python=python,
                    )
                    figures["graph.materialize.vs_relbench.rows"] = cmp["rows"]
                    figures["graph.materialize.vs_relbench.relgraph_s"] = cmp["relgraph_s"]
                    figures["graph.materialize.vs_relbench.relbench_s"] = cmp["relbench_s"]
                    figures["graph.materialize.vs_relbench.speedup"] = cmp["speedup"]
                    figures["graph.materialize.vs_relbench.same_edge_counts"] = cmp["same_edges"]
                except RuntimeError as exc:
                    notes.append(f"RelBench comparison failed: {str(exc)[-600:]}")
                    figures["graph.materialize.vs_relbench.status"] = "failed"

        # -- sampler throughput (relgraph.graph.sampler) ----------------------------------------
        seeds = {"f1": ("drivers", "races"), "synthetic": ("customers", "orders")}
        for name, run in runs.items():
            seed_type, time_from = seeds[name]
            result = _run_worker(
                "sample",
                [
                    "--artifact",
                    run["artifact"],
                    "--seed-type",
                    seed_type,
                    "--time-from",
                    time_from,
                    "--seconds",
                    str(args.sampler_seconds),
                ],
            )
            if result["status"] != "ok":
                notes.append(f"sampler ({name}): {result['status']}")
                figures[f"sampler.{name}.status"] = result["status"]
                continue
            for field in (
                "seeds_per_s",
                "edges_per_s",
                "edges_per_seed",
                "ms_per_batch",
                "python_overhead_share",
            ):
                figures[f"sampler.{name}.{field}"] = result[field]

    _report(figures, notes)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2, sort_keys=True) + "\n")
    return 0


def _report(figures: dict[str, Any], notes: list[str]) -> None:
    print("\nGraph benchmark")
    width = max(len(k) for k in figures) if figures else 10
    for key in sorted(figures):
        value = figures[key]
        shown = (
            _fmt(value) if isinstance(value, float | int) and not isinstance(value, bool) else value
        )
        print(f"  {key:<{width}}  {shown}")
    if "graph.materialize.vs_relbench.speedup" in figures:
        rg = figures["graph.materialize.vs_relbench.relgraph_s"]
        rb = figures["graph.materialize.vs_relbench.relbench_s"]
        print("\nSide by side, F1 races/results/drivers/circuits (same hashing text embedder):")
        print(f"  {'relgraph materialize':<40} {rg:8.3f} s")
        print(f"  {'relbench make_pkey_fkey_graph':<40} {rb:8.3f} s")
        print(f"  {'speedup (relbench / relgraph)':<40} {rb / rg:8.2f} x   (target >= 2x)")
    for note in notes:
        print(f"note: {note}")


if __name__ == "__main__":
    sys.exit(main())
