"""The demo database: an online shop over two years, generated deterministically from a seed.

Tables (keys in brackets):

- ``categories`` [category_id]: name, department. Static.
- ``products`` [product_id; category_id]: name, description (text), price, tags (a list of
  strings), image_embedding (8 floats), listed_at.
- ``customers`` [customer_id]: signup_at, date_of_birth (a date, not an event time), country,
  marketing_opt_in, loaded_at (when the nightly ETL loaded the row: an ingest time, not an
  event time).
- ``orders`` [order_id; customer_id]: ordered_at, channel, payment_method, shipping_fee,
  total_amount.
- ``order_items`` [order_item_id; order_id, product_id]: quantity, unit_price, discount,
  returned. No time of its own: an item happens when its order does.
- ``reviews`` [review_id; customer_id, product_id]: created_at, rating (1..5), body (text).

How the rows come about. Every customer has latent traits that no customer column shows:
a segment (bargain, mainstream, premium; it sets which categories and price levels they
buy, their basket size and coupon use), a satisfaction (it sets the ratings they give and
how often they return items) and an activity rate. Each customer churns, that is stops
ordering for good, after a lifetime drawn from a hazard that rises with low satisfaction and
the bargain segment. Orders arrive at the customer's rate, shaped by the shop calendar
(weekly cycle, sales, Black Friday, Christmas), only between signup and churn. So a model
that reads the customer row alone sees little of who will churn or spend, while one that
follows the joins to orders, items, products and reviews can recover the traits.
"""

import datetime as dt
import logging
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from relgraph.datasets.calendar import day_intensity, sale_discounts
from relgraph.datasets.catalog import (
    ADJECTIVES,
    BRANDS,
    CATEGORIES,
    CHANNEL_WEIGHTS,
    CHANNELS,
    COUNTRIES,
    COUNTRY_WEIGHTS,
    GENERIC_TAGS,
    MATERIALS,
    PAYMENT_METHODS,
    PAYMENT_WEIGHTS,
    REVIEW_OPENINGS,
    REVIEW_REMARKS,
    SEGMENTS,
)
from relgraph.datasets.files import FILE_FORMATS, FileFormat, write_tables

_logger = logging.getLogger(__name__)

SHOP_START = dt.date(2023, 1, 1)
"""The first day of the shop's history."""
SHOP_END = dt.date(2025, 1, 1)
"""The day after the last day of the shop's history: every event time is before it."""

BASE_CUSTOMERS = 5_000
"""Customers at ``scale=1``."""
BASE_PRODUCTS = 1_000
"""Products at ``scale=1``."""
EMBEDDING_DIM = 8
"""Length of ``products.image_embedding``."""

_DAY_US = 86_400_000_000
_START_US = int(np.datetime64(SHOP_START, "us").astype(np.int64))
_N_DAYS = (SHOP_END - SHOP_START).days
_TIMESTAMP = pa.timestamp("us")
_PRICE_SIGMA = 0.45  # spread of log prices within a category

# Per segment (bargain, mainstream, premium); see the module docstring.
_SEGMENT_SHARES = np.array([0.35, 0.45, 0.20])
_SEGMENT_ACTIVITY = np.array([1.25, 1.0, 0.75])  # order rate multiplier
_SEGMENT_LIFETIME = np.array([-0.5, 0.0, 0.4])  # log multiplier of the mean lifetime
_SEGMENT_PRICE_FIT = np.array([-0.9, 0.0, 0.7])  # preference for dearer products in a category
_SEGMENT_BASKET = np.array([1.2, 1.0, 0.8])  # basket size multiplier
_SEGMENT_COUPON = np.array([0.18, 0.05, 0.02])  # share of orders paid with a 10 % coupon
_MEAN_LIFETIME_DAYS = 420.0
_BASE_ORDERS_PER_DAY = 0.036
_FAVOURITE_SHARE = 0.35  # share of items a customer buys in their favourite category
# When in the day orders are placed (hours 0..23, relative).
_HOUR_WEIGHTS = np.array(
    [2, 1, 0.6, 0.4, 0.3, 0.4, 1, 2, 3, 3.5, 3.8, 4, 4.3, 4, 3.8, 3.8, 4, 4.5, 5.5, 6.5, 7, 6.5, 5, 3.5]
)  # fmt: skip


@dataclass(frozen=True)
class _Products:
    """Product columns and latent properties, aligned by row (``product_id`` = row + 1)."""

    category: np.ndarray  # category index
    price: np.ndarray
    price_z: np.ndarray  # standardized log price within the category
    quality: np.ndarray
    popularity: np.ndarray
    listed: np.ndarray  # days since SHOP_START (negative: listed before)
    noun: pa.Array  # what the product is called, for review texts
    table: pa.Table


@dataclass(frozen=True)
class _Customers:
    """Customer latent traits, aligned by row (``customer_id`` = row + 1)."""

    segment: np.ndarray
    satisfaction: np.ndarray
    review_propensity: np.ndarray
    activity: np.ndarray
    signup: np.ndarray  # days since SHOP_START
    churn: np.ndarray  # days since SHOP_START when they stop ordering (may be after the end)
    table: pa.Table


@dataclass(frozen=True)
class _Orders:
    """Orders sorted by time (``order_id`` = row + 1)."""

    customer: np.ndarray  # customer row
    time: np.ndarray  # days since SHOP_START
    coupon: np.ndarray  # bool


def shop_tables(seed: int = 0, scale: float = 1.0) -> dict[str, pa.Table]:
    """Generates the demo shop database as Arrow tables.

    The same ``seed`` and ``scale`` always give the same tables. At ``scale=1`` there are
    5,000 customers, 1,000 products and about 100,000 order items; customers and products
    grow linearly with ``scale`` (at least 50 customers and two products per category).

    Args:
        seed: Seed of the random generator; a non-negative integer (default: ``0``).
        scale: Size multiplier (default: ``1.0``).

    Returns:
        The tables ``categories``, ``products``, ``customers``, ``orders``, ``order_items``
        and ``reviews``, in that order.

    Raises:
        ValueError: If ``seed`` is negative or not an integer, or ``scale`` is not positive.
    """
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, found {seed!r}")
    numeric = isinstance(scale, int | float | np.number) and not isinstance(scale, bool)
    if not numeric or not np.isfinite(scale) or scale <= 0:
        raise ValueError(f"scale must be a positive number, found {scale!r}")
    rng = np.random.default_rng(seed)
    n_customers = max(50, round(BASE_CUSTOMERS * scale))
    n_products = max(2 * len(CATEGORIES), round(BASE_PRODUCTS * scale))

    products = _products(rng, n_products)
    customers = _customers(rng, n_customers)
    orders = _orders(rng, customers)
    items, item_rows = _order_items(rng, orders, customers, products)
    reviews = _reviews(rng, item_rows, customers, products)
    _logger.debug(
        "shop seed=%d scale=%s: %d customers, %d orders, %d items, %d reviews",
        seed, scale, n_customers, len(orders.time), items.num_rows, reviews.num_rows,
    )  # fmt: skip
    return {
        "categories": _categories(),
        "products": products.table,
        "customers": customers.table,
        "orders": _orders_table(rng, orders, items),
        "order_items": items,
        "reviews": reviews,
    }


def generate_shop(
    dest: str | os.PathLike[str],
    *,
    seed: int = 0,
    scale: float = 1.0,
    file_format: FileFormat = "parquet",
    overwrite: bool = False,
) -> dict[str, int]:
    """Generates the demo shop database (see :func:`shop_tables`) as a folder of files.

    Writes ``dest/<table>.parquet`` (or ``.csv``) for every table; the folder appears complete
    or not at all.

    Args:
        dest: The folder to create.
        seed: Seed of the random generator (default: ``0``).
        scale: Size multiplier (default: ``1.0``).
        file_format: ``"parquet"`` or ``"csv"``; CSV holds list columns as JSON arrays
            (default: ``"parquet"``).
        overwrite: Replace an existing ``dest`` folder (default: ``False``).

    Returns:
        The number of rows of each table, by table name.

    Raises:
        ValueError: If ``seed``, ``scale`` or ``file_format`` is invalid.
        FileExistsError: If ``dest`` exists, is not empty, and ``overwrite`` is ``False``.
    """
    if file_format not in FILE_FORMATS:  # checked before the work of generating
        raise ValueError(f"file_format must be one of {FILE_FORMATS}, found {file_format!r}")
    tables = shop_tables(seed, scale)
    paths = write_tables(tables, dest, file_format=file_format, overwrite=overwrite)
    _logger.info("wrote the demo shop (seed %d, scale %s) to %s", seed, scale, Path(dest))
    return {name: tables[name].num_rows for name in paths}


# -- categories and products -------------------------------------------------------------------


def _categories() -> pa.Table:
    return pa.table(
        {
            "category_id": pa.array(np.arange(1, len(CATEGORIES) + 1), pa.int64()),
            "name": [c.name for c in CATEGORIES],
            "department": [c.department for c in CATEGORIES],
        }
    )


def _products(rng: np.random.Generator, n: int) -> _Products:
    n_cat = len(CATEGORIES)
    median = np.array([c.median_price for c in CATEGORIES])
    # Cheap categories hold more products. Every category gets two products listed before the
    # shop opens, so that an order can always find a product of any category.
    share = 1 / np.sqrt(median)
    category = np.concatenate(
        [np.tile(np.arange(n_cat), 2), rng.choice(n_cat, size=n - 2 * n_cat, p=share / share.sum())]
    )
    old = rng.random(n) < 0.85
    old[: 2 * n_cat] = True
    order = rng.permutation(n)
    category, old = category[order], old[order]

    price_z = rng.standard_normal(n)
    raw_price = median[category] * np.exp(_PRICE_SIGMA * price_z)
    price = np.where(raw_price >= 2, np.floor(raw_price) + 0.99, np.round(raw_price, 2))
    quality = 0.35 * price_z + 0.94 * rng.standard_normal(n)
    popularity = np.exp(0.9 * rng.standard_normal(n) + 0.25 * quality)
    listed = np.where(
        old,
        -7 - rng.random(n) * 4 * 365,  # up to four years before the shop's history starts
        rng.random(n) * (_N_DAYS - 60),
    )

    noun = _pick_per_category(rng, category, [c.nouns for c in CATEGORIES])
    noun_title = pc.utf8_title(noun)
    brand = pa.array(BRANDS).take(rng.integers(len(BRANDS), size=n))
    adjective = pa.array(ADJECTIVES).take(rng.integers(len(ADJECTIVES), size=n))
    material_idx = rng.integers(len(MATERIALS), size=n)
    material = pa.array(MATERIALS).take(material_idx)
    name = pc.binary_join_element_wise(brand, adjective, noun_title, " ")
    description = pc.binary_join_element_wise(
        adjective, " ", noun, " by ", brand, ", made of ", material, ". ",
        pa.array(_USES).take(rng.integers(len(_USES), size=n)), "",
    )  # fmt: skip

    eco_material = np.isin(material_idx, [MATERIALS.index(m) for m in _ECO_MATERIALS])
    tags = _tags(rng, category, price_z, popularity, ~old, eco_material)
    embedding = _embeddings(rng, category, quality)

    table = pa.table(
        {
            "product_id": pa.array(np.arange(1, n + 1), pa.int64()),
            "category_id": pa.array(category + 1, pa.int64()),
            "name": name,
            "description": description,
            "price": pa.array(price, pa.float64()),
            "tags": tags,
            "image_embedding": embedding,
            "listed_at": _timestamps(listed),
        }
    )
    return _Products(category, price, price_z, quality, popularity, listed, noun, table)


_USES = (
    "Ideal for everyday use.",
    "A thoughtful gift.",
    "Built to last.",
    "Customers love its design.",
    "Easy to clean and store.",
    "Comes with a two-year warranty.",
)
_ECO_MATERIALS = ("recycled materials", "bamboo", "organic cotton", "natural fibres")


def _pick_per_category(
    rng: np.random.Generator, category: np.ndarray, choices: list[tuple[str, ...]]
) -> pa.Array:
    """Draws one of its category's ``choices`` for every row."""
    counts = np.array([len(c) for c in choices])
    offsets = np.concatenate([[0], np.cumsum(counts)[:-1]])
    picks = offsets[category] + np.floor(rng.random(len(category)) * counts[category]).astype(int)
    return pa.array([word for group in choices for word in group]).take(picks)


def _tags(
    rng: np.random.Generator,
    category: np.ndarray,
    price_z: np.ndarray,
    popularity: np.ndarray,
    new: np.ndarray,
    eco_material: np.ndarray,
) -> pa.ListArray:
    """One or two tags of the product's category, then the generic tags that apply."""
    n = len(category)
    counts = np.array([len(c.tags) for c in CATEGORIES])
    offsets = np.concatenate([[0], np.cumsum(counts)[:-1]])
    m = counts[category]
    first = np.floor(rng.random(n) * m).astype(int)
    second = (first + 1 + np.floor(rng.random(n) * (m - 1)).astype(int)) % m
    generic_base = counts.sum()
    candidates = np.column_stack(
        [offsets[category] + first, offsets[category] + second]
        + [np.full(n, generic_base + i) for i in range(len(GENERIC_TAGS))]
    )
    present = np.column_stack(
        [
            np.ones(n, bool),
            rng.random(n) < 0.5,
            popularity >= np.quantile(popularity, 0.9),  # bestseller
            price_z < -0.8,  # budget
            price_z > 0.8,  # premium
            new,  # new-arrival
            eco_material | (rng.random(n) < 0.05),  # eco-friendly
            rng.random(n) < 0.1,  # gift-idea
        ]
    )
    vocabulary = pa.array([t for c in CATEGORIES for t in c.tags] + list(GENERIC_TAGS))
    values = vocabulary.take(candidates[present])  # row-major: each product's tags in order
    list_offsets = np.concatenate([[0], np.cumsum(present.sum(axis=1))]).astype(np.int32)
    return pa.ListArray.from_arrays(pa.array(list_offsets), values)


def _embeddings(rng: np.random.Generator, category: np.ndarray, quality: np.ndarray) -> pa.Array:
    """A stand-in for an image model's output: category centroid + quality direction + noise."""
    n = len(category)
    centroids = rng.standard_normal((len(CATEGORIES), EMBEDDING_DIM))
    direction = rng.standard_normal(EMBEDDING_DIM)
    direction /= np.linalg.norm(direction)
    vectors = centroids[category] + 0.5 * quality[:, None] * direction
    vectors = np.round(vectors + 0.4 * rng.standard_normal((n, EMBEDDING_DIM)), 4)
    vectors = vectors.astype(np.float32)
    offsets = np.arange(0, n * EMBEDDING_DIM + 1, EMBEDDING_DIM, dtype=np.int32)
    return pa.ListArray.from_arrays(pa.array(offsets), pa.array(vectors.ravel()))


# -- customers ---------------------------------------------------------------------------------


def _customers(rng: np.random.Generator, n: int) -> _Customers:
    segment = rng.choice(len(SEGMENTS), size=n, p=_SEGMENT_SHARES)
    satisfaction = rng.standard_normal(n)
    review_propensity = rng.standard_normal(n)
    activity = np.exp(0.5 * rng.standard_normal(n)) * _SEGMENT_ACTIVITY[segment]

    # Signups follow the shop calendar and grow over time.
    weights = day_intensity(SHOP_START, SHOP_END) * np.linspace(1.0, 1.6, _N_DAYS)
    signup = rng.choice(_N_DAYS, size=n, p=weights / weights.sum()) + rng.random(n)
    # Churn: an exponential lifetime whose hazard rises with low satisfaction and the
    # bargain segment.
    mean_life = _MEAN_LIFETIME_DAYS * np.exp(0.9 * satisfaction + _SEGMENT_LIFETIME[segment])
    churn = signup + rng.exponential(mean_life)

    # Customer ids follow signup order, as an auto-increment key would.
    by_signup = np.argsort(signup, kind="stable")
    segment, satisfaction, review_propensity, activity, signup, churn = (
        a[by_signup] for a in (segment, satisfaction, review_propensity, activity, signup, churn)
    )

    age_days = (18 + 52 * rng.beta(2.0, 3.0, size=n)) * 365.25
    birth_days = np.floor(signup - age_days).astype(np.int64) + (_START_US // _DAY_US)
    country = pa.array(COUNTRIES).take(
        rng.choice(len(COUNTRIES), size=n, p=np.array(COUNTRY_WEIGHTS) / sum(COUNTRY_WEIGHTS))
    )
    # The nightly ETL run after the last day reloads every customer: ~40 ms per row.
    loaded_us = (
        _START_US + _N_DAYS * _DAY_US + (2 * 3600 + 13 * 60) * 1_000_000 + np.arange(n) * 40_000
    )
    table = pa.table(
        {
            "customer_id": pa.array(np.arange(1, n + 1), pa.int64()),
            "signup_at": _timestamps(signup),
            "date_of_birth": pa.array(birth_days.astype(np.int32), pa.date32()),
            "country": country,
            "marketing_opt_in": pa.array(rng.random(n) < 0.42),
            "loaded_at": pa.array(loaded_us, _TIMESTAMP),
        }
    )
    return _Customers(segment, satisfaction, review_propensity, activity, signup, churn, table)


# -- orders ------------------------------------------------------------------------------------


def _orders(rng: np.random.Generator, customers: _Customers) -> _Orders:
    n = len(customers.signup)
    grid = np.arange(_N_DAYS + 1, dtype=float)
    # Cumulative shop activity: orders are a Poisson process in this "busy time", so they
    # follow the calendar; drawing them is inverse-transform sampling.
    busy = np.concatenate([[0.0], np.cumsum(day_intensity(SHOP_START, SHOP_END))])
    start = customers.signup
    end = np.minimum(customers.churn, _N_DAYS)
    busy_start, busy_end = np.interp(start, grid, busy), np.interp(end, grid, busy)
    expected = _BASE_ORDERS_PER_DAY * customers.activity * (busy_end - busy_start)
    counts = rng.poisson(expected)
    owner = np.repeat(np.arange(n), counts)
    spot = busy_start[owner] + rng.random(len(owner)) * (busy_end - busy_start)[owner]
    time = np.interp(spot, busy, grid)
    # Move each order to a time of day drawn from the daily profile when that stays inside
    # the customer's active span.
    hour = rng.choice(24, size=len(owner), p=_HOUR_WEIGHTS / _HOUR_WEIGHTS.sum())
    in_day = np.floor(time) + (hour + rng.random(len(owner))) / 24
    inside = (in_day >= start[owner]) & (in_day < end[owner])
    time = np.where(inside, in_day, time)

    # Many customers place a first order within days of signing up.
    welcome_time = start + rng.exponential(1.5, size=n)
    welcome = (rng.random(n) < 0.55) & (welcome_time < end)
    owner = np.concatenate([owner, np.flatnonzero(welcome)])
    time = np.concatenate([time, welcome_time[welcome]])

    by_time = np.argsort(time, kind="stable")
    owner, time = owner[by_time], time[by_time]
    coupon = rng.random(len(owner)) < _SEGMENT_COUPON[customers.segment[owner]]
    return _Orders(owner, time, coupon)


def _orders_table(rng: np.random.Generator, orders: _Orders, items: pa.Table) -> pa.Table:
    n = len(orders.time)
    line_totals = pc.multiply(items["quantity"], items["unit_price"]).to_numpy()
    subtotal = np.bincount(items["order_id"].to_numpy() - 1, weights=line_totals, minlength=n)
    shipping = np.where(subtotal >= 49, 0.0, 4.99)
    return pa.table(
        {
            "order_id": pa.array(np.arange(1, n + 1), pa.int64()),
            "customer_id": pa.array(orders.customer + 1, pa.int64()),
            "ordered_at": _timestamps(orders.time),
            "channel": pa.array(CHANNELS).take(
                rng.choice(len(CHANNELS), size=n, p=np.array(CHANNEL_WEIGHTS))
            ),
            "payment_method": pa.array(PAYMENT_METHODS).take(
                rng.choice(len(PAYMENT_METHODS), size=n, p=np.array(PAYMENT_WEIGHTS))
            ),
            "shipping_fee": pa.array(shipping),
            "total_amount": pa.array(np.round(subtotal + shipping, 2)),
        }
    )


# -- order items -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _ItemRows:
    """Per-item latent context the reviews need."""

    customer: np.ndarray
    product: np.ndarray
    time: np.ndarray
    returned: np.ndarray


def _order_items(
    rng: np.random.Generator, orders: _Orders, customers: _Customers, products: _Products
) -> tuple[pa.Table, _ItemRows]:
    segment_of_order = customers.segment[orders.customer]
    counts = 1 + rng.poisson(1.3 * _SEGMENT_BASKET[segment_of_order])
    order = np.repeat(np.arange(len(orders.time)), counts)
    customer = orders.customer[order]
    segment = customers.segment[customer]
    time = orders.time[order]

    # How much each segment wants each product: popularity x category affinity x price fit.
    affinity = np.array([c.affinity for c in CATEGORIES]).T  # (segment, category)
    want = (
        products.popularity[None, :]
        * affinity[:, products.category]
        * np.exp(_SEGMENT_PRICE_FIT[:, None] * products.price_z[None, :])
    )
    n_cat = len(CATEGORIES)
    category_want = np.stack([np.bincount(products.category, w, minlength=n_cat) for w in want])
    category_p = category_want / category_want.sum(axis=1, keepdims=True)

    # A favourite category per customer, drawn from their segment's taste.
    favourite = _draw_rows(rng, np.cumsum(category_p, axis=1), customers.segment)
    category = np.where(
        rng.random(len(order)) < _FAVOURITE_SHARE,
        favourite[customer],
        _draw_rows(rng, np.cumsum(category_p, axis=1), segment),
    )
    product = _draw_products(rng, want, products, category, segment)
    # A product listed after the order was placed is redrawn among those listed at the start.
    unlisted = products.listed[product] > time
    listed_want = want * (products.listed <= 0)[None, :]
    product = np.where(
        unlisted, _draw_products(rng, listed_want, products, category, segment), product
    )

    cheap = np.array([c.median_price < 15 for c in CATEGORIES])[products.category[product]]
    quantity = 1 + rng.poisson(np.where(cheap, 1.2, 0.15))
    day = np.minimum(np.floor(time).astype(int), _N_DAYS - 1)
    discount = np.round(sale_discounts(SHOP_START, SHOP_END)[day] + 0.1 * orders.coupon[order], 2)
    unit_price = np.round(products.price[product] * (1 - discount), 2)
    returnable = np.array([c.returnable for c in CATEGORIES])[products.category[product]]
    return_logit = (
        -2.8
        - 0.8 * customers.satisfaction[customer]
        - 0.5 * products.quality[product]
        + 1.2 * returnable
        + 0.3 * (segment == SEGMENTS.index("bargain"))
    )
    returned = rng.random(len(order)) < _sigmoid(return_logit)

    table = pa.table(
        {
            "order_item_id": pa.array(np.arange(1, len(order) + 1), pa.int64()),
            "order_id": pa.array(order + 1, pa.int64()),
            "product_id": pa.array(product + 1, pa.int64()),
            "quantity": pa.array(quantity, pa.int64()),
            "unit_price": pa.array(unit_price),
            "discount": pa.array(discount),
            "returned": pa.array(returned),
        }
    )
    return table, _ItemRows(customer, product, time, returned)


def _draw_rows(rng: np.random.Generator, cumulative: np.ndarray, row: np.ndarray) -> np.ndarray:
    """Draws a column index for every entry of ``row`` from that row's cumulative weights."""
    u = rng.random(len(row)) * cumulative[row, -1]
    out = np.empty(len(row), dtype=np.int64)
    for r in range(cumulative.shape[0]):  # a handful of rows (segments), not data rows
        mask = row == r
        out[mask] = np.searchsorted(cumulative[r], u[mask], side="right")
    return np.minimum(out, cumulative.shape[1] - 1)


def _draw_products(
    rng: np.random.Generator,
    want: np.ndarray,
    products: _Products,
    category: np.ndarray,
    segment: np.ndarray,
) -> np.ndarray:
    """Draws a product of the given category for every item, weighted by its segment's want."""
    by_category = np.argsort(products.category, kind="stable")
    bounds = np.concatenate(
        [[0], np.cumsum(np.bincount(products.category, minlength=len(CATEGORIES)))]
    )
    first, last = bounds[category], bounds[category + 1]
    u = rng.random(len(category))
    position = np.empty(len(category), dtype=np.int64)
    for s in range(want.shape[0]):  # one pass per segment, not per item
        mask = segment == s
        cumulative = np.concatenate([[0.0], np.cumsum(want[s, by_category])])
        low, high = cumulative[first[mask]], cumulative[last[mask]]
        position[mask] = np.searchsorted(cumulative, low + u[mask] * (high - low), side="right") - 1
    return by_category[np.clip(position, first, last - 1)]


# -- reviews -----------------------------------------------------------------------------------


def _reviews(
    rng: np.random.Generator, items: _ItemRows, customers: _Customers, products: _Products
) -> pa.Table:
    n = len(items.customer)
    propensity = customers.review_propensity[items.customer]
    reviewed = rng.random(n) < _sigmoid(-1.6 + 0.9 * propensity + 0.8 * items.returned)
    created = items.time + 2 + rng.exponential(6.0, size=n)
    kept = np.flatnonzero(reviewed & (created < _N_DAYS))
    keep = kept[np.argsort(created[kept], kind="stable")]  # review ids follow time
    customer, product, returned = items.customer[keep], items.product[keep], items.returned[keep]
    created = created[keep]
    score = (
        3.7
        + 0.7 * customers.satisfaction[customer]
        + 0.45 * products.quality[product]
        - 1.3 * returned
        + 0.8 * rng.standard_normal(len(keep))
    )
    rating = np.clip(np.round(score), 1, 5).astype(np.int64)

    variants = len(REVIEW_OPENINGS[0])
    opening = (rating - 1) * variants + rng.integers(variants, size=len(keep))
    remark = (rating - 1) * len(REVIEW_REMARKS[0]) + rng.integers(
        len(REVIEW_REMARKS[0]), size=len(keep)
    )
    before = pa.array([pre for group in REVIEW_OPENINGS for pre, _ in group]).take(opening)
    after = pa.array([post for group in REVIEW_OPENINGS for _, post in group]).take(opening)
    noun = products.noun.take(pa.array(product))
    remarks = pa.array([r for group in REVIEW_REMARKS for r in group]).take(remark)
    body = pc.binary_join_element_wise(before, noun, after, remarks, "")

    return pa.table(
        {
            "review_id": pa.array(np.arange(1, len(keep) + 1), pa.int64()),
            "customer_id": pa.array(customer + 1, pa.int64()),
            "product_id": pa.array(product + 1, pa.int64()),
            "created_at": _timestamps(created),
            "rating": pa.array(rating),
            "body": body,
        }
    )


# -- helpers -----------------------------------------------------------------------------------


def _timestamps(days: np.ndarray) -> pa.Array:
    """Days since SHOP_START (fractional) as timestamps, to the second."""
    seconds = np.floor(days * 86_400).astype(np.int64)  # floor: a time before END stays before
    return pa.array(_START_US + seconds * 1_000_000, _TIMESTAMP)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-x))
