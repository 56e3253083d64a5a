import datetime as dt

import numpy as np
import pyarrow as pa
import pytest

from relgraph.graph.node_time import node_time, seconds_to_iso, to_epoch_seconds
from relgraph.graph.store import NEVER
from relgraph.schema import Column, Schema, Table


def _schema() -> Schema:
    return Schema(
        tables=[
            Table(
                "races",
                [
                    Column("id", "integer"),
                    Column("date", "datetime", time_of_day="time"),
                    Column("time", "category"),
                ],
                primary_key="id",
                time_column="date",
            ),
            Table(
                "results",
                [Column("id", "integer"), Column("race", "integer")],
                primary_key="id",
            ),
            Table("drivers", [Column("id", "integer")], primary_key="id"),
        ]
    )


@pytest.fixture
def tables() -> dict[str, pa.Table]:
    return {
        "races": pa.table(
            {
                "id": [1, 2, 3],
                "date": ["1950-05-13", "2009-03-29", None],
                "time": [None, "06:00:00", "12:00:00"],
            }
        ),
        "results": pa.table({"id": [10, 11, 12, 13], "race": [2, 1, 3, 99]}),
        "drivers": pa.table({"id": [7]}),
    }


@pytest.fixture
def schema() -> Schema:
    schema = _schema()
    results = schema.table("results")
    results.add_foreign_key("race", "races.id")
    results.set_inherit_time_from("race")
    return schema


def test_own_time_with_time_of_day_and_before_1970(tables, schema):
    times = node_time(schema, tables, "races")
    assert times.dtype == np.int64
    assert times[0] == to_epoch_seconds("1950-05-13") < 0
    assert times[1] == to_epoch_seconds("2009-03-29T06:00:00")
    assert times[2] == NEVER


def test_inherited_time_and_unknown_parent(tables, schema):
    times = node_time(schema, tables, "results")
    races = node_time(schema, tables, "races")
    assert list(times) == [races[1], races[0], NEVER, NEVER]


def test_static_table_has_no_time(tables, schema):
    assert node_time(schema, tables, "drivers") is None


@pytest.mark.parametrize(
    "value, expected",
    [
        (0, 0),
        ("1970-01-02", 86_400),
        ("1969-12-31T23:59:59", -1),
        (dt.date(1970, 1, 3), 2 * 86_400),
        (dt.datetime(1970, 1, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=1))), 0),
        (np.datetime64("2010-01-01T00:00:00"), 1_262_304_000),
        (np.int64(5), 5),
    ],
)
def test_to_epoch_seconds(value, expected):
    assert to_epoch_seconds(value) == expected


@pytest.mark.parametrize("value", ["not a date", np.datetime64("NaT"), 1.5, True])
def test_to_epoch_seconds_rejects(value):
    with pytest.raises(ValueError, match="cutoff"):
        to_epoch_seconds(value, name="cutoff")


def test_seconds_to_iso():
    assert seconds_to_iso(to_epoch_seconds("2009-03-29T06:00:00")) == "2009-03-29T06:00:00"
