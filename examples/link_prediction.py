"""Link prediction: which products will each customer of the demo shop review next?

Ranks, for every customer who wrote a review in the last 90 days, the 10 products they are
most likely to review in the next 90, and writes the ranking with the embeddings of the
customers and products. Trains and predicts in one job, submitted without waiting.

    python examples/link_prediction.py            # a few minutes on a laptop CPU
    python examples/link_prediction.py --quick    # a tiny run, to see it work
"""

import argparse
from pathlib import Path

import pyarrow.parquet as pq
from rich.console import Console

import relgraph as rg
from relgraph.datasets import generate_shop

NEXT_REVIEWS = (
    "PREDICT LIST_DISTINCT(reviews.product_id, 0, 90, days) RANK TOP 10 "
    "FOR EACH customers.customer_id WHERE COUNT(reviews.*, -90, 0, days) > 0"
)


def main(quick: bool) -> None:
    console = Console()
    data = Path("shop")
    if not data.exists():
        generate_shop(data, scale=0.05 if quick else 0.5)

    dataset = rg.Dataset.infer(data, task=NEXT_REVIEWS, experiment_name="shop-reviews")
    console.print(dataset.task_description.explain())

    config = rg.TrainerConfig(n_epochs=8, channels=64)
    if quick:
        config = rg.TrainerConfig(n_epochs=1, channels=8, fanouts=[4, 2], num_threads=1)
    job = rg.Trainer(config).fit_predict(
        dataset,
        output_config=rg.OutputConfig.local("predictions"),
        output_alias="next_reviews",
        extract_embeddings=True,
        overwrite=True,
        non_blocking=True,  # returns at once; `relgraph jobs logs <id>` follows it
    )
    console.print("job", job.id, "is", job.get_status())
    job.result()  # waits; raises if the job failed
    console.print("test metrics:", job.metrics()["test"])
    for name, location in rg.prediction_locations(job).items():
        console.print(name, "->", location)
        console.print(pq.read_table(location).slice(0, 3).to_pandas())


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny data and model")
    main(parser.parse_args().quick)
