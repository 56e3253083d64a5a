"""The ``relgraph`` command line (typer + rich): ``relgraph --help`` lists the commands."""

from relgraph.cli.main import app

__all__ = ["app"]
