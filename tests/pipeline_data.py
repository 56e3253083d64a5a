"""Small inputs shared by the pipeline-step, component and pipeline tests: the generated demo
shop as a snapshot, its schema artifact, a churn task and tiny trainer settings."""

from pathlib import Path

from relgraph.datasets import generate_shop, shop_tables
from relgraph.io import Snapshot
from relgraph.schema.artifact import build_schema_artifact

CHURN_QUERY = (
    "PREDICT COUNT(orders.*, 0, 90, days) = 0 "
    "FOR EACH customers.customer_id WHERE COUNT(orders.*, -90, 0, days) > 0"
)
"""Will an active customer (an order in the past 90 days) place no order in the next 90?"""

SHOP_SCALE = 0.02
"""100 customers, ~900 orders, ~2,200 order items."""

TINY_TRAINER_CONFIG = {
    "channels": 8,
    "n_epochs": 1,
    "fanouts": [4, 2],
    "num_threads": 1,
    "train_batch_size": 64,
    "device": "cpu",
    "amp": False,
    "seed": 0,
}
"""A TrainerConfig that trains in a second or two on the tiny shop."""


def shop_folder(dest: Path, *, seed: int = 0) -> Path:
    """Writes the tiny demo shop as parquet files into ``dest``; returns ``dest``."""
    generate_shop(dest, seed=seed, scale=SHOP_SCALE)
    return dest


def shop_snapshot(dest: Path, *, seed: int = 0) -> Snapshot:
    """The tiny demo shop as a snapshot folder at ``dest``."""
    return Snapshot.create(shop_tables(seed, SHOP_SCALE), dest, source="generated:shop")


def shop_schema_artifact(snapshot: Snapshot, dest: Path) -> Path:
    """The schema artifact of ``snapshot`` at ``dest``; returns ``dest``."""
    build_schema_artifact(snapshot, dest)
    return dest
