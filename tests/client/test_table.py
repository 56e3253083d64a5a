"""GNNTable: a schema table bound to its data; inference, editing checked against the data,
validation, and showing it."""

from pathlib import Path

import pyarrow as pa
import pytest
from rich.console import Console

from relgraph.client import ColumnDType, ForeignKey, GNNTable
from relgraph.io import SourceError
from relgraph.schema import SchemaError, Table


def test_reads_a_table_of_a_folder_and_infers_its_keys_and_time(shop_dir: Path) -> None:
    orders = GNNTable(shop_dir, "orders")
    assert orders.name == "orders"
    assert orders.primary_key == "order_id"
    assert orders.time_column == "ordered_at"
    assert orders.schema.column("channel").dtype == ColumnDType.CATEGORY
    assert orders.location == str(shop_dir)
    assert orders.source_table == "orders"
    assert orders.num_rows > 100
    assert not orders.is_projected


def test_a_file_is_the_only_table_and_a_name_renames_it(shop_dir: Path) -> None:
    table = GNNTable(shop_dir / "customers.parquet", "clients")
    assert (table.name, table.source_table) == ("clients", "customers")
    assert table.primary_key == "customer_id"


@pytest.mark.parametrize("kind", ["arrow", "pandas"])
def test_in_memory_data_needs_a_name(kind: str, shop_tables: dict[str, pa.Table]) -> None:
    data = shop_tables["categories"]
    source = data if kind == "arrow" else data.to_pandas()
    table = GNNTable(source, "categories")
    assert table.primary_key == "category_id"
    assert table.time_column is None
    assert table.location is None
    with pytest.raises(ValueError, match="in-memory data needs a name"):
        GNNTable(source)


def test_a_folder_of_several_tables_needs_a_table_name(shop_dir: Path) -> None:
    with pytest.raises(ValueError, match=r"holds 6 tables .*table="):
        GNNTable(shop_dir)
    with pytest.raises(SourceError, match="nope"):
        GNNTable(shop_dir, table="nope")


def test_settings_replace_inference(shop_dir: Path) -> None:
    customers = GNNTable(
        shop_dir,
        "customers",
        time_column=None,
        dtypes={"country": "text", "signup_at": "datetime"},
    )
    assert customers.time_column is None
    assert customers.schema.column("country").dtype == ColumnDType.TEXT


@pytest.mark.parametrize(
    ("settings", "match"),
    [
        ({"dtypes": {"country": "flot"}}, "unknown dtype 'flot'"),
        ({"primary_key": "country"}, "primary key override 'country' fails: 90 duplicate"),
        ({"time_column": "country"}, "not datetime"),
        ({"dtypes": {"nope": "text"}}, r"unknown columns \['nope'\]"),
    ],
)
def test_bad_settings_name_the_column(shop_dir: Path, settings: dict, match: str) -> None:
    with pytest.raises(SchemaError, match=match):
        GNNTable(shop_dir, "customers", **settings)


def test_foreign_keys_given_by_hand(shop_dir: Path) -> None:
    orders = GNNTable(
        shop_dir, "orders", foreign_keys=[ForeignKey("customer_id", "customers.customer_id")]
    )
    assert orders.foreign_keys == [ForeignKey("customer_id", "customers.customer_id")]
    with pytest.raises(KeyError, match="no column 'buyer'"):
        GNNTable(shop_dir, "orders", foreign_keys=[ForeignKey("buyer", "customers.customer_id")])


def test_a_table_without_a_key_of_its_own_is_built_from_the_dataset(
    shop_tables: dict[str, pa.Table],
) -> None:
    links = pa.table({"customer_id": [1, 1, 2], "product_id": [3, 4, 3]})
    with pytest.raises(SchemaError, match=r"Dataset\.infer"):
        GNNTable(
            links, "wishlist", foreign_keys=[ForeignKey("customer_id", "customers.customer_id")]
        )


def test_set_dtype_checks_the_values_and_keeps_the_old_dtype_on_error(shop_dir: Path) -> None:
    customers = GNNTable(shop_dir, "customers")
    customers.set_dtype("country", "text")
    assert customers.schema.column("country").dtype == ColumnDType.TEXT
    with pytest.raises(SchemaError, match=r"customers\.country: dtype float.*set dtype category"):
        customers.set_dtype("country", ColumnDType.FLOAT)
    assert customers.schema.column("country").dtype == ColumnDType.TEXT
    with pytest.raises(KeyError, match="no column 'nope'"):
        customers.set_dtype("nope", "text")
    with pytest.raises(ValueError, match="unknown dtype"):
        customers.set_dtype("country", "word")


def test_set_primary_key_checks_uniqueness(shop_dir: Path) -> None:
    orders = GNNTable(shop_dir, "orders")
    with pytest.raises(SchemaError, match=r"orders\.customer_id: \d+ duplicate values"):
        orders.set_primary_key("customer_id")
    assert orders.primary_key == "order_id"
    orders.set_primary_key(None)
    assert orders.primary_key is None


def test_foreign_key_editing(shop_dir: Path) -> None:
    orders = GNNTable(shop_dir, "orders")
    orders.add_foreign_key("customer_id", "customers.customer_id")
    orders.add_foreign_key(ForeignKey("customer_id", "clients.customer_id"))
    assert orders.foreign_keys == [ForeignKey("customer_id", "clients.customer_id")]
    with pytest.raises(ValueError, match="link_to="):
        orders.add_foreign_key("customer_id")
    with pytest.raises(ValueError, match=r"must be 'Table\.column'"):
        orders.add_foreign_key("customer_id", "customers")
    orders.remove_foreign_key("customer_id")
    assert orders.foreign_keys == []
    with pytest.raises(KeyError, match="no foreign key on 'customer_id'"):
        orders.remove_foreign_key("customer_id")


def test_time_editing(shop_dir: Path) -> None:
    items = GNNTable(
        shop_dir, "order_items", foreign_keys=[ForeignKey("order_id", "orders.order_id")]
    )
    items.set_inherit_time_from("order_id")
    assert items.inherit_time_from == "order_id"
    with pytest.raises(SchemaError, match=r"must be datetime, found category; first set_dtype"):
        items.set_time_column("quantity")
    orders = GNNTable(shop_dir, "orders")
    orders.set_time_column(None)
    assert orders.time_column is None


def test_removing_and_adding_columns(shop_dir: Path) -> None:
    customers = GNNTable(shop_dir, "customers")
    customers.remove_column("loaded_at")
    assert customers.is_projected
    assert "loaded_at" not in customers.selected_data().column_names
    assert "loaded_at" in customers.data.column_names
    customers.add_column("loaded_at", "datetime")
    assert customers.column_names[-1] == "loaded_at"
    with pytest.raises(SchemaError, match="the data has no column 'nope'"):
        customers.add_column("nope", "text")
    with pytest.raises(ValueError, match="already has a column 'country'"):
        customers.add_column("country", "text")


def test_validate_table_lists_every_problem(shop_dir: Path) -> None:
    customers = GNNTable(shop_dir, "customers")
    customers.validate_table()
    customers.schema.column("country").dtype = ColumnDType.INTEGER  # as a saved schema may say
    customers.schema.primary_key = "marketing_opt_in"
    with pytest.raises(SchemaError) as error:
        customers.validate_table()
    problems = error.value.problems
    assert any("customers.marketing_opt_in" in p and "duplicate" in p for p in problems)
    assert any(p.startswith("column customers.country: dtype integer") for p in problems)


def test_validate_table_leaves_foreign_keys_to_the_dataset(shop_dir: Path) -> None:
    orders = GNNTable(shop_dir, "orders", foreign_keys=[ForeignKey("customer_id", "nowhere.id")])
    orders.validate_table()


def test_from_schema_needs_every_column_in_the_data(shop_tables: dict[str, pa.Table]) -> None:
    schema = Table("categories", primary_key="category_id")
    schema.add_column("category_id", "integer")
    table = GNNTable.from_schema(schema, shop_tables["categories"])
    assert table.is_projected
    schema.add_column("color", "category")
    with pytest.raises(SchemaError, match=r"columns \['color'\] are not in the data"):
        GNNTable.from_schema(schema, shop_tables["categories"])


def test_show_table_prints_schema_reasons_and_rows(shop_dir: Path) -> None:
    console = Console(record=True, width=160)
    GNNTable(shop_dir, "orders").show_table(rows=3, console=console)
    text = console.export_text()
    assert "orders (" in text
    assert "primary key" in text
    assert "payment_method" in text
    assert "first 3 of" in text
    assert "event time" in text  # the reason the time column was chosen
