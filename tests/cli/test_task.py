"""``relgraph task preview`` on the generated shop: task type, split plan, label distribution
and training rows, checked against the SDK; and its errors."""

import json
from pathlib import Path

import pyarrow.compute as pc
import pytest
from typer.testing import CliRunner

from relgraph.cli.main import app
from relgraph.client import Dataset, PredictiveQuery
from relgraph.io import read_tables
from relgraph.schema import Schema, infer_schema
from tests.client.conftest import CHURN, NEXT_REVIEWS, SPEND, shop_dir  # noqa: F401

runner = CliRunner()


def _preview(*args: str) -> dict:
    result = runner.invoke(app, ["task", "preview", *args, "--json"])
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def _error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.strip()]


@pytest.mark.parametrize(
    ("query", "task_type", "label_keys"),
    [
        (CHURN, "binary_classification", {"classes", "other_rows"}),
        (SPEND, "regression", {"mean", "std", "min", "max"}),
        (NEXT_REVIEWS, "link_prediction", {"items_per_row", "distinct_items"}),
    ],
)
def test_preview_matches_the_sdk(
    shop_dir: Path,  # noqa: F811
    query: str,
    task_type: str,
    label_keys: set[str],
) -> None:
    shown = _preview(query, "--source", str(shop_dir), "--rows", "4")

    bound = PredictiveQuery(Dataset.infer(shop_dir), query)
    plan = bound.suggest_split_plan()
    task = bound.generate_training_table(plan)
    tables = task.tables()
    assert shown["task_type"] == task_type == task.task_type.value
    assert shown["explanation"] == bound.explain()
    assert shown["split_plan_suggested"] is True
    assert shown["split_plan"] == {k: v for k, v in plan.to_dict().items() if v is not None}
    assert shown["rows"] == {split: table.num_rows for split, table in tables.items()}
    assert all(rows > 0 for rows in shown["rows"].values())
    assert shown["label_column"] == task.label_column
    for split, summary in shown["labels"].items():
        assert label_keys <= set(summary)
        assert summary["rows"] == tables[split].num_rows
        if "classes" in summary:
            assert sum(summary["classes"].values()) + summary["other_rows"] == summary["rows"]
            ones = pc.sum(tables[split][task.label_column]).as_py()
            assert summary["classes"].get("1", 0) == ones
    first = tables["train"].slice(0, 4).to_pylist()
    assert len(shown["training_rows"]) == 4
    assert [row[task.source_entity_column] for row in shown["training_rows"]] == [
        row[task.source_entity_column] for row in first
    ]


def test_preview_as_tables(shop_dir: Path) -> None:  # noqa: F811
    result = runner.invoke(app, ["task", "preview", CHURN, "--source", str(shop_dir)])
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "task type: binary_classification" in out
    assert "split plan (suggested" in out and "kind: temporal" in out
    for split in ("train", "validation", "test"):
        assert split in out
    assert "training table: first 10 rows" in out
    assert "customer_id" in out and "anchor_time" in out


def test_given_split_plan_and_schema_file(shop_dir: Path, tmp_path: Path) -> None:  # noqa: F811
    schema_file = tmp_path / "schema.json"
    inferred = infer_schema(read_tables(shop_dir))
    Schema([table for table in inferred if table.name != "reviews"]).save(schema_file)
    split = {"kind": "temporal", "validation_time": "2024-06-01", "test_time": "2024-09-01"}
    plan_file = tmp_path / "split.json"
    plan_file.write_text(json.dumps(split), encoding="utf-8")

    shown = _preview(
        SPEND, "--source", str(shop_dir), "--schema", str(schema_file),
        "--split", f"@{plan_file}", "--rows", "0",
    )  # fmt: skip
    assert shown["split_plan_suggested"] is False
    assert shown["split_plan"]["validation_time"].startswith("2024-06-01")
    assert shown["split_plan"]["test_time"].startswith("2024-09-01")
    assert shown["training_rows"] == []
    inline = _preview(SPEND, "--source", str(shop_dir), "--split", json.dumps(split))
    assert inline["rows"] == shown["rows"]
    # the file's schema is the one used: it has no reviews table
    result = runner.invoke(
        app,
        ["task", "preview", NEXT_REVIEWS, "--source", str(shop_dir), "--schema", str(schema_file)],
    )
    assert result.exit_code == 1
    assert "unknown table 'reviews'" in _error_lines(result.stderr)[0]


@pytest.mark.parametrize(
    ("query", "message", "column", "width"),
    [
        ("PREDICT FOR EACH customers.customer_id", "expected an aggregation", 9, 3),
        (
            "PREDICT COUNT(ordrs.*, 0, 30, days) FOR EACH customers.customer_id",
            "unknown table 'ordrs'",
            15,
            7,
        ),
        (
            "PREDICT customers.segment FOR EACH customers.customer_id",
            "table 'customers' has no column 'segment'",
            9,
            17,
        ),
    ],
)
def test_query_errors_point_at_the_problem(
    shop_dir: Path,  # noqa: F811
    query: str,
    message: str,
    column: int,
    width: int,
) -> None:
    result = runner.invoke(app, ["task", "preview", query, "--source", str(shop_dir)])
    assert result.exit_code == 1
    assert result.stdout == ""
    red, line, caret = _error_lines(result.stderr)
    assert red.startswith("error: ") and f"line 1, column {column}: {message}" in red
    assert line == f"  {query}"
    assert caret == "  " + " " * (column - 1) + "^" * width


@pytest.mark.parametrize(
    ("args", "code", "expected"),
    [
        (["--source", "no/such/folder"], 1, "no/such/folder"),
        (["--split", '{"kind": "sideways"}'], 1, "sideways"),
        (["--split", "not json"], 2, "expected a JSON object"),
        (["--split", "[1, 2]"], 2, "expected a JSON object, found list"),
        (["--split", "@missing.json"], 2, "cannot read missing.json"),
        (["--schema", "missing.json"], 1, "missing.json"),
    ],
)
def test_bad_input(
    shop_dir: Path,  # noqa: F811
    args: list[str],
    code: int,
    expected: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    if "--source" not in args:
        args = ["--source", str(shop_dir), *args]
    result = runner.invoke(app, ["task", "preview", SPEND, *args])
    assert result.exit_code == code, result.output
    assert expected in " ".join(result.stderr.split())
    if code == 1:
        (line,) = _error_lines(result.stderr)
        assert line.startswith("error: ")


def test_split_plan_that_does_not_fit_the_data(shop_dir: Path) -> None:  # noqa: F811
    result = runner.invoke(
        app,
        [
            "task", "preview", CHURN, "--source", str(shop_dir),
            "--split", '{"kind": "random"}',
        ],
    )  # fmt: skip
    assert result.exit_code == 1
    (line,) = _error_lines(result.stderr)
    assert line.startswith("error: building the training table: ")
