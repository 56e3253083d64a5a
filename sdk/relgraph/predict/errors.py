"""Errors raised by relgraph.predict: outputs that exist already, and writes that failed."""


class OutputExistsError(FileExistsError):
    """An output alias that already has outputs at the destination (pass ``overwrite=True``
    to replace them)."""


class OutputWriteError(OSError):
    """Writing outputs failed part-way (the destination went away, refused a table, ...);
    nothing of the write is left at the destination."""
