"""The F1 link query end to end: task tables -> graph -> ID-GNN -> ranked circuit keys."""

from pathlib import Path

import numpy as np
import pyarrow.compute as pc
import pytest

from relgraph.datasets import REL_F1_SPLIT
from relgraph.graph import materialize
from relgraph.io import read_tables
from relgraph.schema import infer_schema
from relgraph.tasks import PredictiveQuery
from relgraph.train.config import TrainerConfig
from relgraph.train.link_data import LinkExamples
from relgraph.train.link_trainer import LinkTrainer

QUERY = (
    "PREDICT LIST_DISTINCT(results.raceId.circuitId, 0, 365, days) RANK TOP 10 "
    "FOR EACH drivers.driverId"
)
PLAN = REL_F1_SPLIT


def test_f1_driver_circuit_ranks_real_circuits(f1_dir: Path, tmp_path: Path) -> None:
    tables = read_tables(f1_dir)
    schema = infer_schema(tables)
    task = PredictiveQuery(QUERY).to_task("driver-circuit", schema, tables, PLAN)
    artifact = materialize(tables, schema, tmp_path / "graph", cutoff_time=PLAN.test_time)
    examples = {
        split: LinkExamples.from_task(task, split, artifact.id_maps)
        for split in ("train", "validation", "test")
    }
    assert {s: len(e) for s, e in examples.items()} == {
        "train": 2649,
        "validation": 127,
        "test": 326,
    }
    label_count = pc.sum(pc.list_value_length(task.table("test")["circuitId"])).as_py()
    assert examples["test"].targets.size == label_count
    config = TrainerConfig(
        device="cpu",
        n_epochs=1,
        max_iters=3,
        gnn_layers=3,
        fanouts=(4, 1, 1),
        channels=16,
        train_batch_size=64,
        num_threads=1,
    )
    trainer = LinkTrainer(config, model="idgnn", k=10)
    result = trainer.fit(artifact.store, examples["train"], examples["validation"])
    assert result.history[0].steps == 3
    ranked = trainer.predict(examples["test"])
    assert ranked.shape == (326, 10)
    keys = np.asarray(artifact.id_maps.keys("circuits", ranked.ravel()).to_pylist())
    assert set(keys) <= set(tables["circuits"]["circuitId"].to_pylist())
    assert 0.0 < trainer.evaluate(examples["test"])["map@10"] <= 1.0
    with pytest.raises(ValueError, match="'circuits' is 3 hops from 'drivers'"):
        LinkTrainer(config.replace(gnn_layers=2, fanouts=(4, 1)), model="idgnn").fit(
            artifact.store, examples["train"]
        )
