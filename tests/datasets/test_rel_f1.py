from pathlib import Path

import pyarrow as pa
import pytest

from relgraph.datasets import REL_F1_DROPPED_COLUMNS, REL_F1_SPLIT, REL_F1_TASKS, relbench_view
from relgraph.io import read_tables
from relgraph.schema import infer_schema


@pytest.fixture(scope="module")
def f1_data(f1_dir: Path) -> dict[str, pa.Table]:
    return read_tables(f1_dir)


def test_view_keeps_relbench_tables_and_drops_their_columns(f1_data) -> None:
    view = relbench_view(f1_data)
    assert sorted(view) == sorted(REL_F1_DROPPED_COLUMNS)
    for name, table in view.items():
        assert table.num_rows == f1_data[name].num_rows
        assert not set(REL_F1_DROPPED_COLUMNS[name]) & set(table.column_names)
    assert "number" not in view["drivers"].column_names
    assert "code" in view["drivers"].column_names


def test_tasks_on_the_view_have_the_published_sizes(f1_data) -> None:
    view = relbench_view(f1_data)
    schema = infer_schema(view)
    for task in REL_F1_TASKS.values():
        tables = task.predictive_query().generate(schema, view, REL_F1_SPLIT)
        assert {split: t.num_rows for split, t in tables.items()} == task.sizes


def test_view_names_the_missing_tables() -> None:
    with pytest.raises(KeyError, match=r"F1 data lacks tables \['circuits'"):
        relbench_view({"races": pa.table({"raceId": [1]})})
