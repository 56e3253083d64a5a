"""``ModelRef``: the ways of naming a trained model, and their text forms.

A model is named by exactly one of: its MLflow run id; a registered name and version (the
number alone, as MLflow shows it: ``"3"``); a registered name and alias (``champion``,
``candidate``); or the best run of an experiment for a metric.

Text forms (:meth:`ModelRef.parse`, and ``str(ref)`` gives them back)::

    runs:/<run id>[/model]     <32-hex run id>
    models:/<name>/<version>   <name>/<version>
    models:/<name>@<alias>     <name>@<alias>
    best:<experiment>:<metric>
"""

import re
from dataclasses import dataclass

RUN_ID = re.compile(r"[0-9a-f]{32}")
"""An MLflow run id."""

_VERSION = re.compile(r"[1-9][0-9]*")
_ALIAS = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_MODEL_PATH = "model"

FORMS = (
    "runs:/<run id>[/model]",
    "<32-hex run id>",
    "models:/<name>/<version>",
    "models:/<name>@<alias>",
    "<name>/<version>",
    "<name>@<alias>",
    "best:<experiment>:<metric>",
)
"""The text forms :meth:`ModelRef.parse` reads."""


@dataclass(frozen=True)
class ModelRef:
    """Exactly one way of naming a model.

    Args:
        run_id: An MLflow run id (default: ``None``).
        name: A registered model name, with ``version`` or ``alias`` (default: ``None``).
        version: A version number as MLflow shows it, e.g. ``"3"`` (default: ``None``).
        alias: An alias such as ``"champion"`` (default: ``None``).
        experiment: An experiment name, with ``metric``: its best run (default: ``None``).
        metric: A logged run metric such as ``"test_roc_auc"``; better means larger or smaller
            as :func:`relgraph.train.metric_direction` says (default: ``None``).

    Raises:
        ValueError: Unless exactly one way is given, completely (a name with a version or an
            alias, an experiment with a metric), with a well-formed run id, version or alias.
    """

    run_id: str | None = None
    name: str | None = None
    version: str | None = None
    alias: str | None = None
    experiment: str | None = None
    metric: str | None = None

    def __post_init__(self) -> None:
        if self.version is not None and not isinstance(self.version, str):
            object.__setattr__(self, "version", str(self.version))
        ways = [
            self.run_id is not None,
            self.name is not None,
            self.experiment is not None or self.metric is not None,
        ]
        if sum(ways) != 1:
            raise ValueError(
                "a model reference names a model exactly one way: a run id, a registered name "
                "with a version or alias, or an experiment with a metric; found "
                f"{self._fields_given()}"
            )
        if self.run_id is not None and not RUN_ID.fullmatch(self.run_id):
            raise ValueError(f"run id must be 32 hex digits, found {self.run_id!r}")
        if self.name is not None:
            if not self.name.strip():
                raise ValueError("registered model name must not be empty")
            if (self.version is None) == (self.alias is None):
                raise ValueError(
                    f"model '{self.name}': give a version (e.g. '{self.name}/3') or an alias "
                    f"(e.g. '{self.name}@champion'), not {'both' if self.version else 'neither'}"
                )
            if self.version is not None and not _VERSION.fullmatch(self.version):
                raise ValueError(
                    f"model '{self.name}': version must be the number alone, as MLflow shows it "
                    f"(e.g. '3'), found {self.version!r}"
                )
            if self.alias is not None and not _ALIAS.fullmatch(self.alias):
                raise ValueError(
                    f"model '{self.name}': alias must be letters, digits, '_' or '-', "
                    f"found {self.alias!r}"
                )
        elif self.version is not None or self.alias is not None:
            raise ValueError("a version or alias needs a registered model name")
        if ways[2] and not (self.experiment and self.metric):
            raise ValueError(
                "the best run needs both an experiment and a metric, found "
                f"experiment={self.experiment!r}, metric={self.metric!r}"
            )

    def _fields_given(self) -> str:
        given = {k: v for k, v in vars(self).items() if v is not None}
        return ", ".join(f"{k}={v!r}" for k, v in given.items()) or "nothing"

    @classmethod
    def parse(cls, text: str) -> "ModelRef":
        """Reads a reference from its text form (see the module docstring).

        Args:
            text: E.g. ``"models:/f1-dnf@champion"``, ``"f1-dnf/3"`` or a run id.

        Returns:
            The reference.

        Raises:
            ValueError: If the text is none of the forms, or a part is malformed.
        """
        if isinstance(text, ModelRef):
            return text
        raw = text.strip() if isinstance(text, str) else ""
        if not raw:
            raise ValueError(f"empty model reference (forms: {', '.join(FORMS)})")
        if raw.startswith("runs:/"):
            parts = raw[len("runs:/") :].strip("/").split("/")
            if len(parts) > 2 or (len(parts) == 2 and parts[1] != _MODEL_PATH):
                raise ValueError(
                    f"{raw!r}: a relgraph model is at runs:/<run id>/{_MODEL_PATH}, "
                    f"found artifact path {'/'.join(parts[1:])!r}"
                )
            return cls(run_id=parts[0])
        if RUN_ID.fullmatch(raw):
            return cls(run_id=raw)
        if raw.startswith("best:"):
            experiment, sep, metric = raw[len("best:") :].rpartition(":")
            if not sep:
                raise ValueError(f"{raw!r}: expected best:<experiment>:<metric>")
            return cls(experiment=experiment, metric=metric)
        body = raw[len("models:/") :] if raw.startswith("models:/") else raw
        if "@" in body:
            name, _, alias = body.rpartition("@")
            return cls(name=name, alias=alias)
        if "/" in body:
            name, _, version = body.rpartition("/")
            return cls(name=name, version=version)
        raise ValueError(
            f"{raw!r} is no model reference: name a version or alias ('{raw}/3', "
            f"'{raw}@champion') or use one of: {', '.join(FORMS)}"
        )

    @classmethod
    def best(cls, experiment: str, metric: str) -> "ModelRef":
        """The best run of ``experiment`` by ``metric`` (e.g. ``"test_roc_auc"``)."""
        return cls(experiment=experiment, metric=metric)

    @property
    def kind(self) -> str:
        """``"run"``, ``"version"``, ``"alias"`` or ``"best"``."""
        if self.run_id is not None:
            return "run"
        if self.version is not None:
            return "version"
        if self.alias is not None:
            return "alias"
        return "best"

    def __str__(self) -> str:
        if self.run_id is not None:
            return f"runs:/{self.run_id}/{_MODEL_PATH}"
        if self.version is not None:
            return f"models:/{self.name}/{self.version}"
        if self.alias is not None:
            return f"models:/{self.name}@{self.alias}"
        return f"best:{self.experiment}:{self.metric}"
