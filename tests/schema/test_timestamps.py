import datetime as dt

import pyarrow as pa
import pytest

from relgraph.schema import Column, ForeignKey, Schema, SchemaError, Table, row_times, to_timestamps


def _stamps(values) -> list:
    return values.to_pylist()


@pytest.mark.parametrize(
    ("values", "fmt"),
    [
        (pa.array(["2009-03-29", None]), None),
        (pa.array(["29/03/2009", "garbage"]), "%d/%m/%Y"),
        (pa.array([dt.date(2009, 3, 29), None]), None),
        (pa.array([dt.datetime(2009, 3, 29), None], pa.timestamp("s", tz="UTC")), None),
    ],
)
def test_to_timestamps_reads_strings_dates_and_timestamps(values, fmt) -> None:
    out = to_timestamps(values, Column("d", "datetime", datetime_format=fmt))
    assert out.type == pa.timestamp("us")
    assert _stamps(out) == [dt.datetime(2009, 3, 29), None]


@pytest.mark.parametrize(
    "times",
    [pa.array(["06:30:00", "14:05", None]), pa.array([23400, 50700, None], pa.time32("s"))],
)
def test_time_of_day_is_added_and_missing_means_midnight(times) -> None:
    dates = pa.array(["2009-03-29", "2009-04-05", "2009-04-19"])
    out = to_timestamps(dates, Column("date", "datetime", time_of_day="time"), times)
    assert _stamps(out) == [
        dt.datetime(2009, 3, 29, 6, 30),
        dt.datetime(2009, 4, 5, 14, 5),
        dt.datetime(2009, 4, 19),
    ]


def test_non_datetime_values_raise_naming_the_column() -> None:
    with pytest.raises(SchemaError, match=r"column races.date: values of type int64"):
        to_timestamps(pa.array([1, 2]), Column("date", "datetime"), table="races")


def test_row_times_inherits_through_a_chain_and_leaves_dangling_null() -> None:
    schema = Schema(
        [
            Table(
                "races",
                [Column("raceId", "integer"), Column("date", "datetime")],
                "raceId",
                time_column="date",
            ),
            Table(
                "results",
                [Column("resultId", "integer"), Column("raceId", "integer")],
                "resultId",
                [ForeignKey("raceId", "races.raceId")],
                inherit_time_from="raceId",
            ),
            Table(
                "penalties",
                [Column("penaltyId", "text"), Column("resultId", "integer")],
                "penaltyId",
                [ForeignKey("resultId", "results.resultId")],
                inherit_time_from="resultId",
            ),
            Table("drivers", [Column("driverId", "integer")], "driverId"),
        ]
    )
    data = {
        "races": pa.table({"raceId": [1, 2], "date": ["2009-03-29", "2009-04-05"]}),
        "results": pa.table({"resultId": [10, 11, 12], "raceId": [2, 1, 99]}),
        "penalties": pa.table({"penaltyId": ["a", "b"], "resultId": [12, 10]}),
        "drivers": pa.table({"driverId": [1]}),
    }
    assert _stamps(row_times(schema, data, "results")) == [
        dt.datetime(2009, 4, 5),
        dt.datetime(2009, 3, 29),
        None,
    ]
    assert _stamps(row_times(schema, data, "penalties")) == [None, dt.datetime(2009, 4, 5)]
    assert row_times(schema, data, "drivers") is None


def test_row_times_matches_uuid_keys_and_names_unmatchable_types() -> None:
    import uuid

    ids = [uuid.UUID(int=1).bytes, uuid.UUID(int=2).bytes]
    parents = pa.table({"id": pa.array(ids, pa.uuid()), "at": ["2020-01-01", "2020-01-02"]})
    children = pa.table({"cid": [1, 2], "pid": pa.array(ids[::-1], pa.uuid())})
    schema = Schema(
        [
            Table("p", [Column("id", "text"), Column("at", "datetime")], "id", time_column="at"),
            Table(
                "c",
                [Column("cid", "integer"), Column("pid", "text")],
                "cid",
                [ForeignKey("pid", "p.id")],
                inherit_time_from="pid",
            ),
        ]
    )
    times = row_times(schema, {"p": parents, "c": children}, "c")
    assert _stamps(times) == [dt.datetime(2020, 1, 2), dt.datetime(2020, 1, 1)]
    children = pa.table({"cid": [1], "pid": pa.array([[1]], pa.list_(pa.int64()))})
    with pytest.raises(SchemaError, match=r"inherits time through c.pid \(list<item: int64>\)"):
        row_times(schema, {"p": parents, "c": children}, "c")


def test_string_datetimes_read_null_markers_and_padding_as_inference_does() -> None:
    """SQLite and other sources keep ``\\N``, ``NULL`` and padded values as text; inference
    reads them as nulls and trimmed values, and so must the time reader."""
    values = pa.array([" 2020-01-02 10:00:00.5", "\\N", "NULL", "2020-01-03"])
    assert _stamps(to_timestamps(values, Column("at", "datetime"))) == [
        dt.datetime(2020, 1, 2, 10, 0, 0, 500000),
        None,
        None,
        dt.datetime(2020, 1, 3),
    ]


def test_nanosecond_times_of_day_keep_microseconds() -> None:
    times = pa.array([1_500, 23_400_000_000_999, None], pa.time64("ns"))
    out = to_timestamps(
        pa.array(["2020-01-01"] * 3), Column("d", "datetime", time_of_day="t"), times
    )
    assert _stamps(out) == [
        dt.datetime(2020, 1, 1, 0, 0, 0, 1),
        dt.datetime(2020, 1, 1, 6, 30, 0, 0),
        dt.datetime(2020, 1, 1),
    ]
