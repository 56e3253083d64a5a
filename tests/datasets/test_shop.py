"""Tests of the demo shop generator: determinism, keys, time, seasonality, churn, signal."""

import datetime as dt
import time
from collections.abc import Iterator

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
import pyarrow.parquet as pq
import pytest
from scipy.stats import spearmanr
from sklearn.metrics import roc_auc_score

from relgraph.datasets import SHOP_END, SHOP_START, generate_shop, shop_tables

PRIMARY_KEYS = {
    "categories": "category_id",
    "products": "product_id",
    "customers": "customer_id",
    "orders": "order_id",
    "order_items": "order_item_id",
    "reviews": "review_id",
}
FOREIGN_KEYS = [
    ("products", "category_id", "categories"),
    ("orders", "customer_id", "customers"),
    ("order_items", "order_id", "orders"),
    ("order_items", "product_id", "products"),
    ("reviews", "customer_id", "customers"),
    ("reviews", "product_id", "products"),
]
EVENT_TIMES = [
    ("customers", "signup_at"),
    ("orders", "ordered_at"),
    ("reviews", "created_at"),
]
CUTOFF = "2024-07-01"  # the measurements below predict the half year after this from before it


@pytest.fixture(scope="module")
def shop() -> dict[str, pa.Table]:
    return shop_tables(seed=0, scale=1.0)


@pytest.fixture(scope="module")
def con(shop: dict[str, pa.Table]) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect()
    for name, table in shop.items():
        connection.register(name, table)
    yield connection
    connection.close()


def _auroc_separation(labels: np.ndarray, score: np.ndarray) -> float:
    """How well a score separates the labels in either direction (0.5 = not at all)."""
    score = np.asarray(score, dtype=float)
    score = np.where(np.isnan(score), np.nanmean(score), score)
    auc = roc_auc_score(labels, score)
    return max(auc, 1 - auc)


def test_default_size_and_tables(shop: dict[str, pa.Table]) -> None:
    rows = {name: table.num_rows for name, table in shop.items()}
    assert list(rows) == list(PRIMARY_KEYS)
    assert rows["customers"] == 5_000
    assert rows["products"] == 1_000
    assert 80_000 <= rows["order_items"] <= 130_000
    assert rows["orders"] < rows["order_items"]
    assert 0.1 * rows["order_items"] < rows["reviews"] < 0.4 * rows["order_items"]


def test_same_seed_same_tables_other_seed_other_tables() -> None:
    first, again, other = shop_tables(3, 0.05), shop_tables(3, 0.05), shop_tables(4, 0.05)
    for name in first:
        assert first[name].equals(again[name]), name
    assert not first["orders"].equals(other["orders"])
    assert not first["products"].equals(other["products"])


@pytest.mark.parametrize(
    ("seed", "scale", "match"),
    [
        (-1, 1.0, "seed must be a non-negative integer, found -1"),
        (1.5, 1.0, "seed must be a non-negative integer, found 1.5"),
        (True, 1.0, "seed must be a non-negative integer"),
        (0, 0.0, "scale must be a positive number, found 0.0"),
        (0, -2.0, "scale must be a positive number"),
        (0, float("nan"), "scale must be a positive number"),
        (0, "2", "scale must be a positive number, found '2'"),
    ],
)
def test_invalid_arguments(seed: object, scale: float, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        shop_tables(seed, scale)  # type: ignore[arg-type]


def test_scale_grows_tables() -> None:
    small, large = shop_tables(0, 0.2), shop_tables(0, 0.4)
    assert large["customers"].num_rows == 2 * small["customers"].num_rows == 2_000
    ratio = large["order_items"].num_rows / small["order_items"].num_rows
    assert 1.7 < ratio < 2.3


def test_tiny_scale_keeps_every_category_stocked() -> None:
    tables = shop_tables(0, 0.001)
    assert tables["customers"].num_rows == 50
    categories = pc.unique(tables["products"]["category_id"])
    assert len(categories) == tables["categories"].num_rows


@pytest.mark.parametrize(("table", "key"), PRIMARY_KEYS.items())
def test_primary_keys_unique_and_not_null(shop: dict[str, pa.Table], table: str, key: str) -> None:
    values = shop[table][key]
    assert values.null_count == 0
    assert pc.count_distinct(values).as_py() == len(values)


@pytest.mark.parametrize(("child", "column", "parent"), FOREIGN_KEYS)
def test_foreign_keys_reference_existing_rows(
    shop: dict[str, pa.Table], child: str, column: str, parent: str
) -> None:
    values = shop[child][column]
    assert values.null_count == 0
    assert pc.all(pc.is_in(values, value_set=shop[parent][PRIMARY_KEYS[parent]])).as_py()


@pytest.mark.parametrize(("table", "column"), EVENT_TIMES)
def test_event_times_inside_history(shop: dict[str, pa.Table], table: str, column: str) -> None:
    times = shop[table][column]
    assert times.null_count == 0
    assert pc.min(times).as_py() >= dt.datetime.combine(SHOP_START, dt.time())
    assert pc.max(times).as_py() < dt.datetime.combine(SHOP_END, dt.time())
    # and they span the two years, not a corner of them
    assert pc.min(times).as_py() < dt.datetime(2023, 2, 1)
    assert pc.max(times).as_py() > dt.datetime(2024, 12, 1)


def test_events_follow_their_causes(con: duckdb.DuckDBPyConnection) -> None:
    before_signup = con.execute(
        "SELECT count(*) FROM orders JOIN customers USING (customer_id) WHERE ordered_at < signup_at"
    ).fetchone()[0]
    unlisted = con.execute(
        """SELECT count(*) FROM order_items JOIN orders USING (order_id)
           JOIN products USING (product_id) WHERE ordered_at < listed_at"""
    ).fetchone()[0]
    review_before_purchase = con.execute(
        """SELECT count(*) FROM reviews r WHERE NOT EXISTS (
             SELECT 1 FROM order_items i JOIN orders o USING (order_id)
             WHERE o.customer_id = r.customer_id AND i.product_id = r.product_id
               AND o.ordered_at < r.created_at)"""
    ).fetchone()[0]
    assert (before_signup, unlisted, review_before_purchase) == (0, 0, 0)


def test_static_dates_are_not_event_times(shop: dict[str, pa.Table]) -> None:
    customers = shop["customers"]
    signup_day = customers["signup_at"].cast(pa.date32())
    age_days = pc.days_between(customers["date_of_birth"], signup_day).to_numpy()
    assert age_days.min() >= 18 * 365 and age_days.max() <= 71 * 366
    # loaded_at is one ETL run after the history ends, not when anything happened
    loaded = customers["loaded_at"]
    assert pc.min(loaded).as_py() >= dt.datetime.combine(SHOP_END, dt.time())
    span = pc.max(loaded).as_py() - pc.min(loaded).as_py()
    assert span < dt.timedelta(minutes=10)


def test_totals_match_items(con: duckdb.DuckDBPyConnection) -> None:
    worst = con.execute(
        """SELECT max(abs(o.total_amount - o.shipping_fee - s.subtotal)) FROM orders o JOIN (
             SELECT order_id, sum(quantity * unit_price) AS subtotal FROM order_items
             GROUP BY order_id) s USING (order_id)"""
    ).fetchone()[0]
    assert worst < 0.01


def test_product_columns(shop: dict[str, pa.Table]) -> None:
    products = shop["products"]
    assert products.schema.field("tags").type == pa.list_(pa.string())
    assert products.schema.field("image_embedding").type == pa.list_(pa.float32())
    assert pc.all(pc.equal(pc.list_value_length(products["image_embedding"]), 8)).as_py()
    tag_counts = pc.list_value_length(products["tags"]).to_numpy()
    assert tag_counts.min() >= 1 and tag_counts.max() >= 3
    distinct_tags = pc.count_distinct(pc.list_flatten(products["tags"])).as_py()
    assert distinct_tags > 30
    assert pc.count_distinct(products["description"]).as_py() > 0.5 * products.num_rows
    assert pc.min(products["price"]).as_py() > 0


def test_reviews_have_ratings_and_text(shop: dict[str, pa.Table]) -> None:
    reviews = shop["reviews"]
    ratings = reviews["rating"].to_numpy()
    assert set(np.unique(ratings)) == {1, 2, 3, 4, 5}
    assert pc.min(pc.utf8_length(reviews["body"])).as_py() > 10


def test_weekly_and_yearly_seasonality(con: duckdb.DuckDBPyConnection) -> None:
    by_weekday = dict(
        con.execute("SELECT isodow(ordered_at), count(*) FROM orders GROUP BY 1").fetchall()
    )
    assert by_weekday[7] > 1.2 * by_weekday[6]  # Sunday busier than Saturday
    daily = dict(con.execute("SELECT ordered_at::DATE, count(*) FROM orders GROUP BY 1").fetchall())
    november = [daily[dt.date(2024, 11, d)] for d in range(1, 21)]
    assert daily[dt.date(2024, 11, 29)] > 2 * np.median(november)  # Black Friday 2024
    mid_december = sum(daily[dt.date(2024, 12, d)] for d in range(1, 15))
    mid_september = sum(daily[dt.date(2024, 9, d)] for d in range(1, 15))
    assert mid_december > 1.3 * mid_september


def test_customers_churn(con: duckdb.DuckDBPyConnection) -> None:
    # Regular customers (5+ orders) whose last order is half a year or more before the end.
    share_stopped = con.execute(
        f"""SELECT avg((last_order < TIMESTAMP '{CUTOFF}')::INT) FROM (
              SELECT customer_id, max(ordered_at) AS last_order FROM orders
              GROUP BY customer_id HAVING count(*) >= 5)"""
    ).fetchone()[0]
    assert 0.1 < share_stopped < 0.6


def test_join_aggregates_predict_churn_better_than_customer_columns(
    con: duckdb.DuckDBPyConnection,
) -> None:
    """Among customers who ordered in the quarter before the cutoff, who orders nothing in the
    quarter after? The customer row barely tells; the ratings they gave and the items they
    returned (only reachable through joins) do."""
    frame = con.execute(
        f"""
        WITH active AS (
            SELECT customer_id FROM orders WHERE ordered_at < TIMESTAMP '{CUTOFF}'
            GROUP BY customer_id
            HAVING max(ordered_at) >= TIMESTAMP '{CUTOFF}' - INTERVAL 90 DAY),
        stayed AS (
            SELECT DISTINCT customer_id FROM orders WHERE ordered_at >= TIMESTAMP '{CUTOFF}'
              AND ordered_at < TIMESTAMP '{CUTOFF}' + INTERVAL 90 DAY),
        returns AS (
            SELECT o.customer_id, avg(i.returned::INT) AS return_rate
            FROM order_items i JOIN orders o USING (order_id)
            WHERE o.ordered_at < TIMESTAMP '{CUTOFF}' GROUP BY 1),
        ratings AS (
            SELECT customer_id, avg(rating) AS mean_rating FROM reviews
            WHERE created_at < TIMESTAMP '{CUTOFF}' GROUP BY 1)
        SELECT c.*, r.return_rate, g.mean_rating, (s.customer_id IS NULL)::INT AS churned
        FROM customers c JOIN active USING (customer_id)
        LEFT JOIN stayed s USING (customer_id)
        LEFT JOIN returns r USING (customer_id)
        LEFT JOIN ratings g USING (customer_id)
        """
    ).df()
    churned = frame["churned"].to_numpy()
    assert len(frame) > 1_000 and 0.1 < churned.mean() < 0.5
    row_scores = {
        "signup_at": frame["signup_at"].astype("int64"),
        "date_of_birth": frame["date_of_birth"].astype("datetime64[s]").astype("int64"),
        "loaded_at": frame["loaded_at"].astype("int64"),
        "marketing_opt_in": frame["marketing_opt_in"].astype(int),
        # the churn rate of the customer's country, fitted on these very rows: generous
        "country": frame.groupby("country")["churned"].transform("mean"),
    }
    row_best = max(_auroc_separation(churned, v.to_numpy()) for v in row_scores.values())
    rating = _auroc_separation(churned, frame["mean_rating"].to_numpy())
    returns = _auroc_separation(churned, frame["return_rate"].to_numpy())
    assert row_best < 0.57
    assert rating > row_best + 0.04
    assert returns > row_best


def test_past_spend_predicts_future_spend_better_than_customer_columns(
    con: duckdb.DuckDBPyConnection,
) -> None:
    frame = con.execute(
        f"""
        WITH past AS (
            SELECT o.customer_id, sum(i.quantity * i.unit_price) AS spent
            FROM orders o JOIN order_items i USING (order_id)
            WHERE o.ordered_at < TIMESTAMP '{CUTOFF}' GROUP BY 1),
        future AS (
            SELECT customer_id, sum(total_amount) AS value FROM orders
            WHERE ordered_at >= TIMESTAMP '{CUTOFF}' GROUP BY 1)
        SELECT c.*, p.spent, coalesce(f.value, 0) AS future_value
        FROM customers c JOIN past p USING (customer_id) LEFT JOIN future f USING (customer_id)
        """
    ).df()
    target = frame["future_value"]
    row_best = max(
        abs(spearmanr(frame[col].astype("datetime64[s]").astype("int64"), target).statistic)
        for col in ("signup_at", "date_of_birth", "loaded_at")
    )
    row_best = max(row_best, abs(spearmanr(frame["marketing_opt_in"], target).statistic))
    assert abs(spearmanr(frame["spent"], target).statistic) > row_best + 0.04


def test_default_generation_is_fast() -> None:
    start = time.perf_counter()
    shop_tables(seed=1, scale=1.0)
    assert time.perf_counter() - start < 5.0


@pytest.mark.parametrize("file_format", ["parquet", "csv"])
def test_generate_shop_writes_every_table(tmp_path, file_format: str) -> None:
    dest = tmp_path / "shop"
    counts = generate_shop(dest, seed=2, scale=0.05, file_format=file_format)
    expected = shop_tables(2, 0.05)
    assert counts == {name: table.num_rows for name, table in expected.items()}
    assert sorted(p.name for p in dest.iterdir()) == sorted(
        f"{name}.{file_format}" for name in expected
    )
    if file_format == "parquet":
        for name, table in expected.items():
            assert pq.read_table(dest / f"{name}.parquet").equals(table), name
    else:
        products = pcsv.read_csv(dest / "products.csv")
        assert products.num_rows == counts["products"]
        assert products["tags"][0].as_py().startswith('["')


def test_generate_shop_refuses_to_overwrite_unless_asked(tmp_path) -> None:
    dest = tmp_path / "shop"
    generate_shop(dest, seed=0, scale=0.01)
    with pytest.raises(FileExistsError, match="already exists and is not empty"):
        generate_shop(dest, seed=1, scale=0.01)
    counts = generate_shop(dest, seed=1, scale=0.01, overwrite=True)
    assert pq.read_table(dest / "orders.parquet").num_rows == counts["orders"]


def test_generate_shop_rejects_unknown_format(tmp_path) -> None:
    with pytest.raises(ValueError, match="file_format must be one of"):
        generate_shop(tmp_path / "shop", file_format="xlsx")  # type: ignore[arg-type]
    assert not (tmp_path / "shop").exists()
