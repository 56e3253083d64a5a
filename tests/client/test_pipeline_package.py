"""PipelinePackage: a compiled pipeline's name, hash and parameters, and checking and parsing
run arguments against them."""

import hashlib
from pathlib import Path

import pytest
from kfp import compiler, dsl

from relgraph.client.pipeline_package import PipelinePackage, PipelineParameter, compiled_package


@dsl.component(base_image="python:3.11", install_kfp_package=False)
def _echo(text: str, count: int, rate: float, flag: bool, items: list, settings: dict) -> str:
    return f"{text} {count} {rate} {flag} {items} {settings}"


@dsl.pipeline(name="typed-params", description="Every parameter type.")
def typed_params(
    text: str,
    count: int = 1,
    rate: float = 0.5,
    flag: bool = False,
    items: list = [1, 2],  # noqa: B006
    settings: dict = {"k": "v"},  # noqa: B006
    note: str = None,  # noqa: RUF013 (KFP reads this as optional, without a default)
):
    _echo(text=text, count=count, rate=rate, flag=flag, items=items, settings=settings)


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> PipelinePackage:
    path = tmp_path_factory.mktemp("package") / "typed.yaml"
    compiler.Compiler().compile(typed_params, str(path))
    return PipelinePackage.load(path)


def test_load_reads_name_hash_and_parameters(package: PipelinePackage) -> None:
    assert package.name == "typed-params"
    assert package.description == "Every parameter type."
    assert package.content_hash == hashlib.sha256(package.path.read_bytes()).hexdigest()
    assert package.parameters["text"] == PipelineParameter("text", "STRING")
    assert package.parameters["count"] == PipelineParameter("count", "NUMBER_INTEGER", 1, True)
    assert package.parameters["settings"].type == "STRUCT"
    assert package.parameters["note"] == PipelineParameter("note", "STRING", None, True)
    assert [name for name, p in package.parameters.items() if p.required] == ["text"]


@pytest.mark.parametrize(
    ("texts", "expected"),
    [
        ({"text": "a b=c"}, {"text": "a b=c"}),
        ({"text": "", "count": "7", "rate": "1e-3"}, {"text": "", "count": 7, "rate": 0.001}),
        ({"text": "x", "flag": "TRUE"}, {"text": "x", "flag": True}),
        ({"text": "x", "flag": "no"}, {"text": "x", "flag": False}),
        ({"text": "x", "items": "[1, \"a\"]", "settings": "{\"a\": {\"b\": 2}}"}, {"text": "x", "items": [1, "a"], "settings": {"a": {"b": 2}}}),
        ({"text": "x", "rate": "3"}, {"text": "x", "rate": 3.0}),
    ],
)  # fmt: skip
def test_parse_arguments_gives_each_parameter_its_type(
    package: PipelinePackage, texts: dict[str, str], expected: dict[str, object]
) -> None:
    parsed = package.parse_arguments(texts)
    assert parsed == expected
    assert {k: type(v) for k, v in parsed.items()} == {k: type(v) for k, v in expected.items()}


@pytest.mark.parametrize(
    ("texts", "message"),
    [
        ({"text": "x", "count": "1.5"}, r"parameter 'count' takes an integer, found '1.5'"),
        ({"text": "x", "flag": "maybe"}, r"parameter 'flag' takes true or false, found 'maybe'"),
        ({"text": "x", "items": "{\"a\": 1}"}, r"parameter 'items' takes a JSON list, found dict"),
        ({"text": "x", "settings": "{bad"}, r"parameter 'settings' takes a JSON object, found '\{bad'"),
        ({"txt": "x"}, r"has no parameter 'txt' \(its parameters: count, flag, items, note, rate, settings, text\)"),
        ({"count": "2"}, r"pipeline 'typed-params' needs a value for 'text'"),
    ],
)  # fmt: skip
def test_parse_arguments_names_what_is_wrong(
    package: PipelinePackage, texts: dict[str, str], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        package.parse_arguments(texts)


def test_check_arguments_accepts_an_integer_for_a_number(package: PipelinePackage) -> None:
    assert package.check_arguments({"text": "x", "rate": 2}) == {"text": "x", "rate": 2}


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("pipeline.json", "{}", r"a compiled pipeline is a .yaml/.yml file, found"),
        ("notes.yaml", "just: text\n", r"is not a compiled Kubeflow pipeline"),
        ("broken.yaml", "a: [unclosed\n", r"is not YAML"),
    ],
)
def test_load_refuses_what_is_not_a_compiled_pipeline(
    tmp_path: Path, name: str, content: str, message: str
) -> None:
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(ValueError, match=message):
        PipelinePackage.load(path)


def test_compiled_package_takes_a_file_as_it_is(package: PipelinePackage) -> None:
    with compiled_package(package.path) as same:
        assert same == package
