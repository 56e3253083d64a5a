"""The output writer interface: all outputs of one alias, written at once or not at all."""

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass

import pyarrow as pa

from relgraph.predict.errors import OutputExistsError
from relgraph.predict.metadata import OutputMetadata
from relgraph.predict.names import PREDICTIONS_PREFIX, check_alias


@dataclass(frozen=True)
class OutputTable:
    """One output to write: its table and metadata (whose ``name`` is the output's name).

    Args:
        table: The rows.
        metadata: The description; its ``num_rows`` must match the table.

    Raises:
        ValueError: If the row counts differ.
    """

    table: pa.Table
    metadata: OutputMetadata

    def __post_init__(self) -> None:
        if self.table.num_rows != self.metadata.num_rows:
            raise ValueError(
                f"output {self.metadata.name!r} has {self.table.num_rows} rows but its "
                f"metadata says {self.metadata.num_rows}"
            )

    @property
    def name(self) -> str:
        """The output name."""
        return self.metadata.name


class OutputWriter(ABC):
    """Writes the outputs of an alias to one destination, atomically.

    A reader sees all outputs of a write or none: each is staged under a temporary name and
    renamed into place once every one has been staged; ``PREDICTIONS_<ALIAS>`` is renamed last.
    """

    @property
    @abstractmethod
    def location(self) -> str:
        """The destination, as shown to users (passwords hidden)."""

    @abstractmethod
    def existing(self, alias: str) -> list[str]:
        """The names of the outputs of ``alias`` at the destination, sorted.

        Raises:
            ValueError: If the alias is not valid.
        """

    @abstractmethod
    def location_of(self, name: str) -> str:
        """Where output ``name`` is (or would be) at the destination."""

    @abstractmethod
    def exists(self, name: str) -> bool:
        """Whether output ``name`` (of any alias) is at the destination."""

    @abstractmethod
    def _write(self, outputs: Sequence[OutputTable], *, existing: Sequence[str]) -> None:
        """Writes ``outputs`` (checked, ordered with ``PREDICTIONS_`` last), replacing the
        alias's ``existing`` outputs (empty unless overwriting): those that this write does not
        replace are removed once it is in place.

        Raises:
            OutputWriteError: If writing failed; outputs new to the alias are not left behind.
        """

    @abstractmethod
    def read(self, name: str) -> pa.Table:
        """Reads output ``name`` back, with its metadata attached (see
        :meth:`OutputMetadata.attach`).

        Raises:
            FileNotFoundError: If there is no such output.
        """

    @abstractmethod
    def read_metadata(self, name: str) -> OutputMetadata:
        """The metadata of output ``name``.

        Raises:
            FileNotFoundError: If there is no such output.
        """

    def write(
        self, outputs: Sequence[OutputTable], *, alias: str, overwrite: bool = False
    ) -> dict[str, str]:
        """Writes the outputs of one alias: all of them or, on failure, none.

        With ``overwrite``, outputs of the alias that this write does not replace (say, the
        embeddings of an earlier run) are removed, so the alias holds exactly this write.

        Args:
            outputs: The outputs; every one's metadata must name ``alias``.
            alias: The output alias.
            overwrite: Replace existing outputs of the alias (default: ``False``).

        Returns:
            Output name -> its location.

        Raises:
            ValueError: If there are no outputs, a name repeats, or an output belongs to
                another alias.
            OutputExistsError: If the alias has outputs and ``overwrite`` is ``False``.
            OutputWriteError: If writing failed; nothing of this write is left.
        """
        alias = check_alias(alias)
        if not outputs:
            raise ValueError("no outputs to write")
        names = [output.name for output in outputs]
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise ValueError(f"output names repeat: {repeated}")
        foreign = [output.name for output in outputs if output.metadata.alias != alias]
        if foreign:
            raise ValueError(f"outputs {foreign} do not belong to output_alias {alias!r}")
        found = self.existing(alias)
        if found and not overwrite:
            raise _exists(alias, self.location, found)
        # EMBEDDINGS_SRC_a_b_c is column a_b of alias c, or column a of alias b_c.
        taken = [name for name in names if name not in found and self.exists(name)]
        if taken:
            raise OutputExistsError(
                f"{', '.join(taken)} at {self.location} belong(s) to another output alias; "
                "choose another alias"
            )
        ordered = sorted(outputs, key=lambda output: output.name.startswith(PREDICTIONS_PREFIX))
        self._write(ordered, existing=found)
        return {name: self.location_of(name) for name in names}

    def refuse_existing(self, alias: str) -> None:
        """Raises :class:`OutputExistsError` if ``alias`` has outputs here (a check before the
        work of a write; :meth:`write` checks again).

        Raises:
            OutputExistsError: Naming the alias, the destination and the outputs found.
            ValueError: If the alias is not valid.
        """
        found = self.existing(check_alias(alias))
        if found:
            raise _exists(alias, self.location, found)


def _exists(alias: str, location: str, found: Sequence[str]) -> OutputExistsError:
    return OutputExistsError(
        f"output_alias {alias!r} already exists at {location} ({', '.join(found)}); "
        "pass overwrite=True (--overwrite) to replace it, or choose another alias"
    )
