"""A tiny shop database for the task tests: static customers and products, timed orders,
and accounts that open over time with their logins."""

from datetime import date, datetime

import pyarrow as pa

from relgraph.schema import Column, ForeignKey, Schema, Table


def _columns(spec: str) -> list[Column]:
    """``"a:integer b:text"`` -> columns."""
    return [Column(*item.split(":")) for item in spec.split()]


def shop_schema() -> Schema:
    """A tiny shop: static customers and products, timed orders; accounts that open over
    time, and their logins."""
    return Schema(
        [
            Table(
                "customers",
                _columns(
                    "customer_id:integer name:text segment:category since:datetime vip:category"
                ),
                primary_key="customer_id",
            ),
            Table(
                "products",
                _columns("product_id:integer category:category price:float"),
                primary_key="product_id",
            ),
            Table(
                "orders",
                _columns(
                    "order_id:integer customer_id:integer product_id:integer amount:float "
                    "status:category ts:datetime"
                ),
                primary_key="order_id",
                foreign_keys=[
                    ForeignKey("customer_id", "customers.customer_id"),
                    ForeignKey("product_id", "products.product_id"),
                ],
                time_column="ts",
            ),
            Table(
                "accounts",
                _columns("account_id:integer opened:datetime"),
                primary_key="account_id",
                time_column="opened",
            ),
            Table(
                "logins",
                _columns("login_id:integer account_id:integer ts:datetime"),
                primary_key="login_id",
                foreign_keys=[ForeignKey("account_id", "accounts.account_id")],
                time_column="ts",
            ),
        ]
    )


def _times(*values: str) -> pa.Array:
    return pa.array(
        [None if v is None else datetime.fromisoformat(v) for v in values], pa.timestamp("us")
    )


def shop_data() -> dict[str, pa.Table]:
    """The shop's rows; the anchor time of most tests is 2021-01-10."""
    return {
        "customers": pa.table(
            {
                "customer_id": [1, 2, 3, 4],
                "name": ["Ann", "Bob", "Cy", "Di"],
                "segment": ["a", "b", "a", None],
                "since": pa.array([date(2020, 1, 1), date(2020, 7, 1), date(2021, 1, 1), None]),
                "vip": [True, False, False, True],
            }
        ),
        "products": pa.table(
            {
                "product_id": [10, 11, 12],
                "category": ["toys", "food", "toys"],
                "price": [5.0, 2.0, 7.5],
            }
        ),
        "orders": pa.table(
            {
                "order_id": [1, 2, 3, 4, 5, 6, 7, 8, 9],
                "customer_id": [1, 1, 1, 2, 2, 3, 99, 1, 4],
                "product_id": [10, 11, 10, 12, 11, 12, 10, 12, 10],
                "amount": [10.0, 20.0, 5.0, 7.0, None, 3.0, 1.0, 4.0, 2.0],
                "status": [
                    "done",
                    "done",
                    "cancelled",
                    "done",
                    "done",
                    "done",
                    "done",
                    "done",
                    "done",
                ],
                "ts": _times(
                    "2021-01-10 00:00:00",  # exactly at the anchor: in no future window
                    "2021-01-12 00:00:00",
                    "2021-01-15 00:00:00",  # exactly anchor + 5 days: in (0, 5]
                    "2021-01-15 00:00:01",  # just after anchor + 5 days
                    "2021-01-11 00:00:00",
                    "2020-12-20 00:00:00",  # in the past
                    "2021-01-11 00:00:00",  # customer 99 does not exist
                    "2021-01-12 00:00:00",  # same time as order 2, later row
                    "2021-03-05 00:00:00",
                ),
            }
        ),
        "accounts": pa.table(
            {
                "account_id": [100, 101],
                "opened": _times("2021-01-01 00:00:00", "2021-02-01 00:00:00"),
            }
        ),
        "logins": pa.table(
            {
                "login_id": [1, 2, 3],
                "account_id": [100, 101, 100],
                "ts": _times("2021-01-05 00:00:00", "2021-02-03 00:00:00", "2021-02-04 00:00:00"),
            }
        ),
    }
