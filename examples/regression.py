"""Regression: how much will each customer of the demo shop spend in the next 30 days?

Trains and predicts in one job (``Trainer.fit_predict``): the model is evaluated against the
registered champion, registered, and the champion predicts every active customer's spend.

    python examples/regression.py            # a few minutes on a laptop CPU
    python examples/regression.py --quick    # a tiny run, to see it work
"""

import argparse
from pathlib import Path

import pyarrow.parquet as pq
from rich.console import Console

import relgraph as rg
from relgraph.datasets import generate_shop

SPEND = (
    "PREDICT SUM(orders.total_amount, 0, 30, days) "
    "FOR EACH customers.customer_id WHERE COUNT(orders.*, -90, 0, days) > 0"
)


def main(quick: bool) -> None:
    console = Console()
    data = Path("shop")
    if not data.exists():
        generate_shop(data, scale=0.02 if quick else 0.5)

    dataset = rg.Dataset.infer(data, task=SPEND, experiment_name="shop-spend")
    console.print("task type:", dataset.task_description.task_type)  # regression

    config = rg.TrainerConfig(n_epochs=8, channels=64)
    if quick:
        config = rg.TrainerConfig(n_epochs=1, channels=8, fanouts=[4, 2], num_threads=1)
    job = rg.Trainer(config).fit_predict(
        dataset,
        output_config=rg.OutputConfig.local("predictions"),
        output_alias="spend",
        overwrite=True,
    )
    console.print("test metrics:", job.metrics()["test"])
    for name, location in rg.prediction_locations(job).items():
        console.print(name, "->", location)
        console.print(pq.read_table(location).slice(0, 5).to_pandas())


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny data and model")
    main(parser.parse_args().quick)
