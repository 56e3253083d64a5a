"""Outputs as parquet files in a local folder or an ``s3://`` prefix (MinIO, AWS S3).

Output ``NAME`` is the file ``<location>/NAME.parquet``, its metadata in the file's key-value
metadata. Each file is written under a hidden temporary name in the same folder
(``.NAME.parquet.<random>.tmp``) and moved into place once every output of the write is
complete: a rename on a local disk, a server-side copy on S3. A write that fails part-way,
or whose store goes away, leaves no object under an output name: pyarrow's S3 stream
completes its multipart upload when it is closed, even after an error, so the upload goes
to the temporary key, which is then deleted (or, with the store gone, never completed).
"""

import logging
import os
import uuid
from collections.abc import Sequence

import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from relgraph.io import filesystem_for, redact_uri
from relgraph.io.uri import uri_scheme
from relgraph.predict.errors import OutputWriteError
from relgraph.predict.metadata import OutputMetadata
from relgraph.predict.names import EMBEDDINGS_PREFIX, check_alias, check_output_name, may_belong_to
from relgraph.predict.writer import OutputTable, OutputWriter

_logger = logging.getLogger(__name__)

SUFFIX = ".parquet"
COMPRESSION = "zstd"


class FileOutputWriter(OutputWriter):
    """Writes outputs as parquet files under a folder or object-store prefix.

    Args:
        location: ``s3://bucket/prefix`` (endpoint and keys from the environment, see
            :mod:`relgraph.io.filesystem`), ``file:///abs/path`` or a local folder.

    Raises:
        ValueError: If the location has an unsupported scheme or names no bucket.
    """

    def __init__(self, location: str | os.PathLike[str]) -> None:
        self._uri = os.fspath(location)
        self._fs, self._base = filesystem_for(self._uri)
        self._s3 = uri_scheme(self._uri) == "s3"

    @property
    def location(self) -> str:
        """The folder or ``s3://`` prefix."""
        return f"s3://{self._base}" if self._s3 else redact_uri(self._base)

    def location_of(self, name: str) -> str:
        """The file of output ``name``."""
        return f"{self.location}/{check_output_name(name)}{SUFFIX}"

    def _path(self, name: str) -> str:
        return f"{self._base}/{check_output_name(name)}{SUFFIX}"

    def existing(self, alias: str) -> list[str]:
        """Output files of ``alias`` in the folder; embeddings files whose name could belong to
        another alias too are told apart by their metadata."""
        alias = check_alias(alias)
        selector = pafs.FileSelector(self._base, allow_not_found=True, recursive=False)
        found = []
        for info in self._fs.get_file_info(selector):
            name = info.base_name.removesuffix(SUFFIX)
            if info.type != pafs.FileType.File or not info.base_name.endswith(SUFFIX):
                continue
            if not may_belong_to(name, alias):
                continue
            if name.startswith(f"{EMBEDDINGS_PREFIX}_") and self._alias_of(name) not in (
                alias,
                None,
            ):
                continue
            found.append(name)
        return sorted(found)

    def _alias_of(self, name: str) -> str | None:
        """The alias in the metadata of output ``name``; ``None`` when it has none (a file
        relgraph did not write: treated as taken)."""
        try:
            return self.read_metadata(name).alias
        except ValueError:
            return None

    def exists(self, name: str) -> bool:
        """Whether the file of output ``name`` exists."""
        return self._fs.get_file_info(self._path(name)).type == pafs.FileType.File

    def _write(self, outputs: Sequence[OutputTable], *, existing: Sequence[str]) -> None:
        names = [output.name for output in outputs]
        if not self._s3:
            self._fs.create_dir(self._base, recursive=True)
        staged: dict[str, str] = {}
        committed: list[str] = []
        try:
            for output in outputs:
                staged[output.name] = self._temp_path(output.name)
                self._write_file(staged[output.name], output)
            for output in outputs:
                self._fs.move(staged.pop(output.name), self._path(output.name))
                committed.append(output.name)
        except BaseException as exc:
            self._discard(list(staged.values()))
            self._discard([self._path(name) for name in committed if name not in existing])
            if not isinstance(exc, Exception):
                raise
            replaced = [name for name in committed if name in existing]
            raise OutputWriteError(
                f"writing {', '.join(names)} to {self.location} failed: "
                f"{type(exc).__name__}: {exc}; "
                + (
                    f"nothing new was left, but {', '.join(replaced)} had already been replaced"
                    if replaced
                    else "nothing was written"
                )
            ) from exc
        self._discard([self._path(name) for name in existing if name not in names])
        _logger.info("wrote %s to %s", ", ".join(names), self.location)

    def _temp_path(self, name: str) -> str:
        """A hidden temporary name beside the output's file."""
        return f"{self._base}/.{name}{SUFFIX}.{uuid.uuid4().hex[:12]}.tmp"

    def _write_file(self, path: str, output: OutputTable) -> None:
        table = output.metadata.attach(output.table)
        with self._fs.open_output_stream(path) as stream:
            pq.write_table(table, stream, compression=COMPRESSION)

    def _discard(self, paths: list[str]) -> None:
        """Deletes files, logging (not raising) what could not be deleted."""
        for path in paths:
            try:
                self._fs.delete_file(path)
            except FileNotFoundError:
                continue
            except OSError as exc:
                _logger.warning("could not delete %s: %s", path, exc)

    def read(self, name: str) -> pa.Table:
        """Reads output ``name`` (metadata in its schema).

        Raises:
            FileNotFoundError: If there is no such output.
        """
        path = self._existing_path(name)
        with self._fs.open_input_file(path) as handle:
            return pq.read_table(handle)

    def read_metadata(self, name: str) -> OutputMetadata:
        """The metadata of output ``name``.

        Raises:
            FileNotFoundError: If there is no such output.
            ValueError: If the file has no relgraph metadata.
        """
        path = self._existing_path(name)
        with self._fs.open_input_file(path) as handle:
            schema = pq.read_schema(handle)
        return OutputMetadata.of_table(schema, where=self.location_of(name))

    def _existing_path(self, name: str) -> str:
        path = self._path(name)
        if self._fs.get_file_info(path).type != pafs.FileType.File:
            raise FileNotFoundError(f"no output {name!r} at {self.location}")
        return path
