"""Reading the JSON or YAML documents that schemas and overrides are saved as."""

import json
import os
from pathlib import Path
from typing import Any

import yaml

from relgraph.schema.errors import SchemaError

YAML_SUFFIXES = (".yaml", ".yml")


def read_document(path: str | os.PathLike[str], *, what: str) -> Any:
    """Parses a JSON file, or YAML for a ``.yaml``/``.yml`` path.

    Args:
        path: The file.
        what: What the file should hold, for messages (``"schema"``, ``"schema overrides"``).

    Raises:
        FileNotFoundError: If ``path`` does not exist.
        SchemaError: If the file does not parse.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{what} file not found: {path}")
    text = path.read_text(encoding="utf-8")
    try:
        if path.suffix.lower() in YAML_SUFFIXES:
            return yaml.safe_load(text)
        return json.loads(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise SchemaError(f"{path}: not a valid {what} file ({exc})") from exc
