"""``PredictiveQuery``: a predictive query bound to a dataset, from its text to its training
table.

It wraps :class:`relgraph.tasks.PredictiveQuery` with the dataset's schema and data, so that
questions about the query (its task type, a split plan, the training table) need no more
arguments. The same query text and split plan given to the ``training`` pipeline build the
same task tables there.
"""

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from relgraph.tasks import LinkTask, NodeTask, SplitPlan, TaskType
from relgraph.tasks import PredictiveQuery as QueryText
from relgraph.tasks.build import default_split, parse_split_plan

if TYPE_CHECKING:
    from relgraph.client.dataset import Dataset

_logger = logging.getLogger(__name__)


class PredictiveQuery:
    """A predictive query over a dataset: ``PREDICT <target> FOR EACH <table>.<key>
    [WHERE <filter>]``.

    Example::

        query = PredictiveQuery(
            dataset,
            "PREDICT COUNT(orders.*, 0, 30, days) = 0 "
            "FOR EACH customers.customer_id WHERE COUNT(orders.*, -90, 0, days) > 0",
        )
        query.task_type                 # TaskType.BINARY_CLASSIFICATION
        plan = query.suggest_split_plan()
        task = query.generate_training_table(plan)
        task.table("train")             # customer_id, anchor_time, label

    Args:
        dataset: The dataset the query reads.
        query: The query text (see ``docs/predictive_queries.md``), or a parsed
            :class:`relgraph.tasks.PredictiveQuery`.
        name: The task's name (default: ``None``: the dataset's experiment name).
        split: The split plan the dataset is trained with (default: ``None``:
            :meth:`suggest_split_plan` when needed). See
            :func:`relgraph.tasks.build.parse_split_plan` for the forms it takes.

    Raises:
        PQuerySyntaxError: If the text does not parse; the message points at the problem.
        TaskError: If the split plan is malformed.
    """

    def __init__(
        self,
        dataset: "Dataset",
        query: str | QueryText,
        *,
        name: str | None = None,
        split: SplitPlan | Mapping[str, Any] | str | None = None,
    ) -> None:
        self.dataset = dataset
        self.query = query if isinstance(query, QueryText) else QueryText(query)
        self._name = name
        self._split = parse_split_plan(split)

    def __repr__(self) -> str:
        return f"PredictiveQuery({str(self.query)!r})"

    def __str__(self) -> str:
        return str(self.query)

    @property
    def text(self) -> str:
        """The query, in its canonical text form."""
        return str(self.query)

    @property
    def name(self) -> str:
        """The task's name: as given, else the dataset's experiment name."""
        return self._name or self.dataset.experiment_name

    @property
    def task_type(self) -> TaskType:
        """The task type the query implies (regression, binary classification, ...).

        Raises:
            PQueryError: If the query does not fit the dataset's schema (naming the table or
                column and where in the query).
        """
        return self.query.task_type(self.dataset.schema)

    def explain(self) -> str:
        """A few lines saying what the query predicts: task type, entities, target, window,
        metrics.

        Raises:
            PQueryError: If the query does not fit the dataset's schema.
        """
        return self.query.explain(self.dataset.schema)

    def validate(self) -> None:
        """Checks the query against the dataset's schema and the types of its data.

        Raises:
            PQueryError: At the first problem, with its position in the query.
        """
        self.query.resolve(self.dataset.schema, self.dataset.data)

    @property
    def split_plan(self) -> SplitPlan | None:
        """The split plan set for training, or ``None`` (then the suggested one is used)."""
        return self._split

    @split_plan.setter
    def split_plan(self, split: SplitPlan | Mapping[str, Any] | str | None) -> None:
        self._split = parse_split_plan(split)

    def suggest_split_plan(self) -> SplitPlan:
        """A split plan for the query on this data: a temporal split stepping by the target
        window (validation and test each about a tenth of the data's time span) for a windowed
        target, a random split for a static one. The ``training`` pipeline derives the same
        plan when given none.

        Returns:
            The plan.

        Raises:
            PQueryError: If the query does not fit the dataset's schema.
            TaskError: If the data spans too little time for one training, validation and test
                window each.
        """
        return default_split(self.query, self.dataset.schema, self.dataset.data)

    def generate_training_table(
        self, split: SplitPlan | Mapping[str, Any] | None = None
    ) -> NodeTask | LinkTask:
        """Runs the query over the dataset's data: the train, validation and test task tables.

        Args:
            split: The split plan (default: ``None``: :attr:`split_plan`, else
                :meth:`suggest_split_plan`).

        Returns:
            A :class:`NodeTask` or :class:`LinkTask` holding the tables in memory
            (``task.table("train")``); it can be the ``task_description`` of a dataset.

        Raises:
            PQueryError: If the query does not fit the schema or the data's types.
            TaskError: If the data or split plan does not fit the query.
        """
        plan = parse_split_plan(split) or self._split or self.suggest_split_plan()
        task = self.query.to_task(self.name, self.dataset.schema, self.dataset.data, plan)
        _logger.info(
            "training table of %s: %s",
            self.text,
            {s: t.num_rows for s, t in task.tables().items()},
        )
        return task

    def bound_to(self, dataset: "Dataset") -> "PredictiveQuery":
        """The same query and settings over another dataset."""
        return PredictiveQuery(dataset, self.query, name=self._name, split=self._split)
