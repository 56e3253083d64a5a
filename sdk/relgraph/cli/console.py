"""Terminal output of the ``relgraph`` command: where output goes, and how failures read.

Results (tables, JSON, Markdown) go to standard output, so they can be piped; progress notes,
warnings and errors go to standard error. An expected failure (bad input: a missing folder,
an unreadable file, a schema that does not fit) is one red line naming what was wrong and
exit code 1; ``--verbose`` shows its traceback as well.
"""

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import typer
from rich.console import Console
from rich.logging import RichHandler
from rich.markup import escape

stdout = Console(soft_wrap=False)
"""Results."""
stderr = Console(stderr=True)
"""Progress, notes, warnings and errors."""

EXPECTED_ERRORS: tuple[type[BaseException], ...] = (OSError, ValueError, LookupError)
"""Failures caused by the input, not by relgraph: relgraph reports bad input as ``ValueError``
subclasses (``SourceError``, ``SchemaError``, ...), missing or unwritable paths as
``OSError``, and unknown models or jobs as ``LookupError`` (``ModelNotFoundError``, ...)."""


@dataclass(frozen=True)
class CliOptions:
    """Options of the ``relgraph`` command that every subcommand honours.

    Args:
        verbose: Log progress and show tracebacks of expected errors (default: ``False``).
    """

    verbose: bool = False


@contextmanager
def logging_to_stderr(verbose: bool) -> Iterator[None]:
    """Sends relgraph's log records to standard error while the block runs: INFO and up when
    verbose, else WARNING and up. The logger is left as it was afterwards, so running the app
    in-process (tests, notebooks) changes no global logging state.

    Args:
        verbose: Whether to show INFO records.
    """
    logger = logging.getLogger("relgraph")
    level = logging.INFO if verbose else logging.WARNING
    handler = RichHandler(console=stderr, show_time=False, show_path=False, markup=False)
    handler.setLevel(level)
    previous = logger.level
    logger.addHandler(handler)
    if verbose:
        logger.setLevel(logging.INFO)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous)


@contextmanager
def reporting_errors(ctx: typer.Context, action: str) -> Iterator[None]:
    """Turns an expected error in the block into one red line on stderr and exit code 1.

    Args:
        ctx: The command's context; with ``--verbose`` the error is raised as it is.
        action: What was being done, to start the message (e.g. ``"reading ./data"``).

    Raises:
        typer.Exit: With code 1, after an expected error.
    """
    try:
        yield
    except EXPECTED_ERRORS as exc:
        options = ctx.find_object(CliOptions)
        if options is not None and options.verbose:
            raise
        message = " ".join(str(exc).split()) or type(exc).__name__
        stderr.print(f"[bold red]error:[/] {escape(action)}: {escape(message)}", soft_wrap=True)
        raise typer.Exit(code=1) from None


def note(message: str) -> None:
    """Prints a progress note (rich markup allowed) to stderr."""
    stderr.print(message, soft_wrap=True)
