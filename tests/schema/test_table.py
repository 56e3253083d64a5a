import pytest

from relgraph.schema import Column, ColumnDType, ForeignKey, Table


def _results() -> Table:
    return Table(
        "results",
        [Column("resultId", "integer"), Column("raceId", "integer"), Column("points", "float")],
        primary_key="resultId",
        foreign_keys=[ForeignKey("raceId", "races.raceId")],
        inherit_time_from="raceId",
    )


def test_dtype_parse_accepts_names_and_rejects_unknown() -> None:
    assert ColumnDType.parse("Category") is ColumnDType.CATEGORY
    with pytest.raises(ValueError, match=r"results.points: unknown dtype 'decimal'"):
        ColumnDType.parse("decimal", where="results.points")


def test_foreign_key_link_to_must_name_table_and_column() -> None:
    fk = ForeignKey("raceId", "races.raceId")
    assert (fk.table, fk.target_column) == ("races", "raceId")
    with pytest.raises(ValueError, match=r"link_to must be 'Table\.column'"):
        ForeignKey("raceId", "races")


def test_feature_columns_leave_out_keys_and_time_of_day_helpers() -> None:
    races = Table(
        "races",
        [
            Column("raceId", "integer"),
            Column("date", "datetime", time_of_day="time"),
            Column("time", "text"),
            Column("name", "text"),
        ],
        primary_key="raceId",
        time_column="date",
    )
    assert [c.name for c in races.feature_columns] == ["date", "name"]
    assert [c.name for c in _results().feature_columns] == ["points"]


def test_editing_roles_follow_the_column() -> None:
    table = _results()
    table.add_column("grid", "integer")
    table.set_dtype("grid", "category")
    assert table.column("grid").dtype is ColumnDType.CATEGORY
    table.remove_column("raceId")
    assert table.foreign_keys == []
    assert table.inherit_time_from is None
    table.set_primary_key(None)
    assert table.primary_key is None


def test_time_column_and_inherited_time_exclude_each_other() -> None:
    table = _results()
    table.add_column("date", "datetime")
    table.set_time_column("date")
    assert (table.time_column, table.inherit_time_from) == ("date", None)
    table.set_inherit_time_from("raceId")
    assert (table.time_column, table.inherit_time_from) == (None, "raceId")


@pytest.mark.parametrize(
    ("action", "match"),
    [
        (lambda t: t.column("nope"), r"table 'results' has no column 'nope' \(columns: "),
        (lambda t: t.add_column("points", "float"), "already has a column 'points'"),
        (lambda t: t.set_primary_key("nope"), "has no column 'nope'"),
        (lambda t: t.remove_foreign_key("points"), "has no foreign key on 'points'"),
        (lambda t: t.set_inherit_time_from("points"), "has no foreign key on 'points'"),
        (lambda t: t.set_dtype("points", "money"), "unknown dtype 'money'"),
    ],
)
def test_editing_errors_name_table_and_column(action, match: str) -> None:
    with pytest.raises((KeyError, ValueError), match=match):
        action(_results())


def test_table_round_trips_through_dict() -> None:
    table = _results()
    assert Table.from_dict(table.to_dict()) == table
