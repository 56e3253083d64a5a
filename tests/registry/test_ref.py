"""ModelRef: every text form parses to the one way it names, and back; malformed ones say why."""

import pytest

from relgraph.registry import ModelRef

RUN = "0123456789abcdef0123456789abcdef"


@pytest.mark.parametrize(
    "text,expected,canonical",
    [
        (f"runs:/{RUN}", ModelRef(run_id=RUN), f"runs:/{RUN}/model"),
        (f"runs:/{RUN}/model", ModelRef(run_id=RUN), f"runs:/{RUN}/model"),
        (RUN, ModelRef(run_id=RUN), f"runs:/{RUN}/model"),
        ("models:/f1-dnf/3", ModelRef(name="f1-dnf", version="3"), "models:/f1-dnf/3"),
        ("models:/f1-dnf@champion", ModelRef(name="f1-dnf", alias="champion"), None),
        ("f1-dnf/12", ModelRef(name="f1-dnf", version="12"), "models:/f1-dnf/12"),
        ("f1-dnf@candidate", ModelRef(name="f1-dnf", alias="candidate"), None),
        ("best:f1:test_roc_auc", ModelRef.best("f1", "test_roc_auc"), "best:f1:test_roc_auc"),
        ("best:a:b:val_mae", ModelRef(experiment="a:b", metric="val_mae"), None),
    ],
)
def test_forms(text: str, expected: ModelRef, canonical: str | None) -> None:
    ref = ModelRef.parse(text)
    assert ref == expected
    assert str(ref) == (
        canonical or (text if text.startswith(("models:/", "best:")) else f"models:/{text}")
    )
    assert ModelRef.parse(str(ref)) == ref


@pytest.mark.parametrize(
    "text,match",
    [
        ("", "empty model reference"),
        ("f1-dnf", r"name a version or alias \('f1-dnf/3', 'f1-dnf@champion'\)"),
        ("f1-dnf/Version 3", r"version must be the number alone.*\(e.g. '3'\), found 'Version 3'"),
        ("f1-dnf/v3", "version must be the number alone"),
        ("f1-dnf/0", "version must be the number alone"),
        ("f1-dnf@", "alias must be letters"),
        ("runs:/abc", "run id must be 32 hex digits, found 'abc'"),
        (f"runs:/{RUN}/checkpoints", "found artifact path 'checkpoints'"),
        ("best:f1", r"expected best:<experiment>:<metric>"),
        ("/3", "registered model name must not be empty"),
    ],
)
def test_malformed_references_say_why(text: str, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        ModelRef.parse(text)


@pytest.mark.parametrize(
    "fields,match",
    [
        ({}, "exactly one way.*found nothing"),
        ({"run_id": RUN, "name": "x", "version": "1"}, "exactly one way"),
        ({"name": "x", "version": "1", "alias": "champion"}, "not both"),
        ({"experiment": "e"}, "needs both an experiment and a metric"),
        ({"version": "1"}, "exactly one way"),
    ],
)
def test_exactly_one_way(fields: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        ModelRef(**fields)


def test_version_may_be_given_as_a_number() -> None:
    ref = ModelRef(name="x", version=3)  # type: ignore[arg-type]
    assert ref.version == "3" and ref.kind == "version"
