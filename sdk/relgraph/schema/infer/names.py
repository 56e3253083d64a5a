"""What column and table names say about keys: naming conventions for ids and references.

Names are evidence, never proof: every key suggested here is checked against the values
before it is accepted. Names are split into lowercase words (``"constructorResultsId"`` ->
``constructor, results, id``; ``"race_id"`` -> ``race, id``), so camelCase, snake_case, spaces
and non-ASCII letters are all read the same way.
"""

import itertools
from dataclasses import dataclass
from enum import IntEnum
from functools import lru_cache

ID_WORDS = frozenset({"id", "key"})
"""Last words that mark a column as an identifier (``raceId``, ``race_key``)."""

GENERIC_KEY_NAMES = frozenset({"id", "key", "pk", "uuid", "guid", "rowid"})
"""Names that identify a row of their own table but say nothing about which table."""


@lru_cache(maxsize=4096)
def words(name: str) -> tuple[str, ...]:
    """Splits a name into lowercase words at separators and camelCase boundaries.

    Hand-written rather than a regex because Python's ``re`` has no Unicode upper/lowercase
    classes, and names may be non-ASCII (``"Bestellpositionen"``, ``"clientÉtat"``).

    Args:
        name: A table or column name.

    Returns:
        The words, casefolded; digits stay attached to the letters before them (``fp1``).
    """
    out: list[str] = []
    current = ""
    for i, char in enumerate(name):
        if not char.isalnum():
            if current:
                out.append(current)
            current = ""
            continue
        if current and char.isupper():
            prev = name[i - 1]
            nxt = name[i + 1] if i + 1 < len(name) else ""
            # "raceId" splits before I; "URLPath" splits before the P of "Path".
            if prev.islower() or prev.isdigit() or (prev.isupper() and nxt.islower()):
                out.append(current)
                current = ""
        current += char
    if current:
        out.append(current)
    return tuple(w.casefold() for w in out)


def singular(word: str) -> str:
    """The singular of an English plural noun, by the common suffix rules.

    Hand-written: the few rules needed for table names (``races``, ``statuses``,
    ``categories``, ``boxes``) do not justify a dependency on an inflection library.

    Args:
        word: A lowercase word.

    Returns:
        The singular form; words that do not look plural come back unchanged
        (``status``, ``address``, ``qualifying``).
    """
    if len(word) <= 3:
        return word
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith(("sses", "shes", "ches", "xes", "zes", "uses")):
        return word[:-2]
    if word.endswith(("ss", "us", "is")) or not word.endswith("s"):
        return word
    return word[:-1]


def table_forms(table: str) -> set[tuple[str, ...]]:
    """The word sequences a table is referred to by: as named, and with its last word singular.

    Args:
        table: A table name (``"driver_standings"``).

    Returns:
        For example ``{("driver", "standings"), ("driver", "standing")}``.
    """
    base = words(table)
    if not base:
        return set()
    return {base, (*base[:-1], singular(base[-1]))}


def is_own_key_name(column: str, table: str) -> bool:
    """Whether a column's name marks it as its own table's identifier.

    True for a generic key name (``id``, ``uuid``), for ``<table>Id`` in singular or plural
    form (``raceId`` in ``races``, ``constructorResultsId`` in ``constructor_results``), and
    for a trailing part of that (``resultId`` in ``sprint_results``).

    Args:
        column: The column name.
        table: The table that holds the column.
    """
    col = words(column)
    if not col:
        return False
    if col == (col[0],) and col[0] in GENERIC_KEY_NAMES:
        return True
    if len(col) < 2 or col[-1] not in ID_WORDS:
        return False
    stem = col[:-1]
    return any(form[len(form) - len(stem) :] == stem for form in table_forms(table))


class Evidence(IntEnum):
    """How strongly a column's name says it references a table (higher is stronger)."""

    NONE = 0
    TABLE_NAME = 1
    """Named like the table itself (``season`` -> ``seasons``)."""
    ROLE_ID = 2
    """A role word before the table's id (``winnerDriverId`` -> ``drivers``)."""
    TABLE_ID = 3
    """The table's name plus an id word (``race_id`` -> ``races``)."""
    KEY_NAME = 4
    """The referenced primary key's own (non-generic) name (``raceId``, ``year``)."""
    QUALIFIED = 5
    """Qualified with the table (``races.raceId``)."""


@dataclass(frozen=True)
class NameMatch:
    """Why a column's name points at a table.

    Args:
        evidence: How strong the evidence is.
        detail: The rule, in words, for a decision's reason.
    """

    evidence: Evidence
    detail: str


def reference_evidence(column: str, parent: str, parent_key: str) -> NameMatch:
    """What the name of ``column`` says about it referencing ``parent.parent_key``.

    Args:
        column: The candidate foreign-key column.
        parent: The referenced table.
        parent_key: The referenced table's primary key.

    Returns:
        The strongest rule that matches, or :attr:`Evidence.NONE`.
    """
    forms = table_forms(parent)
    key = words(parent_key)
    generic_key = len(key) == 1 and key[0] in GENERIC_KEY_NAMES
    prefix, dot, suffix = column.rpartition(".")
    if dot and words(prefix) in forms and words(suffix) in {key, ("id",)}:
        return NameMatch(Evidence.QUALIFIED, f"'{column}' is qualified with table '{parent}'")
    col = words(column)
    if not col:
        return NameMatch(Evidence.NONE, "")
    if col == key and not generic_key:
        return NameMatch(
            Evidence.KEY_NAME, f"'{column}' is named like primary key {parent}.{parent_key}"
        )
    if len(col) >= 2 and col[-1] in ID_WORDS:
        stem = col[:-1]
        if stem in forms:
            return NameMatch(Evidence.TABLE_ID, f"'{column}' is named '<{parent}>{col[-1]}'")
        if any(len(f) < len(stem) and stem[len(stem) - len(f) :] == f for f in forms):
            return NameMatch(
                Evidence.ROLE_ID, f"'{column}' ends with '<{parent}>{col[-1]}' after a role word"
            )
    if col in forms:
        return NameMatch(Evidence.TABLE_NAME, f"'{column}' is named after table '{parent}'")
    return NameMatch(Evidence.NONE, "")


_BOOKKEEPING_WORDS = frozenset(
    {"loaded", "load", "ingested", "ingest", "ingestion", "etl", "updated", "modified", "synced"}
)
_BOOKKEEPING_PAIRS = frozenset({("last", "update"), ("last", "change"), ("inserted", "at")})
_ATTRIBUTE_WORDS = frozenset({"dob", "birth", "birthday", "birthdate", "born", "expiry"})
_CREATION_WORDS = frozenset(
    {"created", "creation", "registered", "registration", "signup", "joined"}
)


def bookkeeping_time_word(column: str) -> str | None:
    """The word that marks a datetime column as a record-keeping time, if any.

    Load, ingest, ETL, update and modification times say when a row was written or changed
    in the database, not when the event it records happened; using one as event time would
    date every row by the last pipeline run.

    Args:
        column: A column name.

    Returns:
        The matching word (``"updated"``, ``"etl"``), or ``None``.
    """
    col = words(column)
    for word in col:
        if word in _BOOKKEEPING_WORDS or word == "dw" or word.startswith("etl"):
            return word
    for pair in itertools.pairwise(col):
        if pair in _BOOKKEEPING_PAIRS:
            return " ".join(pair)
    return None


def attribute_time_word(column: str) -> str | None:
    """The word that marks a datetime column as an attribute of an entity, if any.

    A date of birth or an expiry date describes the entity; the row exists before and after
    it, so it is no event time.

    Args:
        column: A column name.

    Returns:
        The matching word (``"dob"``, ``"birth"``), or ``None``.
    """
    for word in words(column):
        if word in _ATTRIBUTE_WORDS or word.startswith("birth") or word.startswith("expir"):
            return word
    return None


def is_creation_time(column: str) -> bool:
    """Whether a datetime column records when an entity was created (``created_at``).

    A creation time is a valid row time (the entity does not exist before it) but is a
    coarser event than an order date or a race date; child tables prefer event times.

    Args:
        column: A column name.
    """
    return any(word in _CREATION_WORDS for word in words(column))


def time_of_day_partner(date_column: str, columns: list[str]) -> str | None:
    """The column that holds the time of day of a date column, named by the same pattern.

    ``date`` pairs with ``time``, ``fp1_date`` with ``fp1_time``, ``orderDate`` with
    ``orderTime``: the date column's name with its word ``date`` replaced by ``time``.

    Args:
        date_column: The name of a column of dates.
        columns: All column names of the table.

    Returns:
        The partner column's name, or ``None``.
    """
    target = tuple("time" if w == "date" else w for w in words(date_column))
    if "date" not in words(date_column):
        return None
    for name in columns:
        if name != date_column and words(name) == target:
            return name
    return None
