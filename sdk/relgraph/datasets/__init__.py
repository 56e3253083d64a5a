"""Generated demo databases, so that relgraph can be tried with no data at hand."""

from relgraph.datasets.files import FILE_FORMATS, write_tables
from relgraph.datasets.shop import SHOP_END, SHOP_START, generate_shop, shop_tables

__all__ = ["FILE_FORMATS", "SHOP_END", "SHOP_START", "generate_shop", "shop_tables", "write_tables"]
