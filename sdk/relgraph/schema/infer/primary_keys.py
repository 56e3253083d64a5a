"""Finding each table's primary key: a unique, non-null column named or placed like an id."""

from collections.abc import Sequence
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

from relgraph.schema.errors import SchemaError
from relgraph.schema.infer.names import Evidence, is_own_key_name, reference_evidence
from relgraph.schema.infer.values import is_string
from relgraph.schema.keys import duplicate_count


@dataclass(frozen=True)
class KeyChoice:
    """The primary key chosen for a table.

    Args:
        column: The key column, or ``None`` when the table has none.
        reason: Why, in words.
    """

    column: str | None
    reason: str


def infer_primary_key(table: str, data: pa.Table, other_tables: Sequence[str]) -> KeyChoice:
    """Chooses a table's primary key.

    Candidates, in order: columns named like an id of this table (``id``, ``raceId`` in
    ``races``, ``resultId`` in ``sprint_results``), then the first column, unless its name
    refers to another table (``pit_stops.raceId`` is a reference, not an own key). The first
    candidate of integer or string type whose values are unique and non-null wins; uniqueness
    is checked on every row, not on a sample.

    Args:
        table: The table name.
        data: The table's rows.
        other_tables: The names of the other tables.

    Returns:
        The chosen key, or none with the reason every candidate failed.
    """
    names = data.column_names
    candidates = [c for c in names if is_own_key_name(c, table)]
    rejected: list[str] = [] if candidates else [f"no column is named like an id of '{table}'"]
    by_position = None
    if names and names[0] not in candidates:
        referenced = _referenced_table(names[0], other_tables)
        if referenced is None:
            by_position = names[0]
            candidates.append(by_position)
        else:
            rejected.append(f"first column '{names[0]}' names table '{referenced}' (a reference)")
    for column in candidates:
        problem = key_problem(data[column])
        if problem is None:
            how = (
                "is the first column"
                if column == by_position
                else f"is named like an id of '{table}'"
            )
            return KeyChoice(
                column, f"'{column}' {how}; its {data.num_rows:,} values are unique and non-null"
            )
        rejected.append(f"'{column}': {problem}")
    return KeyChoice(None, "no primary key: " + "; ".join(rejected))


def key_problem(values: pa.ChunkedArray) -> str | None:
    """Why a column cannot be a primary key, or ``None`` when it can.

    Args:
        values: All values of the column.

    Returns:
        For example ``"12 duplicate values and 3 nulls in 861 rows"``, or ``"type double is
        not an integer or string type"``.
    """
    if pa.types.is_dictionary(values.type):
        values = values.cast(values.type.value_type)
    kind = values.type
    if not (pa.types.is_integer(kind) or is_string(kind)):
        return f"type {values.type} is not an integer or string type"
    nulls = values.null_count
    duplicates = duplicate_count(pc.drop_null(values))
    if nulls == 0 and duplicates == 0:
        return None
    return f"{duplicates:,} duplicate values and {nulls:,} nulls in {len(values):,} rows"


def check_primary_key(table: str, column: str, values: pa.ChunkedArray) -> None:
    """Checks a primary key the user chose.

    Args:
        table: The table name.
        column: The chosen column.
        values: All values of the column.

    Raises:
        SchemaError: If the values are not unique and non-null, with the counts found.
    """
    problem = key_problem(values)
    if problem is not None:
        raise SchemaError(f"table '{table}': primary key override '{column}' fails: {problem}")


def _referenced_table(column: str, other_tables: Sequence[str]) -> str | None:
    for other in other_tables:
        if reference_evidence(column, other, "").evidence >= Evidence.ROLE_ID:
            return other
    return None
