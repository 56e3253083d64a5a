"""Errors raised by relgraph.io: unreadable sources, unknown tables, broken snapshots."""


class SourceError(ValueError):
    """A source cannot be read as tables: missing, empty, malformed or unsupported."""


class TableNotFoundError(SourceError, LookupError):
    """A table name that the source does not have."""


class SnapshotError(ValueError):
    """A snapshot folder that is missing, incomplete or of an unknown format."""
