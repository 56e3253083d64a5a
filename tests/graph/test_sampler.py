"""Tests of the temporal neighbor sampler against a brute-force reference on random graphs."""

import collections
from collections.abc import Callable

import numpy as np
import pytest
import torch
import torch_frame
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from torch_frame import TensorFrame
from torch_frame.data import MultiEmbeddingTensor, MultiNestedTensor
from torch_geometric.nn import HeteroConv, SAGEConv

from relgraph.graph.artifact import GraphArtifact
from relgraph.graph.sampler import SampledSubgraph, TemporalNeighborSampler, gather_rows
from relgraph.graph.store import NEVER, GraphStore, NeighborCSR

# Node types of the random graphs: (name, temporal). "events" and "reviews" are temporal,
# "items" and "tags" static; "users" is drawn temporal or static.
EDGE_TYPES = [
    ("events", "f2p_user", "users"),
    ("users", "rev_f2p_user", "events"),
    ("events", "f2p_item", "items"),
    ("items", "rev_f2p_item", "events"),
    ("reviews", "f2p_event", "events"),
    ("events", "rev_f2p_event", "reviews"),
    ("users", "follows", "users"),
    ("tags", "tagged", "items"),
    ("items", "rev_tagged", "tags"),
]
NODE_TYPES = ["users", "items", "events", "reviews", "tags"]


def build_csr(
    src: np.ndarray, dst: np.ndarray, num_dst: int, src_time: np.ndarray | None
) -> NeighborCSR:
    """The CSR of edges ``src -> dst``, rows sorted by source time (ties in input order)."""
    times = np.zeros(src.size, np.int64) if src_time is None else src_time[src]
    order = np.lexsort((times, dst))
    rowptr = np.zeros(num_dst + 1, np.int64)
    np.cumsum(np.bincount(dst, minlength=num_dst), out=rowptr[1:])
    return NeighborCSR(rowptr=rowptr, col=src[order].astype(np.int64))


def random_store(
    seed: int,
    num_nodes: dict[str, int],
    *,
    users_temporal: bool,
    edge_density: float,
    time_range: int,
    never_share: float,
    with_features: bool = True,
) -> GraphStore:
    """A random heterogeneous temporal graph (multi-edges allowed, time ties frequent)."""
    rng = np.random.default_rng(seed)
    node_time: dict[str, np.ndarray | None] = {}
    for nt in NODE_TYPES:
        temporal = nt in ("events", "reviews") or (nt == "users" and users_temporal)
        if not temporal:
            node_time[nt] = None
            continue
        times = rng.integers(0, time_range, num_nodes[nt]).astype(np.int64)
        times[rng.random(num_nodes[nt]) < never_share] = NEVER
        node_time[nt] = times
    edges = {}
    for src, rel, dst in EDGE_TYPES:
        count = int(rng.poisson(edge_density * max(num_nodes[src], num_nodes[dst])))
        if num_nodes[src] == 0 or num_nodes[dst] == 0:
            count = 0
        src_ids = rng.integers(0, max(num_nodes[src], 1), count)
        dst_ids = rng.integers(0, max(num_nodes[dst], 1), count)
        edges[(src, rel, dst)] = build_csr(src_ids, dst_ids, num_nodes[dst], node_time[src])
    features = {}
    if with_features:
        for nt in ("users", "events", "items"):
            features[nt] = TensorFrame(
                feat_dict={
                    torch_frame.numerical: torch.arange(num_nodes[nt] * 2, dtype=torch.float32)
                    .view(-1, 2)
                    .add(1000.0 * NODE_TYPES.index(nt))
                },
                col_names_dict={torch_frame.numerical: ["a", "b"]},
            )
    return GraphStore(
        num_nodes=dict(num_nodes), node_time=node_time, edges=edges, features=features
    )


Picker = Callable[[int, tuple[str, str, str], int, list[int], int], list[int]]


def reference_sample(
    store: GraphStore,
    fanouts: dict[tuple[str, str, str], list[int]],
    seed_type: str,
    seeds: np.ndarray,
    seed_time: np.ndarray,
    current_time: bool,
    pick: Picker,
) -> tuple[list[set[tuple[str, int, int]]], list[collections.Counter]]:
    """Brute-force disjoint temporal sampling, one seed, node and neighbor at a time.

    Returns, per seed, the set of ``(node type, global id, hop)`` and the multiset of
    ``(edge type, src global id, dst global id)``.
    """

    def visible(nt: str, node: int, t: int) -> bool:
        times = store.node_time[nt]
        if times is None:
            return True
        if times[node] == NEVER:
            return False
        return bool(times[node] <= t) if current_time else bool(times[node] < t)

    num_hops = len(next(iter(fanouts.values())))
    all_nodes, all_edges = [], []
    for index, (seed, t) in enumerate(zip(seeds.tolist(), seed_time.tolist(), strict=True)):
        nodes = {(seed_type, seed, 0)}
        seen = {(seed_type, seed)}
        frontier = {seed_type: [seed]}
        edges: collections.Counter = collections.Counter()
        for hop in range(num_hops):
            new_frontier: dict[str, list[int]] = collections.defaultdict(list)
            for et, fanout in fanouts.items():
                src, _, dst = et
                csr = store.edges[et]
                for v in frontier.get(dst, []):
                    row = csr.col[csr.rowptr[v] : csr.rowptr[v + 1]].tolist()
                    eligible = [u for u in row if visible(src, u, t)]
                    for u in pick(index, et, v, eligible, fanout[hop]):
                        edges[(et, u, v)] += 1
                        if (src, u) not in seen:
                            seen.add((src, u))
                            nodes.add((src, u, hop + 1))
                            new_frontier[src].append(u)
            frontier = new_frontier
        all_nodes.append(nodes)
        all_edges.append(edges)
    return all_nodes, all_edges


def pick_last(
    seed: int, et: tuple[str, str, str], v: int, eligible: list[int], k: int
) -> list[int]:
    """The most recent ``k`` eligible neighbors (all when ``k`` is -1)."""
    if k < 0:
        return eligible
    return eligible[max(len(eligible) - k, 0) :]


def sampled_per_seed(
    sub: SampledSubgraph,
) -> tuple[list[set[tuple[str, int, int]]], list[collections.Counter]]:
    """The sampler's output in the reference's terms (per seed, global ids)."""
    nodes: list[set] = [set() for _ in range(sub.num_seeds)]
    edges: list[collections.Counter] = [collections.Counter() for _ in range(sub.num_seeds)]
    for nt, ids in sub.node.items():
        hops = np.repeat(np.arange(len(sub.nodes_per_hop[nt])), sub.nodes_per_hop[nt])
        assert hops.size == ids.size
        for node, seed, hop in zip(
            ids.tolist(), sub.batch[nt].tolist(), hops.tolist(), strict=True
        ):
            nodes[seed].add((nt, node, hop))
    for et, (src_local, dst_local) in sub.edge_index.items():
        src, _, dst = et
        assert np.array_equal(sub.batch[src][src_local], sub.batch[dst][dst_local])
        for s, d in zip(src_local.tolist(), dst_local.tolist(), strict=True):
            edges[sub.batch[dst][d]][(et, int(sub.node[src][s]), int(sub.node[dst][d]))] += 1
    return nodes, edges


@st.composite
def sampling_cases(draw: st.DrawFn) -> dict:
    """A random graph, fanouts, strategy and seed batch."""
    num_nodes = {nt: draw(st.integers(0 if nt != "users" else 1, 9)) for nt in NODE_TYPES}
    time_range = draw(st.sampled_from([3, 20, 1000]))
    store = random_store(
        draw(st.integers(0, 2**31)),
        num_nodes,
        users_temporal=draw(st.booleans()),
        edge_density=draw(st.sampled_from([0.5, 2.0, 5.0])),
        time_range=time_range,
        never_share=draw(st.sampled_from([0.0, 0.2])),
    )
    num_hops = draw(st.integers(1, 3))
    if draw(st.booleans()):
        hops = draw(st.lists(st.integers(-1, 4), min_size=num_hops, max_size=num_hops))
        fanouts: list[int] | dict = hops
    else:
        chosen = draw(st.lists(st.sampled_from(EDGE_TYPES), min_size=1, unique=True))
        fanouts = {
            et: draw(st.lists(st.integers(-1, 4), min_size=num_hops, max_size=num_hops))
            for et in chosen
        }
    seed_type = draw(st.sampled_from([nt for nt in NODE_TYPES if num_nodes[nt] > 0]))
    num_seeds = draw(st.integers(0, 6))
    seeds = np.array(
        draw(
            st.lists(
                st.integers(0, num_nodes[seed_type] - 1), min_size=num_seeds, max_size=num_seeds
            )
        ),
        dtype=np.int64,
    )
    seed_time = np.array(
        draw(st.lists(st.integers(-1, time_range + 1), min_size=num_seeds, max_size=num_seeds)),
        dtype=np.int64,
    )
    return {
        "store": store,
        "fanouts": fanouts,
        "current_time": draw(st.booleans()),
        "seed_type": seed_type,
        "seeds": seeds,
        "seed_time": seed_time,
        "batch_id": draw(st.integers(0, 1000)),
    }


def per_type(sampler: TemporalNeighborSampler) -> dict[tuple[str, str, str], list[int]]:
    """The sampler's fanouts as the reference takes them."""
    return {et: list(values) for et, values in sampler.fanouts.items()}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=sampling_cases())
def test_last_matches_reference(case: dict) -> None:
    sampler = TemporalNeighborSampler(
        case["store"], case["fanouts"], strategy="last", current_time=case["current_time"]
    )
    sub = sampler.sample_indices(case["seed_type"], case["seeds"], case["seed_time"])
    expected_nodes, expected_edges = reference_sample(
        case["store"],
        per_type(sampler),
        case["seed_type"],
        case["seeds"],
        case["seed_time"],
        case["current_time"],
        pick_last,
    )
    nodes, edges = sampled_per_seed(sub)
    assert nodes == expected_nodes
    assert edges == expected_edges
    assert sub.num_sampled_edges == sum(sum(counter.values()) for counter in edges)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=sampling_cases())
def test_uniform_is_a_valid_sample(case: dict) -> None:
    """Every pick is a right-sized sub-multiset of the eligible neighbors; the rest follows."""
    sampler = TemporalNeighborSampler(
        case["store"], case["fanouts"], current_time=case["current_time"], seed=7
    )
    sub = sampler.sample_indices(
        case["seed_type"], case["seeds"], case["seed_time"], batch_id=case["batch_id"]
    )
    nodes, edges = sampled_per_seed(sub)
    picked: dict[tuple, list[int]] = collections.defaultdict(list)
    for seed, counter in enumerate(edges):
        for (et, u, v), count in counter.items():
            picked[(seed, et, v)].extend([u] * count)

    def replay(
        seed: int, et: tuple[str, str, str], v: int, eligible: list[int], k: int
    ) -> list[int]:
        chosen = picked.get((seed, et, v), [])
        assert len(chosen) == (len(eligible) if k < 0 else min(len(eligible), k))
        assert not collections.Counter(chosen) - collections.Counter(eligible)
        return chosen

    expected_nodes, expected_edges = reference_sample(
        case["store"],
        per_type(sampler),
        case["seed_type"],
        case["seeds"],
        case["seed_time"],
        case["current_time"],
        replay,
    )
    assert nodes == expected_nodes
    assert edges == expected_edges
    again = sampler.sample_indices(
        case["seed_type"], case["seeds"], case["seed_time"], batch_id=case["batch_id"]
    )
    for nt in sub.node:
        assert np.array_equal(sub.node[nt], again.node[nt])
    for et in sub.edge_index:
        assert np.array_equal(sub.edge_index[et], again.edge_index[et])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=sampling_cases(), strategy=st.sampled_from(["uniform", "last"]))
def test_no_sampled_node_is_from_its_seeds_future(case: dict, strategy: str) -> None:
    sampler = TemporalNeighborSampler(
        case["store"], case["fanouts"], strategy=strategy, current_time=case["current_time"]
    )
    sub = sampler.sample_indices(case["seed_type"], case["seeds"], case["seed_time"])
    for nt, ids in sub.node.items():
        times = case["store"].node_time[nt]
        first = sub.num_seeds if nt == case["seed_type"] else 0
        if times is None or ids.size <= first:
            continue
        node_time, seed_time = times[ids[first:]], sub.seed_time[nt][first:]
        assert np.all(node_time != NEVER)
        if case["current_time"]:
            assert np.all(node_time <= seed_time)
        else:
            assert np.all(node_time < seed_time)
        assert np.array_equal(seed_time, case["seed_time"][sub.batch[nt][first:]])


def small_store() -> GraphStore:
    """Users (temporal) <- events (temporal) -> items (static, no features)."""
    return random_store(
        3,
        {"users": 6, "items": 4, "events": 40, "reviews": 10, "tags": 3},
        users_temporal=True,
        edge_density=2.0,
        time_range=50,
        never_share=0.1,
    )


def test_seeds_come_first_in_input_order_and_subgraphs_stay_apart() -> None:
    store = small_store()
    sampler = TemporalNeighborSampler(store, [3, 2], strategy="last")
    seeds = np.array([2, 2, 0, 5])
    seed_time = np.array([10, 40, 40, 60])
    sub = sampler.sample_indices("users", seeds, seed_time)
    assert np.array_equal(sub.node["users"][:4], seeds)
    assert np.array_equal(sub.batch["users"][:4], np.arange(4))
    assert np.array_equal(sub.seed_time["users"][:4], seed_time)
    # The same user twice, at two times: each subgraph keeps to its own seed's time.
    event_time = store.node_time["events"][sub.node["events"]]
    assert np.all(event_time[sub.batch["events"] == 0] < 10)
    assert np.all(event_time[sub.batch["events"] == 1] < 40)
    assert np.any(event_time[sub.batch["events"] == 1] >= 10)
    # Within one subgraph a node appears once.
    for nt in sub.node:
        pairs = sub.batch[nt] * store.num_nodes[nt] + sub.node[nt]
        assert np.unique(pairs).size == pairs.size


def test_hetero_data_conventions() -> None:
    store = small_store()
    sampler = TemporalNeighborSampler(store, [4, 3], current_time=True, seed=1)
    seeds, seed_time = np.array([0, 1, 3]), np.array([20, 35, 49])
    data = sampler.sample("users", seeds, seed_time, batch_id=4)
    sub = sampler.sample_indices("users", seeds, seed_time, batch_id=4)
    assert set(data.node_types) == set(store.node_types)
    assert set(data.edge_types) == set(store.edge_types)
    assert data["users"].num_seeds == data["users"].batch_size == 3
    for nt in store.node_types:
        node = data[nt]
        assert node.n_id.dtype == torch.int64 and node.num_nodes == node.n_id.numel()
        assert np.array_equal(node.n_id.numpy(), sub.node[nt])
        assert torch.equal(node.seed_time, torch.from_numpy(seed_time)[node.batch])
        times = store.node_time[nt]
        expected = node.seed_time if times is None else torch.from_numpy(times)[node.n_id]
        assert torch.equal(node.time, expected)
        if nt in store.features:
            feats = node.tf.feat_dict[torch_frame.numerical]
            assert torch.equal(
                feats, store.features[nt].feat_dict[torch_frame.numerical][node.n_id]
            )
            assert node.tf.num_rows == node.num_nodes
        else:
            assert "tf" not in node
        assert sum(node.num_sampled_nodes) == node.num_nodes
    for et in store.edge_types:
        src, _, dst = et
        edge_index = data[et].edge_index
        assert edge_index.dtype == torch.int64 and edge_index.shape[0] == 2
        assert sum(data[et].num_sampled_edges) == edge_index.shape[1]
        # Local indices map to an edge of the store, from neighbor (src) to sampler (dst).
        csr = store.edges[et]
        for s, d in edge_index.t().tolist():
            u, v = int(data[src].n_id[s]), int(data[dst].n_id[d])
            assert u in csr.col[csr.rowptr[v] : csr.rowptr[v + 1]]
    assert torch.equal(data["users"].n_id[:3], torch.from_numpy(seeds))


def test_hetero_conv_consumes_the_batch() -> None:
    store = small_store()
    sampler = TemporalNeighborSampler(store, [4, 3])
    data = sampler.sample("users", np.array([0, 1, 2, 3]), np.array([30, 30, 45, 49]))
    hidden = 8
    torch.manual_seed(0)
    project = {nt: torch.nn.Linear(2, hidden) for nt in store.node_types if nt in store.features}
    embed = {
        nt: torch.nn.Embedding(store.num_nodes[nt], hidden)
        for nt in store.node_types
        if nt not in store.features
    }
    x_dict = {
        nt: project[nt](data[nt].tf.feat_dict[torch_frame.numerical])
        if nt in project
        else embed[nt](data[nt].n_id)
        for nt in data.node_types
    }
    conv = HeteroConv({et: SAGEConv((-1, -1), hidden) for et in data.edge_types}, aggr="sum")
    out = conv(x_dict, data.edge_index_dict)
    assert out["users"].shape == (data["users"].num_nodes, hidden)
    seeds_out = out["users"][: data["users"].num_seeds]
    assert seeds_out.shape == (4, hidden) and torch.isfinite(seeds_out).all()
    seeds_out.sum().backward()
    # One layer reaches the seeds from users (follows) and events (f2p_user).
    assert project["events"].weight.grad.abs().sum() > 0
    assert project["users"].weight.grad.abs().sum() > 0


def test_deterministic_under_seed_and_varies_with_batch() -> None:
    store = random_store(
        5,
        {"users": 30, "items": 20, "events": 400, "reviews": 50, "tags": 5},
        users_temporal=False,
        edge_density=4.0,
        time_range=1000,
        never_share=0.05,
    )
    seeds, seed_time = np.arange(30), np.full(30, 900)

    def sample(seed: int, batch_id: int) -> SampledSubgraph:
        sampler = TemporalNeighborSampler(store, [3, 2], seed=seed)
        return sampler.sample_indices("users", seeds, seed_time, batch_id=batch_id)

    def same(a: SampledSubgraph, b: SampledSubgraph) -> bool:
        return all(np.array_equal(a.node[nt], b.node[nt]) for nt in a.node) and all(
            np.array_equal(a.edge_index[et], b.edge_index[et]) for et in a.edge_index
        )

    assert same(sample(1, 2), sample(1, 2))
    assert not same(sample(1, 2), sample(1, 3))
    assert not same(sample(1, 2), sample(2, 2))


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"fanouts": [2], "strategy": "random"}, "strategy must be one of"),
        ({"fanouts": [2, -2]}, "integers >= -1"),
        ({"fanouts": "22"}, "list of integers"),
        ({"fanouts": {("users", "likes", "items"): [1]}}, "unknown edge types"),
        ({"fanouts": {}}, "empty mapping"),
        (
            {"fanouts": {EDGE_TYPES[0]: [1, 2], EDGE_TYPES[1]: [1]}},
            "same length",
        ),
        ({"fanouts": [2], "seed": -1}, "non-negative integer"),
    ],
)
def test_rejects_bad_arguments(kwargs: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        TemporalNeighborSampler(small_store(), **kwargs)


@pytest.mark.parametrize(
    ("node_type", "seeds", "seed_time", "match"),
    [
        ("players", [0], [1], "unknown seed node type 'players'"),
        ("users", [0, 6], [1, 1], r"must lie in \[0, 6\), found \[0, 6\]"),
        ("users", [0, 1], [1], "differ in length"),
        ("users", [0.5], [1], "1-D integer array"),
        ("users", [[0]], [[1]], "1-D integer array"),
    ],
)
def test_rejects_bad_seeds(node_type: str, seeds: list, seed_time: list, match: str) -> None:
    sampler = TemporalNeighborSampler(small_store(), [2])
    with pytest.raises(ValueError, match=match):
        sampler.sample_indices(node_type, np.array(seeds), np.array(seed_time))


def test_rejects_rows_not_sorted_by_time() -> None:
    store = small_store()
    et = ("events", "f2p_user", "users")
    csr = store.edges[et]
    times = store.node_time["events"]
    row = next(
        v
        for v in range(store.num_nodes["users"])
        if np.unique(times[csr.col[csr.rowptr[v] : csr.rowptr[v + 1]]]).size > 1
    )
    col = csr.col.copy()
    col[csr.rowptr[row] : csr.rowptr[row + 1]] = col[csr.rowptr[row] : csr.rowptr[row + 1]][::-1]
    store.edges[et] = NeighborCSR(rowptr=csr.rowptr, col=col)
    with pytest.raises(ValueError, match=f"neighbors of 'users' node {row} in .*f2p_user"):
        TemporalNeighborSampler(store, [2])


def test_rejects_out_of_range_neighbors() -> None:
    store = small_store()
    et = ("events", "f2p_item", "items")
    csr = store.edges[et]
    store.edges[et] = NeighborCSR(rowptr=csr.rowptr, col=csr.col + 1000)
    with pytest.raises(ValueError, match=r"col of .*f2p_item.* must lie in"):
        TemporalNeighborSampler(store, [2])


@pytest.mark.parametrize("index", [[2, 0, 2], [], [1]])
def test_feature_gather_matches_tensor_frame_indexing(index: list[int]) -> None:
    """Every column container: plain tensors, nested (multicategorical), multi-embedding."""
    nested = MultiNestedTensor.from_tensor_mat(
        [
            [torch.tensor([1, 2]), torch.tensor([3])],
            [torch.tensor([], dtype=torch.long), torch.tensor([4, 5, 6])],
            [torch.tensor([7]), torch.tensor([8])],
        ]
    )
    frame = TensorFrame(
        feat_dict={
            torch_frame.numerical: torch.randn(3, 2),
            torch_frame.categorical: torch.tensor([[0], [1], [2]]),
            torch_frame.multicategorical: nested,
            torch_frame.embedding: MultiEmbeddingTensor.from_tensor_list(
                [torch.randn(3, 2), torch.randn(3, 4)]
            ),
        },
        col_names_dict={
            torch_frame.numerical: ["a", "b"],
            torch_frame.categorical: ["c"],
            torch_frame.multicategorical: ["m1", "m2"],
            torch_frame.embedding: ["e1", "e2"],
        },
        y=torch.tensor([0.0, 1.0, 2.0]),
    )
    gathered = gather_rows(frame, np.array(index, dtype=np.int64))
    assert gathered == frame[torch.tensor(index, dtype=torch.long)]
    assert gathered.num_rows == len(index)


def test_f1_subgraphs_match_the_reference_and_never_see_the_future(
    f1_artifact: GraphArtifact,
) -> None:
    """The materialized F1 graph: drivers at race times, 'last' against the reference."""
    store = f1_artifact.store
    race_time = np.asarray(store.node_time["races"])
    rng = np.random.default_rng(0)
    seeds = rng.integers(0, store.num_nodes["drivers"], 24)
    seed_time = rng.choice(race_time[race_time != NEVER], 24)
    for current_time in (False, True):
        sampler = TemporalNeighborSampler(store, [8, 4], strategy="last", current_time=current_time)
        sub = sampler.sample_indices("drivers", seeds, seed_time)
        expected_nodes, expected_edges = reference_sample(
            store, per_type(sampler), "drivers", seeds, seed_time, current_time, pick_last
        )
        nodes, edges = sampled_per_seed(sub)
        assert nodes == expected_nodes
        assert edges == expected_edges
        assert sub.num_sampled_edges > 24 * 8
    data = TemporalNeighborSampler(store, [8, 4]).sample("drivers", seeds, seed_time)
    for nt in data.node_types:
        times = store.node_time[nt]
        if times is not None and data[nt].num_nodes:
            assert torch.all(data[nt].time < data[nt].seed_time)
        if nt in store.features:
            assert data[nt].tf.num_rows == data[nt].num_nodes
            assert data[nt].tf == store.features[nt][data[nt].n_id]


def test_visible_until_hides_later_rows_but_keeps_the_seed_time() -> None:
    store = small_store()
    sampler = TemporalNeighborSampler(store, [4, 3], strategy="last")
    seeds, seed_time = np.array([0, 1, 3]), np.array([45, 45, 45])
    visible_until = np.array([20, 45, 30])
    sub = sampler.sample_indices("users", seeds, seed_time, visible_until=visible_until)
    fresh = sampler.sample_indices("users", seeds, seed_time)
    for nt, node_time in store.node_time.items():
        if node_time is None or sub.node[nt].size == 0:
            continue
        first = seeds.size if nt == "users" else 0  # the seeds themselves come first
        times = node_time[sub.node[nt][first:]]
        assert np.all(times <= visible_until[sub.batch[nt][first:]])
        assert np.array_equal(sub.seed_time[nt], seed_time[sub.batch[nt]])
    # The seed whose snapshot is its own anchor time sees what an unfrozen seed sees.
    for nt in sub.node:
        assert np.array_equal(
            sub.node[nt][sub.batch[nt] == 1], fresh.node[nt][fresh.batch[nt] == 1]
        )
    assert sub.num_sampled_nodes < fresh.num_sampled_nodes


def test_visible_until_must_match_the_seeds() -> None:
    sampler = TemporalNeighborSampler(small_store(), [2, 2])
    with pytest.raises(ValueError, match="visible_until must have one time per seed"):
        sampler.sample_indices("users", np.array([0, 1]), np.array([5, 5]), visible_until=[3])
