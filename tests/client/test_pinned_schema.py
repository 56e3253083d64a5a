"""pin_schema: overrides under which inference gives back exactly the schema, edited or not."""

from pathlib import Path

import pyarrow as pa
import pytest

from relgraph.client.pinned_schema import pin_schema
from relgraph.io import read_tables
from relgraph.schema import Schema, infer_schema


def _edited_shop(schema: Schema) -> Schema:
    schema.table("orders").set_dtype("channel", "text")
    schema.table("orders").remove_foreign_key("customer_id")
    schema.table("order_items").set_inherit_time_from(None)
    schema.table("customers").set_time_column(None)
    return schema


@pytest.mark.parametrize("edit", [False, True])
def test_inference_under_the_pins_gives_back_the_shop_schema(
    shop_tables: dict[str, pa.Table], edit: bool
) -> None:
    schema = infer_schema(shop_tables)
    if edit:
        schema = _edited_shop(schema)
    found = infer_schema(shop_tables, overrides=pin_schema(schema))
    assert found.to_dict(with_decisions=False) == schema.to_dict(with_decisions=False)


def test_every_setting_is_pinned(shop_tables: dict[str, pa.Table]) -> None:
    pins = pin_schema(infer_schema(shop_tables)).to_dict()["tables"]
    orders = pins["orders"]
    assert orders["primary_key"] == "order_id"
    assert orders["time_column"] == "ordered_at"
    assert orders["foreign_keys"] == {"customer_id": "customers.customer_id"}
    assert "customer_id" not in orders["drop_foreign_keys"]
    assert set(orders["dtypes"]) == set(shop_tables["orders"].column_names)
    assert pins["categories"]["time_column"] is None


def test_f1_with_dates_times_of_day_and_inherited_times(f1_dir: Path) -> None:
    data = read_tables(f1_dir)
    schema = infer_schema(data)
    assert any(c.time_of_day for t in schema for c in t.columns)  # the case pins leave open
    found = infer_schema(data, overrides=pin_schema(schema))
    assert found.content_hash() == schema.content_hash()
