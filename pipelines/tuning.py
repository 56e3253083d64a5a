"""The ``tuning`` pipeline: one graph, a sweep of trainer configurations trained in parallel,
the best on validation evaluated and registered."""

from collections.abc import Callable

from kfp import dsl

from relgraph.components.select_best_model import select_best_model
from relgraph.pipelines import steps
from relgraph.pipelines.settings import PlatformSettings

NAME = "tuning"

DEFAULT_GRID = [{}, {"channels": 64}, {"lr": 0.005}, {"fanouts": [16, 4]}]
"""The default sweep: the default TrainerConfig, and three variations of one setting each.

(One setting per trial also keeps the compiled YAML byte-stable: KFP writes a nested default
into the YAML's header comment in protobuf map order, which varies between processes.)
"""


def build(settings: PlatformSettings) -> Callable:
    """The tuning pipeline for a platform.

    Args:
        settings: Where it runs.

    Returns:
        The pipeline function (a ``kfp`` graph component).
    """

    @dsl.pipeline(
        name="relgraph-tuning",
        description="Train a sweep of relgraph trainer configurations in parallel on one "
        "graph, then evaluate and register the best on validation.",
    )
    def tuning(
        source: str,
        task: str,
        model_name: str = "relgraph-model",
        trainer_configs: list = DEFAULT_GRID,
        tables: str = "",
        queries: dict = {},  # noqa: B006 (a KFP parameter default, compiled into the YAML)
        schema_overrides: dict = {},  # noqa: B006
        split: dict = {},  # noqa: B006
        text_embedder: str = "hashing",
        mlflow_tracking_uri: str = settings.tracking_uri,
        experiment: str = "relgraph-tuning",
        margin: float = 0.0,
    ) -> None:
        """Snapshot, schema, task tables and graph once; train every configuration; pick the
        best validation score; evaluate it against the champion; register it.

        Args:
            source: Where the tables are: a folder, an s3:// prefix, or a SQLAlchemy URL.
            task: A predictive query (PREDICT ... FOR EACH table.key [WHERE ...]), or the JSON
                of existing task tables (see relgraph.tasks.build).
            model_name: The registered model name in MLflow; also the task's name.
            trainer_configs: The sweep: a list of TrainerConfig field objects, one per trial.
            tables: The tables to read, comma-separated; empty for all of them.
            queries: SQL queries whose results are read as extra tables, {name: SQL}.
            schema_overrides: Settings that replace schema inference, {"tables": {...}}.
            split: The split plan of the query; {} derives one from the data.
            text_embedder: How text columns are embedded: hashing, hashing:<dim> or minilm.
            mlflow_tracking_uri: The MLflow tracking server.
            experiment: The MLflow experiment of the trials' runs.
            margin: How much the best trial must beat the champion by to become champion.
        """
        data = steps.read_source(settings, source=source, tables=tables, queries=queries)
        prepared = steps.prepare_training(
            settings,
            data.outputs["data"],
            schema_overrides=schema_overrides,
            task_spec=task,
            task_name=model_name,
            split=split,
            text_embedder=text_embedder,
        )
        with dsl.ParallelFor(trainer_configs, parallelism=settings.max_parallel_trials) as config:
            trial = steps.train_model(
                settings,
                prepared,
                trainer_config=config,
                tracking_uri=mlflow_tracking_uri,
                experiment=experiment,
            )
        best = select_best_model(models=dsl.Collected(trial.outputs["model"]))
        best = best.set_caching_options(enable_caching=True)
        steps.evaluate_and_register(
            settings,
            prepared,
            data.outputs["data"],
            best.outputs["best"],
            model_name=model_name,
            margin=margin,
            tracking_uri=mlflow_tracking_uri,
        )

    return tuning
