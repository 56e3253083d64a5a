"""The ``build_task_table`` component."""

from relgraph.components.build_task_table.component import build_task_table

__all__ = ["build_task_table"]
