"""dtype_problems: whether each column's values can be read as its dtype."""

import re

import pyarrow as pa
import pytest

from relgraph.client.dtype_check import dtype_problems
from relgraph.schema import Column, Table


def _problems(values: pa.Array, dtype: str, **column: str) -> list[str]:
    table = Table("t", [Column("c", dtype, **column)])
    return dtype_problems(table, pa.table({"c": values}))


@pytest.mark.parametrize(
    ("values", "dtype"),
    [
        (pa.array([1, 2, None]), "integer"),
        (pa.array(["1.5", " 2", None, "x"]), "float"),  # mostly numbers: the odd one is missing
        (pa.array([True, False]), "integer"),
        (pa.array(["2024-01-02", "2024-02-03"]), "datetime"),
        (pa.array([[1.0, 2.0], [3.0, 4.0], None]), "embedding"),
        (pa.array([["a", "b"], []]), "multi_categorical"),
        (pa.array(["a|b", "c"]), "multi_categorical"),
        (pa.array([1, 2]), "category"),
        (pa.array(["free text"]), "text"),
        (pa.array([None, None], pa.string()), "float"),
    ],
)
def test_values_that_fit(values: pa.Array, dtype: str) -> None:
    assert _problems(values, dtype) == []


@pytest.mark.parametrize(
    ("values", "dtype", "match"),
    [
        (
            pa.array(["DE", "FR", "1"]),
            "float",
            r"only 33% of its values are numbers \(e\.g\. 'DE'\); set dtype category",
        ),
        (pa.array([[1, 2]]), "integer", "set dtype category"),
        (pa.array(["soon", "later"]), "datetime", "dtype datetime, but"),
        (pa.array(["a", "b"]), "embedding", "not lists of numbers; set dtype text"),
        (pa.array([["a"], ["b"]]), "embedding", "set dtype multi_categorical"),
        (pa.array([[1.0], [1.0, 2.0]]), "embedding", "2 different lengths"),
        (pa.array([1.5, 2.5]), "multi_categorical", "set dtype category"),
        (pa.array([[0.5, 1.5]]), "text", "set dtype embedding"),
        (pa.array([["a", "b"]]), "category", "set dtype multi_categorical"),
    ],
)
def test_values_that_do_not_fit_say_which_dtype_does(
    values: pa.Array, dtype: str, match: str
) -> None:
    problems = _problems(values, dtype)
    assert len(problems) == 1
    assert problems[0].startswith(f"column t.c: dtype {dtype}")
    assert re.search(match, problems[0]), problems[0]


def test_a_datetime_format_is_used() -> None:
    values = pa.array(["02/01/2024", "03/04/2024"])
    assert _problems(values, "datetime", datetime_format="%d/%m/%Y") == []
    (problem,) = _problems(values, "datetime", datetime_format="%Y")
    assert "only 0% of its values read as datetimes with format '%Y'" in problem


def test_columns_missing_from_the_data_are_left_to_schema_validation() -> None:
    table = Table("t", [Column("c", "float"), Column("d", "float")])
    assert dtype_problems(table, pa.table({"c": [1.0]})) == []
