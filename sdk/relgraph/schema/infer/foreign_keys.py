"""Finding foreign keys: a column named like a reference whose values are another table's keys.

Both kinds of evidence are required. A name alone is not enough (a dangling guess breaks the
graph), and values alone are misleading: small integers such as ``results.position`` or
``grid`` fall inside every id range without referring to anything. A table's own primary key
is never taken for a reference, even when another table has a key of the same name
(``sprint_results.resultId`` numbers sprint results, not ``results``).
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pyarrow as pa

from relgraph.schema.decision import Decision, DecisionKind
from relgraph.schema.foreign_key import ForeignKey
from relgraph.schema.infer.inclusion import InclusionCounter
from relgraph.schema.infer.names import Evidence, NameMatch, reference_evidence
from relgraph.schema.keys import key_family

MIN_COVERAGE = 0.95
"""Share of a column's non-null values that must be keys of the referenced table."""


@dataclass(frozen=True)
class _Candidate:
    parent: str
    key: str
    match: NameMatch


def infer_foreign_keys(
    table: str,
    data: Mapping[str, pa.Table],
    primary_keys: Mapping[str, str | None],
    counter: InclusionCounter,
    *,
    skip: Sequence[str] = (),
) -> tuple[list[ForeignKey], list[Decision]]:
    """Finds the foreign keys of one table.

    For every column, the tables its name may refer to are ranked by the strength of the
    name evidence (``races.raceId`` > ``raceId`` named like the key > ``race_id`` >
    ``winner_race_id`` > ``race``); the first whose primary key holds at least
    :data:`MIN_COVERAGE` of the column's non-null values, and whose type is compatible,
    is the reference. Dangling values are counted and reported, not fatal.

    Args:
        table: The table whose columns are examined.
        data: All tables by name.
        primary_keys: Every table's primary key (``None`` for none).
        counter: Counts value inclusion.
        skip: Columns not to examine (set by overrides) (default: none).

    Returns:
        The foreign keys found, and a decision for every column with name evidence, found or
        rejected.
    """
    arrow = data[table]
    own_key = primary_keys.get(table)
    fks: list[ForeignKey] = []
    decisions: list[Decision] = []
    for column in arrow.column_names:
        if column == own_key or column in skip:
            continue
        candidates = _candidates(column, primary_keys)
        if not candidates:
            continue
        rejected: list[str] = []
        for cand in candidates:
            link = f"{cand.parent}.{cand.key}"
            child_type, key_type = arrow[column].type, data[cand.parent][cand.key].type
            if key_family(child_type) != key_family(key_type):
                rejected.append(
                    f"{cand.match.detail}, but its {child_type} values cannot reference "
                    f"{link} of type {key_type}"
                )
                continue
            coverage = counter.coverage(table, column, cand.parent, cand.key)
            if coverage.share >= MIN_COVERAGE:
                fks.append(ForeignKey(column, link))
                reason = f"{cand.match.detail}; {coverage.describe(link)}"
                if rejected:
                    reason += " (rejected: " + "; ".join(rejected) + ")"
                decisions.append(Decision(DecisionKind.FOREIGN_KEY, column, link, reason))
                break
            rejected.append(
                f"{cand.match.detail}, but only {coverage.describe(link)} "
                f"(at least {MIN_COVERAGE:.0%} needed)"
            )
        else:
            reason = "no foreign key: " + "; ".join(rejected)
            decisions.append(Decision(DecisionKind.FOREIGN_KEY, column, "none", reason))
    return fks, decisions


def _candidates(column: str, primary_keys: Mapping[str, str | None]) -> list[_Candidate]:
    found = []
    for parent, key in primary_keys.items():
        if key is None:
            continue
        match = reference_evidence(column, parent, key)
        if match.evidence > Evidence.NONE:
            found.append(_Candidate(parent, key, match))
    # Stable sort: equally strong evidence keeps the tables' order.
    return sorted(found, key=lambda c: -c.match.evidence)
