"""Naming conventions read by schema inference: words, plurals, id and reference names."""

import pytest

from relgraph.schema.infer.names import (
    Evidence,
    attribute_time_word,
    bookkeeping_time_word,
    is_creation_time,
    is_own_key_name,
    reference_evidence,
    singular,
    time_of_day_partner,
    words,
)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("raceId", ("race", "id")),
        ("race_id", ("race", "id")),
        ("RACE_ID", ("race", "id")),
        ("constructorResultsId", ("constructor", "results", "id")),
        ("URLPath", ("url", "path")),
        ("raceID", ("race", "id")),
        ("fp1_date", ("fp1", "date")),
        ("races.raceId", ("races", "race", "id")),
        ("Bestell Positionen", ("bestell", "positionen")),
        ("clientÉtat", ("client", "état")),
        ("__", ()),
    ],
)
def test_words_split_names_at_separators_and_case(name: str, expected: tuple[str, ...]) -> None:
    assert words(name) == expected


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("races", "race"),
        ("drivers", "driver"),
        ("status", "status"),
        ("statuses", "status"),
        ("seasons", "season"),
        ("categories", "category"),
        ("boxes", "box"),
        ("address", "address"),
        ("addresses", "address"),
        ("qualifying", "qualifying"),
        ("bus", "bus"),
        ("analysis", "analysis"),
    ],
)
def test_singular(word: str, expected: str) -> None:
    assert singular(word) == expected


@pytest.mark.parametrize(
    ("column", "table", "expected"),
    [
        ("id", "anything", True),
        ("uuid", "users", True),
        ("raceId", "races", True),
        ("race_id", "races", True),
        ("statusId", "status", True),
        ("constructorResultsId", "constructor_results", True),
        ("resultId", "sprint_results", True),
        ("driverStandingsId", "driver_standings", True),
        ("raceId", "results", False),
        ("driverId", "driver_standings", False),
        ("qualifyId", "qualifying", False),
        ("year", "seasons", False),
        ("stop", "pit_stops", False),
        ("Kunden Id", "Kunden", True),
    ],
)
def test_is_own_key_name(column: str, table: str, expected: bool) -> None:
    assert is_own_key_name(column, table) is expected


@pytest.mark.parametrize(
    ("column", "parent", "key", "expected"),
    [
        ("races.raceId", "races", "raceId", Evidence.QUALIFIED),
        ("races.id", "races", "id", Evidence.QUALIFIED),
        ("raceId", "races", "raceId", Evidence.KEY_NAME),
        ("year", "seasons", "year", Evidence.KEY_NAME),
        ("race_id", "races", "id", Evidence.TABLE_ID),
        ("statusId", "status", "statusId", Evidence.KEY_NAME),
        ("status_key", "status", "code", Evidence.TABLE_ID),
        ("winnerDriverId", "drivers", "id", Evidence.ROLE_ID),
        ("season", "seasons", "year", Evidence.TABLE_NAME),
        ("id", "races", "id", Evidence.NONE),
        ("position", "races", "raceId", Evidence.NONE),
        ("grid", "drivers", "driverId", Evidence.NONE),
        ("driverId", "races", "raceId", Evidence.NONE),
    ],
)
def test_reference_evidence(column: str, parent: str, key: str, expected: Evidence) -> None:
    match = reference_evidence(column, parent, key)
    assert match.evidence == expected
    assert bool(match.detail) is (expected != Evidence.NONE)


@pytest.mark.parametrize(
    ("column", "word"),
    [
        ("loaded_at", "loaded"),
        ("ingested_at", "ingested"),
        ("etl_timestamp", "etl"),
        ("etlLoadDate", "etl"),
        ("_updated", "updated"),
        ("updated_at", "updated"),
        ("last_modified", "modified"),
        ("lastUpdate", "last update"),
        ("inserted_at", "inserted at"),
        ("order_date", None),
        ("created_at", None),
        ("dwelling_date", None),
    ],
)
def test_bookkeeping_time_word(column: str, word: str | None) -> None:
    assert bookkeeping_time_word(column) == word


@pytest.mark.parametrize(
    ("column", "word"),
    [
        ("dob", "dob"),
        ("date_of_birth", "birth"),
        ("birthday", "birthday"),
        ("birthDate", "birth"),
        ("card_expiry", "expiry"),
        ("date", None),
    ],
)
def test_attribute_time_word(column: str, word: str | None) -> None:
    assert attribute_time_word(column) == word


@pytest.mark.parametrize(
    ("column", "expected"),
    [("created_at", True), ("CreationDate", True), ("signup_at", True), ("ordered_at", False)],
)
def test_is_creation_time(column: str, expected: bool) -> None:
    assert is_creation_time(column) is expected


@pytest.mark.parametrize(
    ("date_column", "columns", "partner"),
    [
        ("date", ["date", "time"], "time"),
        ("fp1_date", ["fp1_date", "fp1_time", "time"], "fp1_time"),
        ("orderDate", ["orderDate", "orderTime"], "orderTime"),
        ("dob", ["dob", "time"], None),
        ("date", ["date", "duration"], None),
    ],
)
def test_time_of_day_partner(date_column: str, columns: list[str], partner: str | None) -> None:
    assert time_of_day_partner(date_column, columns) == partner
