"""A tiny users-purchases-items graph and link examples where users rebuy favorite items.

User ``u`` buys, every day, one of its three favorite items ``3u, 3u+1, 3u+2 (mod
NUM_ITEMS)`` in turn. A row asks at day ``t`` which items the user buys in the next
``WINDOW`` days: its favorites, which its past purchases reveal, while their popularity and
a random ranking do not.
"""

import numpy as np
import pandas as pd
import torch
import torch_frame
from torch_frame import TensorFrame
from torch_frame.data.stats import compute_col_stats

from relgraph.graph.store import GraphStore, NeighborCSR
from relgraph.train.link_data import LinkExamples

NUM_USERS = 12
NUM_ITEMS = 20
NUM_DAYS = 40
WINDOW = 3
DAY = 86_400


def csr(src: np.ndarray, dst: np.ndarray, num_dst: int, src_time: np.ndarray | None) -> NeighborCSR:
    """Incoming neighbors of every dst node, sorted by source time."""
    times = np.zeros(src.size, np.int64) if src_time is None else src_time[src]
    order = np.lexsort((times, dst))
    rowptr = np.zeros(num_dst + 1, np.int64)
    np.cumsum(np.bincount(dst, minlength=num_dst), out=rowptr[1:])
    return NeighborCSR(rowptr=rowptr, col=src[order].astype(np.int64))


def frame(values: np.ndarray, name: str) -> tuple[TensorFrame, dict]:
    """A one-column numerical TensorFrame and its column statistics."""
    tf = TensorFrame(
        feat_dict={torch_frame.numerical: torch.tensor(values, dtype=torch.float32).view(-1, 1)},
        col_names_dict={torch_frame.numerical: [name]},
    )
    return tf, {name: compute_col_stats(pd.Series(values), torch_frame.numerical)}


def purchases() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(user, item, time)`` of every purchase."""
    user = np.repeat(np.arange(NUM_USERS), NUM_DAYS)
    day = np.tile(np.arange(1, NUM_DAYS + 1), NUM_USERS)
    item = (3 * user + day % 3) % NUM_ITEMS
    return user.astype(np.int64), item.astype(np.int64), (day * DAY).astype(np.int64)


def link_store() -> GraphStore:
    """Users and items (static, one numerical feature each) linked through purchases."""
    user, item, when = purchases()
    n = user.size
    index = np.arange(n, dtype=np.int64)
    rng = np.random.default_rng(0)
    users_tf, users_stats = frame(rng.normal(size=NUM_USERS), "age")
    items_tf, items_stats = frame(rng.normal(size=NUM_ITEMS), "price")
    days_tf, days_stats = frame((when // DAY).astype(np.float64), "amount")
    return GraphStore(
        num_nodes={"users": NUM_USERS, "products": NUM_ITEMS, "purchases": n},
        node_time={"users": None, "products": None, "purchases": when},
        edges={
            ("purchases", "f2p_user", "users"): csr(index, user, NUM_USERS, when),
            ("users", "rev_f2p_user", "purchases"): csr(user, index, n, None),
            ("purchases", "f2p_product", "products"): csr(index, item, NUM_ITEMS, when),
            ("products", "rev_f2p_product", "purchases"): csr(item, index, n, None),
        },
        features={"users": users_tf, "products": items_tf, "purchases": days_tf},
        col_stats={"users": users_stats, "products": items_stats, "purchases": days_stats},
    )


def link_examples(days: list[int]) -> LinkExamples:
    """One row per user and anchor day: the items bought in ``(day, day + WINDOW]``."""
    user, item, when = purchases()
    rows_user = np.repeat(np.arange(NUM_USERS), len(days)).astype(np.int64)
    rows_day = np.tile(np.asarray(days), NUM_USERS).astype(np.int64)
    anchor = rows_day * DAY
    row = np.arange(rows_user.size)
    hit = (user[None, :] == rows_user[:, None]) & (when[None, :] > anchor[:, None])
    hit &= when[None, :] <= anchor[:, None] + WINDOW * DAY
    r, p = np.nonzero(hit)
    key = np.unique(row[r] * NUM_ITEMS + item[p])
    rows, targets = np.divmod(key, NUM_ITEMS)
    indptr = np.zeros(rows_user.size + 1, np.int64)
    np.cumsum(np.bincount(rows, minlength=rows_user.size), out=indptr[1:])
    return LinkExamples("users", "products", NUM_ITEMS, rows_user, anchor, indptr, targets)
