"""Finding foreign keys from name evidence and value inclusion."""

import pyarrow as pa
import pytest

from relgraph.schema import ForeignKey
from relgraph.schema.infer.foreign_keys import MIN_COVERAGE, infer_foreign_keys, key_family
from relgraph.schema.infer.inclusion import Coverage, InclusionCounter

PARENTS = {
    "races": pa.table({"raceId": list(range(1, 101))}),
    "drivers": pa.table({"id": list(range(1, 51))}),
    "seasons": pa.table({"year": list(range(1950, 2025))}),
    "countries": pa.table({"code": ["de", "fr", "it"]}),
}
PRIMARY_KEYS = {"races": "raceId", "drivers": "id", "seasons": "year", "countries": "code"}


def _infer(child: pa.Table, *, skip: tuple[str, ...] = (), own_key: str | None = None):
    data = {**PARENTS, "child": child}
    keys = {**PRIMARY_KEYS, "child": own_key}
    with InclusionCounter(data) as counter:
        return infer_foreign_keys("child", data, keys, counter, skip=skip)


@pytest.mark.parametrize(
    ("column", "values", "link", "evidence"),
    [
        ("raceId", [1, 2, 3, 100], "races.raceId", "is named like primary key races.raceId"),
        ("races.raceId", [1, 2], "races.raceId", "qualified with table 'races'"),
        ("race_id", [5, 6], "races.raceId", "'race_id' is named like primary key races.raceId"),
        ("driver_id", [1, 50], "drivers.id", "is named '<drivers>id'"),
        ("winnerDriverId", [7, 8], "drivers.id", "after a role word"),
        ("year", [2009, 2010], "seasons.year", "is named like primary key seasons.year"),
        ("season", [2009, 2010], "seasons.year", "named after table 'seasons'"),
        ("country", ["de", "de", None], "countries.code", "named after table 'countries'"),
    ],
)
def test_name_and_values_make_a_foreign_key(
    column: str, values: list, link: str, evidence: str
) -> None:
    fks, decisions = _infer(pa.table({column: values}))
    assert fks == [ForeignKey(column, link)]
    (decision,) = decisions
    assert decision.value == link and decision.column == column
    assert evidence in decision.reason
    non_null = sum(v is not None for v in values)
    assert f"{non_null:,} of {non_null:,} non-null values (100.0%) are in {link}" in decision.reason


@pytest.mark.parametrize("column", ["position", "grid", "number", "rank", "points"])
def test_numbers_inside_an_id_range_are_not_foreign_keys(column: str) -> None:
    fks, decisions = _infer(pa.table({column: [1, 2, 3, 20]}))
    assert fks == [] and decisions == []


def test_own_primary_key_is_not_a_reference() -> None:
    fks, decisions = _infer(pa.table({"raceId": [1, 2, 3]}), own_key="raceId")
    assert fks == [] and decisions == []


def test_skipped_columns_are_not_examined() -> None:
    fks, _ = _infer(pa.table({"raceId": [1, 2]}), skip=("raceId",))
    assert fks == []


def test_low_coverage_is_rejected_with_the_counts() -> None:
    fks, decisions = _infer(pa.table({"raceId": [1, 2, 500, 501, 502]}))
    assert fks == []
    (decision,) = decisions
    assert decision.value == "none"
    assert "only 2 of 5 non-null values (40.0%) are in races.raceId" in decision.reason
    assert "3 distinct values dangle" in decision.reason
    assert f"at least {MIN_COVERAGE:.0%} needed" in decision.reason


def test_a_few_dangling_references_are_counted_not_fatal() -> None:
    values = [1 + i % 100 for i in range(99)] + [999]
    fks, decisions = _infer(pa.table({"raceId": values}))
    assert fks == [ForeignKey("raceId", "races.raceId")]
    assert "99 of 100 non-null values (99.0%)" in decisions[0].reason
    assert "1 distinct values dangle" in decisions[0].reason


def test_incompatible_types_are_rejected() -> None:
    fks, decisions = _infer(pa.table({"raceId": ["1", "2"]}))
    assert fks == []
    assert "string values cannot reference races.raceId of type int64" in decisions[0].reason


def test_weaker_name_evidence_is_tried_when_the_stronger_fails() -> None:
    data = {
        "seasons": pa.table({"year": [2009, 2010]}),
        "years": pa.table({"year_id": [1, 2]}),
        "child": pa.table({"year": [1, 2, 2]}),
    }
    keys = {"seasons": "year", "years": "year_id", "child": None}
    with InclusionCounter(data) as counter:
        fks, decisions = infer_foreign_keys("child", data, keys, counter)
    assert fks == [ForeignKey("year", "years.year_id")]
    assert "rejected:" in decisions[0].reason and "seasons.year" in decisions[0].reason


def test_self_reference() -> None:
    data = {"categories": pa.table({"category_id": [1, 2, 3], "parent_category_id": [None, 1, 1]})}
    keys = {"categories": "category_id"}
    with InclusionCounter(data) as counter:
        fks, _ = infer_foreign_keys("categories", data, keys, counter)
    assert fks == [ForeignKey("parent_category_id", "categories.category_id")]


def test_all_null_column_is_not_a_reference() -> None:
    fks, decisions = _infer(pa.table({"raceId": pa.array([None, None], pa.int64())}))
    assert fks == []
    assert "0 of 0 non-null values" in decisions[0].reason


def test_inclusion_handles_odd_names_and_large_strings() -> None:
    data = {
        'Tabelle "Kunden" ä': pa.table(
            {'Kunden "Nr"': pa.array(["a", "b", "c"], pa.large_string())}
        ),
        "Bestellungen": pa.table({"x y": pa.array(["a", "a", "z", None])}),
    }
    with InclusionCounter(data) as counter:
        coverage = counter.coverage("Bestellungen", "x y", 'Tabelle "Kunden" ä', 'Kunden "Nr"')
    assert coverage == Coverage(non_null=3, matched=2, dangling=1)
    assert coverage.share == pytest.approx(2 / 3)


def test_inclusion_scales_without_python_sets() -> None:
    parent = pa.table({"id": pa.array(range(1_000_000))})
    child = pa.table({"ref": pa.array([*range(0, 2_000_000, 2), -1])})
    with InclusionCounter({"p": parent, "c": child}) as counter:
        coverage = counter.coverage("c", "ref", "p", "id")
    assert coverage == Coverage(non_null=1_000_001, matched=500_000, dangling=500_001)


@pytest.mark.parametrize(
    ("dtype", "family"),
    [
        (pa.int32(), "number"),
        (pa.float64(), "number"),
        (pa.string(), "string"),
        (pa.large_string(), "string"),
        (pa.dictionary(pa.int32(), pa.string()), "string"),
        (pa.date32(), "date32[day]"),
    ],
)
def test_key_family(dtype: pa.DataType, family: str) -> None:
    assert key_family(dtype) == family
