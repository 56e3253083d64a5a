"""End-to-end tests of ``relgraph schema infer`` and ``relgraph schema show`` on real sources."""

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml
from typer.testing import CliRunner

from relgraph.cli.main import app
from relgraph.datasets import generate_shop, shop_tables
from relgraph.schema import Schema
from relgraph.schema.render import schema_summary_markdown
from tests.markers import requires_dot
from tests.servers import load_into_sqlite, upload_to_s3

runner = CliRunner()
SHOP_TABLES = ["categories", "customers", "order_items", "orders", "products", "reviews"]


@pytest.fixture(scope="module")
def shop_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dest = tmp_path_factory.mktemp("shop") / "data"
    generate_shop(dest, seed=5, scale=0.02)
    return dest


def _check_shop_schema(schema: Schema, tables: list[str]) -> None:
    assert sorted(schema.table_names) == sorted(tables)
    if "orders" in tables:
        orders = schema.table("orders")
        assert orders.primary_key == "order_id"
        assert orders.time_column == "ordered_at"
    if "order_items" in tables:
        items = schema.table("order_items")
        assert {fk.link_to for fk in items.foreign_keys} == {
            "orders.order_id",
            "products.product_id",
        }
        assert items.inherit_time_from == "order_id"
    if "customers" in tables:
        assert schema.table("customers").time_column == "signup_at"  # not loaded_at


def _one_red_line(stderr: str, *expected: str) -> None:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert lines[0].startswith("error: ")
    for words in expected:
        assert words in lines[0]
    assert "Traceback" not in stderr


def test_infer_prints_the_explained_schema_and_writes_every_output(
    shop_dir: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    result = runner.invoke(
        app,
        [
            "schema",
            "infer",
            str(shop_dir),
            "-o",
            str(out / "schema.json"),
            "--markdown",
            str(out / "schema.md"),
            "--diagram",
            str(out / "diagram"),
        ],
    )
    assert result.exit_code == 0, result.stderr
    schema = Schema.load(out / "schema.json")
    _check_shop_schema(schema, SHOP_TABLES)
    for name in SHOP_TABLES:
        assert name in result.stdout
    assert "inherited via order_id from orders" in result.stdout
    markdown = (out / "schema.md").read_text()
    assert "## order_items" in markdown and "- rows: " in markdown
    assert "'loaded' marks a record-keeping time" in markdown
    assert (out / "diagram.dot").read_text().count(" -> ") == 6
    for path in ("schema.json", "schema.md", "diagram.dot"):
        assert f"wrote {out / path}" in result.stderr


@requires_dot
def test_infer_draws_the_diagram(shop_dir: Path, tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["schema", "infer", str(shop_dir), "--diagram", str(tmp_path / "d.svg")]
    )
    assert result.exit_code == 0, result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.dot", "d.png", "d.svg"]
    assert "<svg" in (tmp_path / "d.svg").read_text()


def test_infer_json_prints_only_the_schema(shop_dir: Path, tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        ["schema", "infer", str(shop_dir), "--json", "-o", str(tmp_path / "schema.yaml")],
    )
    assert result.exit_code == 0, result.stderr
    printed = Schema.from_dict(json.loads(result.stdout))
    _check_shop_schema(printed, SHOP_TABLES)
    saved = yaml.safe_load((tmp_path / "schema.yaml").read_text())
    assert saved == json.loads(result.stdout)
    assert "wrote" in result.stderr


def test_infer_selected_tables(shop_dir: Path) -> None:
    result = runner.invoke(
        app, ["schema", "infer", str(shop_dir), "--tables", "orders, customers", "--json"]
    )
    assert result.exit_code == 0, result.stderr
    _check_shop_schema(Schema.from_dict(json.loads(result.stdout)), ["orders", "customers"])


@pytest.mark.parametrize("suffix", [".json", ".yaml"])
def test_infer_with_overrides(shop_dir: Path, tmp_path: Path, suffix: str) -> None:
    settings = {
        "tables": {"customers": {"time_column": None}, "orders": {"dtypes": {"channel": "text"}}}
    }
    path = tmp_path / f"overrides{suffix}"
    path.write_text(json.dumps(settings) if suffix == ".json" else yaml.safe_dump(settings))
    result = runner.invoke(
        app, ["schema", "infer", str(shop_dir), "--overrides", str(path), "--json"]
    )
    assert result.exit_code == 0, result.stderr
    schema = Schema.from_dict(json.loads(result.stdout))
    assert schema.table("customers").time_column is None
    assert schema.table("orders").column("channel").dtype.value == "text"
    assert any(d.source == "override" for d in schema.table("orders").decisions)


def test_infer_from_a_sqlite_database(tmp_path: Path) -> None:
    tables = shop_tables(seed=5, scale=0.02)
    url = load_into_sqlite({n: tables[n] for n in ("customers", "orders")}, tmp_path / "shop.db")
    result = runner.invoke(app, ["schema", "infer", url, "--json"])
    assert result.exit_code == 0, result.stderr
    _check_shop_schema(Schema.from_dict(json.loads(result.stdout)), ["customers", "orders"])


def test_infer_from_s3(s3_bucket: str) -> None:
    tables = shop_tables(seed=5, scale=0.02)
    upload_to_s3({n: tables[n] for n in ("customers", "orders", "order_items", "products", "categories")}, f"{s3_bucket}/shop")  # fmt: skip
    result = runner.invoke(app, ["schema", "infer", f"{s3_bucket}/shop/", "--json"])
    assert result.exit_code == 0, result.stderr
    _check_shop_schema(
        Schema.from_dict(json.loads(result.stdout)),
        ["customers", "orders", "order_items", "products", "categories"],
    )


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["{missing}"], ["reading", "missing", "does not exist"]),
        (["{shop}", "--tables", "orders,nope"], ["reading", "nope"]),
        (["{shop}", "--overrides", "{missing}.json"], ["reading overrides", "not found"]),
        (["{shop}", "--overrides", "{bad_overrides}"], ["reading overrides", "unknown dtype 'decimal'"]),
        (["{shop}", "--overrides", "{bad_key}"], ["inferring the schema", "nope"]),
    ],
)  # fmt: skip
def test_infer_failures_are_one_red_line(
    shop_dir: Path, tmp_path: Path, args: list[str], expected: list[str]
) -> None:
    bad_overrides = tmp_path / "bad.json"
    bad_overrides.write_text(json.dumps({"tables": {"orders": {"dtypes": {"channel": "decimal"}}}}))
    bad_key = tmp_path / "bad_key.json"
    bad_key.write_text(json.dumps({"tables": {"orders": {"primary_key": "nope"}}}))
    paths = {
        "missing": str(tmp_path / "missing"),
        "shop": str(shop_dir),
        "bad_overrides": str(bad_overrides),
        "bad_key": str(bad_key),
    }
    result = runner.invoke(app, ["schema", "infer", *(a.format(**paths) for a in args)])
    assert result.exit_code == 1
    assert result.stdout == ""
    _one_red_line(result.stderr, *expected)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["-o", "schema.txt"], "a schema file must end in .json, .yaml, .yml"),
        (["--tables", "orders,,customers"], "expected table names separated by commas"),
        (["--bogus"], "No such option"),
    ],
)
def test_infer_usage_errors(shop_dir: Path, args: list[str], expected: str) -> None:
    result = runner.invoke(app, ["schema", "infer", str(shop_dir), *args])
    assert result.exit_code == 2
    assert expected in " ".join(result.stderr.split())


def test_verbose_shows_the_error_itself(tmp_path: Path) -> None:
    result = runner.invoke(app, ["--verbose", "schema", "infer", str(tmp_path / "missing")])
    assert result.exit_code == 1
    assert "does not exist" in str(result.exception)


@pytest.fixture
def saved_schema(shop_dir: Path, tmp_path: Path) -> Path:
    path = tmp_path / "schema.json"
    result = runner.invoke(app, ["schema", "infer", str(shop_dir), "-o", str(path), "--json"])
    assert result.exit_code == 0, result.stderr
    return path


def test_show_prints_tables(saved_schema: Path) -> None:
    result = runner.invoke(app, ["schema", "show", str(saved_schema)])
    assert result.exit_code == 0, result.stderr
    for name in SHOP_TABLES:
        assert name in result.stdout
    assert "inherited via order_id from orders" in result.stdout


def test_show_markdown(saved_schema: Path) -> None:
    result = runner.invoke(app, ["schema", "show", str(saved_schema), "--markdown"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout == schema_summary_markdown(Schema.load(saved_schema))


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "schema file not found"),
        ("{not json", "not a valid schema file"),
        ('{"format_version": 99, "tables": []}', "format_version 99 is not supported"),
        ('{"tables": {"orders": {"primary_key": "id"}}}', "not a schema file"),  # overrides
        (
            json.dumps({"tables": [{"name": "t", "columns": [{"name": "a", "dtype": "integer"}]}]}),
            "table 't' has no primary key and no foreign key",
        ),
    ],
)
def test_show_failures_are_one_red_line(tmp_path: Path, content: str | None, expected: str) -> None:
    path = tmp_path / "schema.json"
    if content is not None:
        path.write_text(content)
    result = runner.invoke(app, ["schema", "show", str(path)])
    assert result.exit_code == 1
    _one_red_line(result.stderr, f"reading {path}", expected)


def test_rich_markup_in_data_is_shown_as_text(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    pq.write_table(pa.table({"[bold]id": [1, 2, 3], "x": [1.5, 2.5, 3.5]}), data / "t.parquet")
    result = runner.invoke(app, ["schema", "infer", str(data)])
    assert result.exit_code == 0, result.stderr
    assert "[bold]id" in result.stdout
