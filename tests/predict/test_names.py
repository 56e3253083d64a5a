"""Output names: aliases, columns and schemas are checked before they reach a path or SQL."""

import pytest

from relgraph.predict.names import (
    MAX_NAME_LENGTH,
    check_alias,
    check_output_name,
    embeddings_name,
    may_belong_to,
    predictions_name,
)


def test_output_names() -> None:
    assert predictions_name("nightly_2024") == "PREDICTIONS_nightly_2024"
    assert embeddings_name("SRC", "driverId", "nightly") == "EMBEDDINGS_SRC_driverId_nightly"
    assert embeddings_name("TGT", "circuitId", "x1") == "EMBEDDINGS_TGT_circuitId_x1"


@pytest.mark.parametrize(
    "alias",
    [
        "",
        "../etc",
        "a/b",
        "a.b",
        "a b",
        "x; DROP TABLE users; --",
        'x"',
        "x'",
        "über",
        None,
        3,
        "a" * (MAX_NAME_LENGTH + 1),
    ],
)
def test_bad_aliases_are_refused_naming_the_parameter(alias: object) -> None:
    with pytest.raises(ValueError, match="output_alias"):
        check_alias(alias)
    with pytest.raises(ValueError, match="output_alias"):
        predictions_name(alias)  # type: ignore[arg-type]


def test_bad_columns_and_sides_are_refused() -> None:
    with pytest.raises(ValueError, match=r"entity column 'driver id'"):
        embeddings_name("SRC", "driver id", "x")
    with pytest.raises(ValueError, match="side must be one of"):
        embeddings_name("SOURCE", "driverId", "x")  # type: ignore[arg-type]


def test_whole_names_are_checked() -> None:
    assert check_output_name("PREDICTIONS_a") == "PREDICTIONS_a"
    for bad in ("PREDICTIONS_", "predictions_a", "EMBEDDINGS_XYZ_c_a", "PREDICTIONS_a/../b"):
        with pytest.raises(ValueError, match="output name"):
            check_output_name(bad)
    too_long = embeddings_name("SRC", "c" * 30, "a" * 30)
    with pytest.raises(ValueError, match="characters long"):
        check_output_name(too_long)


@pytest.mark.parametrize(
    ("name", "alias", "expected"),
    [
        ("PREDICTIONS_x", "x", True),
        ("PREDICTIONS_y_x", "x", False),  # alias y_x, not x
        ("EMBEDDINGS_SRC_col_x", "x", True),
        ("EMBEDDINGS_SRC_col_x", "col_x", True),  # ambiguous: the metadata decides
        ("EMBEDDINGS_SRC_col_x", "y", False),
        ("other_x", "x", False),
    ],
)
def test_may_belong_to(name: str, alias: str, expected: bool) -> None:
    assert may_belong_to(name, alias) is expected
