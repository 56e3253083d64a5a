"""A compiled pipeline package: its file, its content hash, and the parameters it takes.

A Kubeflow Pipelines package is the YAML the KFP compiler writes: a ``PipelineSpec`` document,
optionally followed by a ``PlatformSpec`` document (kfp-kubernetes settings). Submitting or
scheduling one needs three things from it, and this module reads them once:

- its name (``pipelineInfo.name``), under which it is uploaded;
- a hash of its bytes, so an unchanged package reuses the pipeline version already uploaded;
- its parameters (``root.inputDefinitions.parameters``), so arguments are checked, and text from
  the command line converted, before anything reaches the cluster.
"""

import hashlib
import json
import os
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

PACKAGE_SUFFIXES = (".yaml", ".yml")

_TYPE_NAMES = {
    "STRING": "a string",
    "NUMBER_INTEGER": "an integer",
    "NUMBER_DOUBLE": "a number",
    "BOOLEAN": "true or false",
    "LIST": "a JSON list",
    "STRUCT": "a JSON object",
}
_TRUE = ("true", "yes", "1")
_FALSE = ("false", "no", "0")


@dataclass(frozen=True)
class PipelineParameter:
    """One input parameter of a compiled pipeline.

    Args:
        name: The parameter's name.
        type: Its KFP type: ``STRING``, ``NUMBER_INTEGER``, ``NUMBER_DOUBLE``, ``BOOLEAN``,
            ``LIST`` or ``STRUCT``.
        default: Its default value, or ``None`` when it has none (default: ``None``).
        optional: Whether a run may leave it out (default: ``False``).
    """

    name: str
    type: str
    default: Any = None
    optional: bool = False

    @property
    def required(self) -> bool:
        """Whether every run must give a value (no default, not optional)."""
        return self.default is None and not self.optional

    def check(self, value: Any) -> Any:
        """Checks that a value has this parameter's type.

        Args:
            value: The argument.

        Returns:
            The value (an integer given for a ``NUMBER_DOUBLE`` stays an integer).

        Raises:
            ValueError: If the value has another type.
        """
        expected: type | tuple[type, ...] = {
            "STRING": str,
            "NUMBER_INTEGER": int,
            "NUMBER_DOUBLE": (int, float),
            "BOOLEAN": bool,
            "LIST": list,
            "STRUCT": dict,
        }.get(self.type, object)
        is_bool = isinstance(value, bool)
        if not isinstance(value, expected) or (is_bool and self.type != "BOOLEAN"):
            raise ValueError(
                f"parameter '{self.name}' takes {_TYPE_NAMES.get(self.type, self.type)}, "
                f"found {type(value).__name__} {value!r}"
            )
        return value

    def parse(self, text: str) -> Any:
        """Converts command-line text to this parameter's type.

        Strings are taken as they are; integers, numbers and booleans (``true/false``,
        ``yes/no``, ``1/0``) are parsed; lists and objects are JSON.

        Args:
            text: The text after ``NAME=``.

        Returns:
            The typed value.

        Raises:
            ValueError: If the text does not parse as this parameter's type.
        """
        try:
            if self.type == "NUMBER_INTEGER":
                return int(text)
            if self.type == "NUMBER_DOUBLE":
                return float(text)
            if self.type == "BOOLEAN":
                if text.strip().lower() not in _TRUE + _FALSE:
                    raise ValueError(f"expected one of {', '.join(_TRUE + _FALSE)}")
                return text.strip().lower() in _TRUE
            if self.type in ("LIST", "STRUCT"):
                return self.check(json.loads(text))
        except ValueError as exc:
            raise ValueError(
                f"parameter '{self.name}' takes {_TYPE_NAMES[self.type]}, found {text!r} ({exc})"
            ) from None
        return text


@dataclass(frozen=True)
class PipelinePackage:
    """A compiled pipeline YAML file and what submitting it needs to know.

    Args:
        path: The package file.
        name: The pipeline's name (``pipelineInfo.name``).
        description: Its description, or ``""``.
        content_hash: The SHA-256 of the file's bytes, hex.
        parameters: Its input parameters by name.
    """

    path: Path
    name: str
    description: str
    content_hash: str
    parameters: dict[str, PipelineParameter] = field(default_factory=dict)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> "PipelinePackage":
        """Reads a compiled pipeline package.

        Args:
            path: A ``.yaml``/``.yml`` file written by the KFP compiler.

        Returns:
            The package.

        Raises:
            ValueError: If the file is not a compiled pipeline (no ``pipelineInfo.name`` or
                ``root``), or has another suffix.
            OSError: If it cannot be read.
        """
        path = Path(path)
        if path.suffix.lower() not in PACKAGE_SUFFIXES:
            raise ValueError(
                f"a compiled pipeline is a {'/'.join(PACKAGE_SUFFIXES)} file, found '{path}'"
            )
        data = path.read_bytes()
        try:
            spec = next(yaml.safe_load_all(data), None)
        except yaml.YAMLError as exc:
            raise ValueError(f"'{path}' is not YAML: {exc}") from None
        name = spec.get("pipelineInfo", {}).get("name") if isinstance(spec, dict) else None
        if not name or "root" not in spec:
            raise ValueError(
                f"'{path}' is not a compiled Kubeflow pipeline (its first document has no "
                "pipelineInfo.name and root)"
            )
        declared = spec["root"].get("inputDefinitions", {}).get("parameters", {})
        parameters = {
            key: PipelineParameter(
                name=key,
                type=value.get("parameterType", "STRING"),
                default=value.get("defaultValue"),
                optional=bool(value.get("isOptional", False)),
            )
            for key, value in declared.items()
        }
        return cls(
            path=path,
            name=name,
            description=spec["pipelineInfo"].get("description", ""),
            content_hash=hashlib.sha256(data).hexdigest(),
            parameters=parameters,
        )

    def check_arguments(self, arguments: Mapping[str, Any]) -> dict[str, Any]:
        """Checks run arguments against the pipeline's parameters.

        Args:
            arguments: Parameter name -> value.

        Returns:
            The arguments, as a new dict.

        Raises:
            ValueError: Naming every unknown parameter (and the known ones), every required
                parameter left out, or a value of the wrong type.
        """
        self._check_names(arguments)
        missing = sorted(
            name
            for name, parameter in self.parameters.items()
            if parameter.required and name not in arguments
        )
        if missing:
            raise ValueError(
                f"pipeline '{self.name}' needs a value for {', '.join(map(repr, missing))}"
            )
        return {name: self.parameters[name].check(value) for name, value in arguments.items()}

    def parse_arguments(self, texts: Mapping[str, str]) -> dict[str, Any]:
        """Converts command-line ``NAME=VALUE`` texts to typed, checked arguments.

        Args:
            texts: Parameter name -> text.

        Returns:
            Parameter name -> value of the parameter's type.

        Raises:
            ValueError: As :meth:`check_arguments`, or if a text does not parse.
        """
        self._check_names(texts)
        return self.check_arguments(
            {name: self.parameters[name].parse(text) for name, text in texts.items()}
        )

    def _check_names(self, names: Mapping[str, Any]) -> None:
        unknown = sorted(set(names) - set(self.parameters))
        if unknown:
            raise ValueError(
                f"pipeline '{self.name}' has no parameter {', '.join(map(repr, unknown))} "
                f"(its parameters: {', '.join(sorted(self.parameters)) or 'none'})"
            )


@contextmanager
def compiled_package(pipeline: str | os.PathLike[str]) -> Iterator[PipelinePackage]:
    """The package of a compiled pipeline file, or of a relgraph pipeline compiled now.

    Args:
        pipeline: The path of a compiled pipeline (ending in ``.yaml``/``.yml``), or a name in
            ``relgraph.pipelines.PIPELINES`` (e.g. ``"training"``), compiled into a temporary
            folder.

    Yields:
        The package; a temporary file is removed when the block ends.

    Raises:
        ValueError: If ``pipeline`` is neither a package file nor a known pipeline name.
        OSError: If a package file cannot be read.
    """
    if Path(pipeline).suffix.lower() in PACKAGE_SUFFIXES:
        yield PipelinePackage.load(pipeline)
        return
    from relgraph.pipelines import PIPELINES, compile_pipeline

    name = str(pipeline)
    if name not in PIPELINES:
        raise ValueError(
            f"unknown pipeline '{name}': expected one of {', '.join(sorted(PIPELINES))} "
            "or a compiled pipeline .yaml file"
        )
    with tempfile.TemporaryDirectory(prefix="relgraph-pipeline-") as folder:
        yield PipelinePackage.load(compile_pipeline(name, Path(folder) / f"{name}.yaml"))
