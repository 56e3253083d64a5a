"""Generated demo databases, and published benchmark tasks written as predictive queries."""

from relgraph.datasets.files import FILE_FORMATS, write_tables
from relgraph.datasets.rel_f1 import (
    REL_F1_DRIVER_CIRCUITS,
    REL_F1_DROPPED_COLUMNS,
    REL_F1_SPLIT,
    REL_F1_TASKS,
    BenchmarkTask,
    relbench_view,
)
from relgraph.datasets.shop import SHOP_END, SHOP_START, generate_shop, shop_tables

__all__ = [
    "FILE_FORMATS",
    "REL_F1_DRIVER_CIRCUITS",
    "REL_F1_DROPPED_COLUMNS",
    "REL_F1_SPLIT",
    "REL_F1_TASKS",
    "SHOP_END",
    "SHOP_START",
    "BenchmarkTask",
    "generate_shop",
    "relbench_view",
    "shop_tables",
    "write_tables",
]
