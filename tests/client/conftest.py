"""Fixtures of the SDK facade tests: the demo shop at a tiny scale, and its predictive
queries."""

from pathlib import Path

import pyarrow as pa
import pytest

from relgraph.datasets import generate_shop
from relgraph.io import read_tables

SHOP_SCALE = 0.02
"""100 customers, about 900 orders: enough for a task with rows in every split."""

CHURN = (
    "PREDICT COUNT(orders.*, 0, 30, days) = 0 "
    "FOR EACH customers.customer_id WHERE COUNT(orders.*, -90, 0, days) > 0"
)
SPEND = (
    "PREDICT SUM(orders.total_amount, 0, 30, days) "
    "FOR EACH customers.customer_id WHERE COUNT(orders.*, -90, 0, days) > 0"
)
NEXT_REVIEWS = (
    "PREDICT LIST_DISTINCT(reviews.product_id, 0, 90, days) RANK TOP 10 "
    "FOR EACH customers.customer_id WHERE COUNT(reviews.*, -90, 0, days) > 0"
)


@pytest.fixture(scope="session")
def shop_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder of the generated shop's parquet files (seed 0, scale 0.02)."""
    folder = tmp_path_factory.mktemp("shop") / "shop"
    generate_shop(folder, seed=0, scale=SHOP_SCALE)
    return folder


@pytest.fixture(scope="session")
def shop_tables(shop_dir: Path) -> dict[str, pa.Table]:
    """The shop's tables as read from ``shop_dir``."""
    return read_tables(shop_dir)
