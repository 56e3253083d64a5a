"""Source URIs: telling SQL URLs from file locations, and hiding passwords before they are shown."""

import os
import re
from urllib.parse import parse_qsl, urlencode, urlsplit

SQL_SCHEMES: tuple[str, ...] = ("sqlite", "postgresql", "postgres")
"""URL schemes (before any ``+driver``) read as SQL databases."""

_SECRET_PARAM = re.compile(r"pass|secret|token|credential|key", re.IGNORECASE)
_REDACTED = "***"


def uri_scheme(uri: str | os.PathLike[str]) -> str:
    """The scheme of ``uri`` without any ``+driver`` suffix, lower case; ``""`` for a plain path.

    Args:
        uri: A URI, SQLAlchemy URL or local path.

    Returns:
        For example ``"s3"``, ``"postgresql"`` (also for ``postgresql+psycopg2://``), ``"file"``,
        or ``""``.
    """
    text = os.fspath(uri)
    match = re.match(r"^([A-Za-z][A-Za-z0-9.+-]*)://", text)
    return match.group(1).split("+", 1)[0].lower() if match else ""


def is_sql_url(uri: str | os.PathLike[str]) -> bool:
    """Whether ``uri`` is a SQLAlchemy URL of a database relgraph reads (SQLite, PostgreSQL)."""
    return uri_scheme(uri) in SQL_SCHEMES


def redact_uri(uri: str | os.PathLike[str]) -> str:
    """``uri`` with its password, and query parameters that look like secrets, replaced by ``***``.

    Local paths and URIs without credentials come back unchanged, so the result is safe to log
    and to write into manifests.

    Args:
        uri: A URI, SQLAlchemy URL or local path.

    Returns:
        The redacted URI.
    """
    text = os.fspath(uri)
    if not uri_scheme(text):
        return text
    parts = urlsplit(text)
    userinfo, at, hostport = parts.netloc.rpartition("@")
    netloc = parts.netloc
    if at and ":" in userinfo:
        netloc = f"{userinfo.split(':', 1)[0]}:{_REDACTED}@{hostport}"
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    query = parts.query
    if any(_SECRET_PARAM.search(key) for key, _ in pairs):
        query = urlencode(
            [(key, _REDACTED if _SECRET_PARAM.search(key) else value) for key, value in pairs],
            safe="*",
        )
    if netloc == parts.netloc and query == parts.query:
        return text
    # Rebuilt by hand: urlunsplit drops the "//" of schemes it does not know (sqlite:///x).
    rebuilt = f"{parts.scheme}://{netloc}{parts.path}"
    if query:
        rebuilt += f"?{query}"
    if parts.fragment:
        rebuilt += f"#{parts.fragment}"
    return rebuilt
