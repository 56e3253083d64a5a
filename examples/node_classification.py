"""Node classification: which customers of the demo shop will churn in the next 30 days?

Generates the demo shop database, infers its schema, trains a GNN on a predictive query, and
writes a churn probability for every active customer. Everything runs on this machine:
pipelines as local jobs, models in MLflow under ``.relgraph/``.

    python examples/node_classification.py            # a few minutes on a laptop CPU
    python examples/node_classification.py --quick    # a tiny run, to see it work
"""

import argparse
from pathlib import Path

import pyarrow.parquet as pq
from rich.console import Console

import relgraph as rg
from relgraph.datasets import generate_shop

CHURN = (
    "PREDICT COUNT(orders.*, 0, 30, days) = 0 "
    "FOR EACH customers.customer_id WHERE COUNT(orders.*, -90, 0, days) > 0"
)


def main(quick: bool) -> None:
    console = Console()
    data = Path("shop")
    if not data.exists():
        generate_shop(data, scale=0.02 if quick else 0.5)

    dataset = rg.Dataset.infer(data, task=CHURN, experiment_name="shop-churn")
    dataset.table("customers").remove_column("loaded_at")  # an ETL timestamp, not a feature
    query = dataset.task_description
    console.print(query.explain())
    console.print("split plan:", query.suggest_split_plan())

    config = rg.TrainerConfig(n_epochs=8, channels=64)
    if quick:
        config = rg.TrainerConfig(n_epochs=1, channels=8, fanouts=[4, 2], num_threads=1)
    trainer = rg.Trainer(config)
    job = trainer.fit(dataset)  # blocks; non_blocking=True returns a job to watch
    console.print("test metrics:", job.metrics()["test"])
    console.print("model run:", job.model_run_id, "-", job.tracking_url)

    predicted = trainer.predict(
        dataset,
        output_config=rg.OutputConfig.local("predictions"),
        output_alias="churn",
        overwrite=True,
    )
    for name, location in rg.prediction_locations(predicted).items():
        console.print(name, "->", location)
        console.print(pq.read_table(location).slice(0, 5).to_pandas())


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny data and model")
    main(parser.parse_args().quick)
