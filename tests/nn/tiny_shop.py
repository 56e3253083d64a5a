"""A tiny hand-built shop database (users, items, timed orders) and tasks on it."""

import numpy as np
import pyarrow as pa

NUM_USERS = 40
NUM_ITEMS = 12
NUM_ORDERS = 400
DAY = 86_400
START = np.datetime64("2024-01-01T00:00:00", "s")


def shop_tables(seed: int = 0) -> dict[str, pa.Table]:
    """Users and items (static) and orders (timed, referencing both), with a learnable
    signal: a user's spend depends on their segment and the items' categories."""
    rng = np.random.default_rng(seed)
    segment = rng.integers(0, 3, NUM_USERS)
    users = pa.table(
        {
            "user_id": pa.array(np.arange(1, NUM_USERS + 1), pa.int64()),
            "age": pa.array(rng.integers(18, 70, NUM_USERS).astype(np.float64)),
            "segment": pa.array(np.array(["basic", "plus", "pro"])[segment]),
        }
    )
    category = rng.integers(0, 4, NUM_ITEMS)
    items = pa.table(
        {
            "item_id": pa.array(np.arange(1, NUM_ITEMS + 1), pa.int64()),
            "price": pa.array(rng.uniform(1, 100, NUM_ITEMS)),
            "category": pa.array(np.array(["a", "b", "c", "d"])[category]),
        }
    )
    user = rng.integers(0, NUM_USERS, NUM_ORDERS)
    item = rng.integers(0, NUM_ITEMS, NUM_ORDERS)
    days = np.sort(rng.integers(0, 200, NUM_ORDERS))
    amount = (1 + segment[user]) * (1 + category[item]) + rng.normal(0, 0.5, NUM_ORDERS)
    orders = pa.table(
        {
            "order_id": pa.array(np.arange(1, NUM_ORDERS + 1), pa.int64()),
            "user_id": pa.array(user + 1, pa.int64()),
            "item_id": pa.array(item + 1, pa.int64()),
            "amount": pa.array(amount),
            "quantity": pa.array(rng.integers(1, 5, NUM_ORDERS).astype(np.float64)),
            "ordered_at": pa.array(START + days * DAY, pa.timestamp("s")),
        }
    )
    return {"users": users, "items": items, "orders": orders}


def spend_task(tables: dict[str, pa.Table], anchors_days: list[int]) -> pa.Table:
    """A task table: per user and anchor, the label is the user's total order amount in
    the 30 days after the anchor (regression) ."""
    orders = tables["orders"]
    ts = orders["ordered_at"].to_numpy().astype("datetime64[s]")
    users = orders["user_id"].to_numpy()
    amount = orders["amount"].to_numpy()
    rows_user, rows_time, rows_label = [], [], []
    for day in anchors_days:
        anchor = START + np.timedelta64(day * DAY, "s")
        window = (ts >= anchor) & (ts < anchor + np.timedelta64(30 * DAY, "s"))
        totals = np.bincount(users[window], weights=amount[window], minlength=NUM_USERS + 1)
        ids = np.arange(1, NUM_USERS + 1)
        rows_user.append(ids)
        rows_time.append(np.full(ids.size, anchor))
        rows_label.append(totals[1:])
    return pa.table(
        {
            "user_id": pa.array(np.concatenate(rows_user), pa.int64()),
            "anchor_time": pa.array(
                np.concatenate(rows_time).astype("datetime64[us]"), pa.timestamp("us")
            ),
            "label": pa.array(np.concatenate(rows_label)),
        }
    )


TRAIN_DAYS = [40, 70, 100]
VALIDATION_DAYS = [130]
TEST_DAYS = [160]


def task_splits(kind: str, tables: dict[str, pa.Table]) -> dict[str, pa.Table]:
    """Train/validation/test tables of a task of ``kind``: ``regression`` (30-day spend),
    ``binary`` (spend above 10), ``multiclass`` (spend bucket 0/1/2) or ``multilabel``
    (the item categories the user buys in the window)."""
    splits = {
        "train": spend_task(tables, TRAIN_DAYS),
        "validation": spend_task(tables, VALIDATION_DAYS),
        "test": spend_task(tables, TEST_DAYS),
    }
    if kind == "regression":
        return splits
    out = {}
    for split, table in splits.items():
        spend = table["label"].to_numpy()
        if kind == "binary":
            label = pa.array((spend > 10).astype(np.int64))
        elif kind == "multiclass":
            label = pa.array(np.digitize(spend, [5.0, 20.0]).astype(np.int64))
        elif kind == "multilabel":
            label = _categories_bought(tables, table)
        else:
            raise ValueError(f"unknown task kind {kind!r}")
        out[split] = table.set_column(2, "label", label)
    return out


def _categories_bought(tables: dict[str, pa.Table], task: pa.Table) -> pa.Array:
    orders = tables["orders"]
    ts = orders["ordered_at"].to_numpy().astype("datetime64[us]")
    category = tables["items"]["category"].to_numpy(zero_copy_only=False)
    item = orders["item_id"].to_numpy() - 1
    users = orders["user_id"].to_numpy()
    labels = []
    for user, anchor in zip(
        task["user_id"].to_numpy(), task["anchor_time"].to_numpy(), strict=True
    ):
        window = (users == user) & (ts >= anchor) & (ts < anchor + np.timedelta64(30 * DAY, "s"))
        labels.append(sorted(set(category[item[window]].tolist())))
    return pa.array(labels, pa.list_(pa.string()))
