"""Benchmark of link prediction on the F1 database: two-tower and ID-GNN beside popularity.

The task is the link query of ``docs/predictive_queries.md``, the circuits each driver will
race at in the next year, ranked top 10::

    PREDICT LIST_DISTINCT(results.raceId.circuitId, 0, 365, days) RANK TOP 10
    FOR EACH drivers.driverId

with RelBench's rel-f1 split (validation 2005-01-01, test 2010-01-01; 2,649 / 127 / 326 rows).
The graph is materialized with encoders fitted up to the test timestamp. Measured in one run,
all through the same MAP@10 (``relgraph.train.metrics``):

* ``popularity``: the 10 circuits most often in the training labels;
* ``popularity_recent``: the 10 most often in the latest training window (the year before
  the validation timestamp): the calendar most recently seen;
* ``two_tower`` (static target tower: features + shallow embedding), ``two_tower_temporal``
  (target tower over each circuit's own last races at the anchor time) and ``idgnn``
  (``relgraph.train.link_trainer.LinkTrainer``), each with the configuration below, early-stopped on validation MAP@10, with wall time per fit and per
  epoch; mean and standard deviation over ``--seeds`` seeds.

Usage::

    .venv/bin/python bench/rel_f1_link.py [--json figures.json] [--seeds 1] [--threads 1]
"""

import argparse
import json
import logging
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import torch

from relgraph.datasets import REL_F1_SPLIT
from relgraph.graph import materialize
from relgraph.io import read_tables
from relgraph.schema import infer_schema
from relgraph.tasks import PredictiveQuery
from relgraph.train.config import TrainerConfig
from relgraph.train.link_data import LinkExamples
from relgraph.train.link_popularity import popularity_predictions
from relgraph.train.link_trainer import LinkTrainer
from relgraph.train.metrics import map_at_k

REPO = Path(__file__).resolve().parents[1]
F1_DEFAULT = Path(os.environ.get("RELGRAPH_F1_DATA", REPO.parent / "shared" / "data" / "f1"))
TASK = "driver-circuit"
QUERY = (
    "PREDICT LIST_DISTINCT(results.raceId.circuitId, 0, 365, days) RANK TOP 10 "
    "FOR EACH drivers.driverId"
)
PLAN = REL_F1_SPLIT
K = 10
COMMON = {
    "device": "cpu",
    "channels": 64,
    "train_batch_size": 128,
    "val_batch_size": 256,
    "lr": 0.005,
    "n_epochs": 8,
    "patience": 3,
    "dropout": 0.1,
}
CONFIGS = {
    # drivers <- results/qualifying/... <- races <- circuits: circuits are 3 hops away.
    "idgnn": {**COMMON, "gnn_layers": 3, "fanouts": (16, 1, 1)},
    "two_tower": {**COMMON, "gnn_layers": 2, "fanouts": (16, 8), "num_negative": 10},
}
MODELS = {
    # name: (LinkTrainer model, TrainerConfig fields, LinkTrainer target_fanouts)
    "two_tower": ("two_tower", CONFIGS["two_tower"], None),
    # Each circuit's own last 8 races at the row's anchor time: is it still on the calendar?
    "two_tower_temporal": ("two_tower", CONFIGS["two_tower"], (8,)),
    "idgnn": ("idgnn", CONFIGS["idgnn"], None),
}
SPLITS = ("validation", "test")


def prepare(folder: Path, graph_dir: Path) -> tuple[Any, dict[str, LinkExamples], dict[str, float]]:
    """Builds the task tables and the graph; returns the store, the examples and timings."""
    started = time.perf_counter()
    tables = read_tables(folder)
    schema = infer_schema(tables)
    task = PredictiveQuery(QUERY).to_task(TASK, schema, tables, PLAN)
    task_s = time.perf_counter() - started
    started = time.perf_counter()
    artifact = materialize(tables, schema, graph_dir, cutoff_time=PLAN.test_time)
    graph_s = time.perf_counter() - started
    examples = {
        split: LinkExamples.from_task(task, split, artifact.id_maps) for split in ("train", *SPLITS)
    }
    return artifact.store, examples, {"task_s": task_s, "graph_s": graph_s}


def run(folder: Path, seeds: int, threads: int) -> dict[str, float]:
    """Runs every model; returns the figures keyed ``driver-circuit.<split>.map_at_10.<model>``."""
    torch.set_num_threads(threads)
    with tempfile.TemporaryDirectory() as tmp:
        store, examples, timings = prepare(folder, Path(tmp) / "graph")
        return measure(store, examples, timings, seeds, threads)


def measure(
    store: Any,
    examples: dict[str, LinkExamples],
    timings: dict[str, float],
    seeds: int,
    threads: int,
) -> dict[str, float]:
    """Scores the baselines and trains the models."""
    figures: dict[str, float] = {}
    figures.update({f"{TASK}.prepare.{k}": v for k, v in timings.items()})
    figures.update({f"{TASK}.rows.{s}": float(len(e)) for s, e in examples.items()})
    for name, latest in (("popularity", False), ("popularity_recent", True)):
        started = time.perf_counter()
        for split in SPLITS:
            ranked = popularity_predictions(
                examples["train"], examples[split], K, latest_only=latest
            )
            figures[f"{TASK}.{split}.map_at_{K}.{name}"] = map_at_k(
                examples[split].target_lists(), ranked
            )
        figures[f"{TASK}.wall_s.{name}"] = time.perf_counter() - started
    for model, (kind, overrides, target_fanouts) in MODELS.items():
        scores: dict[str, list[float]] = {split: [] for split in SPLITS}
        walls, epochs, best = [], [], []
        for seed in range(seeds):
            config = TrainerConfig(**overrides, seed=42 + seed, num_threads=threads)
            started = time.perf_counter()
            trainer = LinkTrainer(config, model=kind, k=K, target_fanouts=target_fanouts)
            result = trainer.fit(store, examples["train"], examples["validation"])
            for split in SPLITS:
                scores[split].append(trainer.evaluate(examples[split])[f"map@{K}"])
            walls.append(time.perf_counter() - started)
            epochs.extend(h.seconds for h in result.history)
            best.append(result.best_epoch)
        for split in SPLITS:
            figures[f"{TASK}.{split}.map_at_{K}.{model}"] = statistics.fmean(scores[split])
            figures[f"{TASK}.{split}.map_at_{K}_std.{model}"] = (
                statistics.stdev(scores[split]) if seeds > 1 else 0.0
            )
        figures[f"{TASK}.wall_s.{model}"] = statistics.fmean(walls)
        figures[f"{TASK}.epoch_s.{model}"] = statistics.fmean(epochs)
        figures[f"{TASK}.best_epoch.{model}"] = statistics.fmean(best)
    for model in MODELS:
        for baseline in ("popularity", "popularity_recent"):
            figures[f"{TASK}.test.map_at_{K}_ratio.{model}_vs_{baseline}"] = (
                figures[f"{TASK}.test.map_at_{K}.{model}"]
                / figures[f"{TASK}.test.map_at_{K}.{baseline}"]
            )
    return figures


def report(figures: dict[str, float], seeds: int) -> str:
    """The side-by-side table."""
    lines = [
        f"{TASK}: {QUERY}",
        f"rows train/validation/test: {figures[f'{TASK}.rows.train']:.0f} / "
        f"{figures[f'{TASK}.rows.validation']:.0f} / {figures[f'{TASK}.rows.test']:.0f}; "
        f"task tables {figures[f'{TASK}.prepare.task_s']:.1f} s, graph "
        f"{figures[f'{TASK}.prepare.graph_s']:.1f} s",
        f"{'model':<20}{'val MAP@10':>12}{'test MAP@10':>13}{'x popularity':>14}"
        f"{'x recent':>10}{'wall s':>9}{'epoch s':>9}",
    ]
    for model in ("popularity", "popularity_recent", *MODELS):
        val = figures[f"{TASK}.validation.map_at_{K}.{model}"]
        test = figures[f"{TASK}.test.map_at_{K}.{model}"]
        std = figures.get(f"{TASK}.test.map_at_{K}_std.{model}")
        epoch = figures.get(f"{TASK}.epoch_s.{model}")
        test_text = f"{test:.4f}" if not std else f"{test:.4f}±{std:.3f}"
        lines.append(
            f"{model:<20}{val:>12.4f}{test_text:>13}"
            f"{test / figures[f'{TASK}.test.map_at_{K}.popularity']:>14.2f}"
            f"{test / figures[f'{TASK}.test.map_at_{K}.popularity_recent']:>10.2f}"
            f"{figures[f'{TASK}.wall_s.{model}']:>9.1f}"
            f"{'' if epoch is None else f'{epoch:.1f}':>9}"
        )
    lines.append(f"(models: mean over {seeds} seed(s); CPU, torch threads as given)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=F1_DEFAULT, help="the F1 CSV folder")
    parser.add_argument("--json", type=Path, default=None, help="write the figures here")
    parser.add_argument("--seeds", type=int, default=1, help="training seeds per model")
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    args = parser.parse_args(argv)
    if not (args.data / "results.csv").is_file():
        parser.error(f"no F1 data in {args.data} (set --data or RELGRAPH_F1_DATA)")
    logging.basicConfig(level=logging.WARNING)
    figures = run(args.data, args.seeds, args.threads)
    sys.stdout.write(report(figures, args.seeds) + "\n")
    if args.json is not None:
        tmp = args.json.with_name(args.json.name + ".tmp")
        tmp.write_text(json.dumps(figures, indent=2, sort_keys=True))
        os.replace(tmp, args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
