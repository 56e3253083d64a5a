import pytest

from relgraph.io import is_sql_url, redact_uri
from relgraph.io.uri import uri_scheme


@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        ("postgresql://user:secret@db:5432/shop", "postgresql://user:***@db:5432/shop"),
        ("postgresql+psycopg2://u:p%40ss@h/db", "postgresql+psycopg2://u:***@h/db"),
        (
            "postgresql://u@h/db?password=x&sslmode=require",
            "postgresql://u@h/db?password=***&sslmode=require",
        ),
        ("s3://bucket/prefix?aws_secret_key=abc", "s3://bucket/prefix?aws_secret_key=***"),
        ("sqlite:///relative/path.db", "sqlite:///relative/path.db"),
        ("sqlite:////abs/my file.db", "sqlite:////abs/my file.db"),
        ("s3://bucket/prefix", "s3://bucket/prefix"),
        ("/data/f1", "/data/f1"),
        ("data/with:colon", "data/with:colon"),
    ],
)
def test_redact_uri(uri: str, expected: str) -> None:
    assert redact_uri(uri) == expected


@pytest.mark.parametrize(
    ("uri", "scheme", "sql"),
    [
        ("sqlite:///x.db", "sqlite", True),
        ("postgresql://h/db", "postgresql", True),
        ("postgresql+psycopg2://h/db", "postgresql", True),
        ("postgres://h/db", "postgres", True),
        ("mysql://h/db", "mysql", False),
        ("s3://b/p", "s3", False),
        ("file:///tmp/x", "file", False),
        ("relative/folder", "", False),
    ],
)
def test_scheme_and_sql_detection(uri: str, scheme: str, sql: bool) -> None:
    assert uri_scheme(uri) == scheme
    assert is_sql_url(uri) is sql
