"""OutputConfig: the three destinations, parsing a location string, and bad locations."""

from pathlib import Path

import pytest

from relgraph.predict import OutputConfig
from relgraph.predict.file_writer import FileOutputWriter
from relgraph.predict.sql_writer import SqlOutputWriter


def test_constructors(tmp_path: Path) -> None:
    store = OutputConfig.object_store("s3://bucket/predictions")
    assert (store.kind, store.location, store.schema) == (
        "object_store",
        "s3://bucket/predictions",
        None,
    )
    local = OutputConfig.local(tmp_path / "out")
    assert local.kind == "local" and local.location == (tmp_path / "out").as_posix()
    sql = OutputConfig.sql("postgresql://u:secret@db/x", schema="ml")
    assert (sql.kind, sql.schema) == ("sql", "ml")
    assert sql.to_dict() == {"kind": "sql", "location": "postgresql://u:***@db/x", "schema": "ml"}
    assert isinstance(store.writer(), FileOutputWriter)
    assert isinstance(local.writer(), FileOutputWriter)
    assert isinstance(OutputConfig.sql("sqlite:///x.db").writer(), SqlOutputWriter)


def test_parse(tmp_path: Path) -> None:
    assert OutputConfig.parse("s3://b/p").kind == "object_store"
    assert OutputConfig.parse("sqlite:///x.db").kind == "sql"
    assert OutputConfig.parse("postgresql://h/db", schema="s").schema == "s"
    assert OutputConfig.parse(tmp_path).kind == "local"
    with pytest.raises(ValueError, match="applies to sql outputs only"):
        OutputConfig.parse(tmp_path, schema="s")
    with pytest.raises(ValueError, match="'ftp://h/x' is none of"):
        OutputConfig.parse("ftp://h/x")


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: OutputConfig.object_store("/local/path"), "must be s3://bucket"),
        (lambda: OutputConfig.object_store("s3://"), "must be s3://bucket"),
        (lambda: OutputConfig.local("s3://bucket/x"), "must be a folder path"),
        (lambda: OutputConfig.sql("mysql://h/db"), "sqlite:/// or postgresql://"),
        (lambda: OutputConfig.sql("sqlite:///x.db", schema="a;b"), "schema 'a;b'"),
        (lambda: OutputConfig("ftp", "x"), "output kind"),  # type: ignore[arg-type]
        (lambda: OutputConfig("local", "x", schema="s"), "applies to sql outputs only"),
        (lambda: OutputConfig("local", ""), "non-empty"),
    ],
)
def test_bad_locations_are_named(make, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        make()


def test_sql_writer_refuses_what_it_cannot_write() -> None:
    with pytest.raises(ValueError, match="has no schemas"):
        SqlOutputWriter("sqlite:///x.db", schema="ml")
    with pytest.raises(ValueError, match="must name a database file"):
        SqlOutputWriter("sqlite://")
