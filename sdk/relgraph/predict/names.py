"""Output names: ``PREDICTIONS_<ALIAS>`` and ``EMBEDDINGS_<SRC|TGT>_<COLUMN>_<ALIAS>``.

Names become file names in a folder or bucket and table names in a database, so every part is
checked against one strict pattern (ASCII letters, digits and underscores) before it is used:
no path separators, no dots, no quotes, no spaces, so neither a path traversal nor a SQL
injection can be spelt with one.
"""

import re
from typing import Literal

PREDICTIONS_PREFIX = "PREDICTIONS"
EMBEDDINGS_PREFIX = "EMBEDDINGS"

Side = Literal["SRC", "TGT"]
"""Which entities an embeddings output holds: the task's source entities or its targets."""

SIDES: tuple[Side, ...] = ("SRC", "TGT")

MAX_NAME_LENGTH = 63
"""The longest output name: PostgreSQL truncates identifiers beyond 63 bytes."""

_NAME_PART = re.compile(r"[A-Za-z0-9_]+")
_OUTPUT_NAME = re.compile(
    rf"({PREDICTIONS_PREFIX}|{EMBEDDINGS_PREFIX}_(?:{'|'.join(SIDES)})_[A-Za-z0-9_]+)_"
    r"(?P<alias>[A-Za-z0-9_]+)"
)


def check_name_part(value: object, parameter: str) -> str:
    """Checks one part of an output name (an alias, a column, a schema).

    Args:
        value: The value to check.
        parameter: What the value is, for the error message (e.g. ``"output_alias"``).

    Returns:
        The value.

    Raises:
        ValueError: If the value is not a non-empty string of ASCII letters, digits and
            underscores, naming ``parameter`` and the value.
    """
    if not isinstance(value, str) or not _NAME_PART.fullmatch(value):
        raise ValueError(
            f"{parameter} {value!r} is not a valid output name part: use only ASCII letters, "
            "digits and underscores (no paths, dots, quotes or spaces)"
        )
    if len(value) > MAX_NAME_LENGTH:
        raise ValueError(
            f"{parameter} {value!r} is {len(value)} characters long; at most "
            f"{MAX_NAME_LENGTH} are allowed"
        )
    return value


def check_alias(alias: object) -> str:
    """Checks an output alias; see :func:`check_name_part`.

    Raises:
        ValueError: If the alias is empty or has characters other than ASCII letters, digits and
            underscores.
    """
    return check_name_part(alias, "output_alias")


def predictions_name(alias: str) -> str:
    """``PREDICTIONS_<ALIAS>``.

    Raises:
        ValueError: If the alias is not valid (see :func:`check_alias`).
    """
    return f"{PREDICTIONS_PREFIX}_{check_alias(alias)}"


def embeddings_name(side: Side, column: str, alias: str) -> str:
    """``EMBEDDINGS_<SRC|TGT>_<COLUMN>_<ALIAS>``.

    Args:
        side: ``"SRC"`` (the task's source entities) or ``"TGT"`` (its targets).
        column: The entity column the embeddings are keyed by.
        alias: The output alias.

    Raises:
        ValueError: If the side is unknown, or the column or alias is not a valid name part.
    """
    if side not in SIDES:
        raise ValueError(f"side must be one of {list(SIDES)}, found {side!r}")
    column = check_name_part(column, "entity column")
    return f"{EMBEDDINGS_PREFIX}_{side}_{column}_{check_alias(alias)}"


def check_output_name(name: object) -> str:
    """Checks a whole output name (as written by :func:`predictions_name` or
    :func:`embeddings_name`).

    Raises:
        ValueError: If the name is not of the form ``PREDICTIONS_<ALIAS>`` or
            ``EMBEDDINGS_<SRC|TGT>_<COLUMN>_<ALIAS>``, or is too long.
    """
    if not isinstance(name, str) or not _OUTPUT_NAME.fullmatch(name):
        raise ValueError(
            f"output name {name!r} is not PREDICTIONS_<ALIAS> or "
            "EMBEDDINGS_<SRC|TGT>_<COLUMN>_<ALIAS> (ASCII letters, digits and underscores)"
        )
    if len(name) > MAX_NAME_LENGTH:
        raise ValueError(
            f"output name {name!r} is {len(name)} characters long; at most {MAX_NAME_LENGTH} "
            "are allowed (use a shorter output_alias)"
        )
    return name


def may_belong_to(name: str, alias: str) -> bool:
    """Whether ``name`` may be an output of ``alias``.

    ``PREDICTIONS_<ALIAS>`` is told exactly; ``EMBEDDINGS_SRC_a_b_c`` could be column ``a_b``
    with alias ``c`` or column ``a`` with alias ``b_c``, so callers that must know read the
    alias from the output's metadata.
    """
    if not _OUTPUT_NAME.fullmatch(name):
        return False
    if name.startswith(f"{EMBEDDINGS_PREFIX}_"):
        return name.endswith(f"_{alias}")
    return name == f"{PREDICTIONS_PREFIX}_{alias}"
