"""``FileSource``: tables as CSV or parquet files in a local folder or under an ``s3://`` prefix.

Each file is one table, named after the file without its extension (``races.csv`` ->
``races``); names may hold spaces and any Unicode. Files and folders whose names start with
``.`` or ``_`` (``_SUCCESS``, temporary files) and files of other types are ignored. A location
that is a single file is a source of that one table.
"""

import logging
import os
from collections.abc import Sequence

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from relgraph.io.errors import SourceError
from relgraph.io.filesystem import filesystem_for
from relgraph.io.normalize import normalize_table
from relgraph.io.source import Source

_logger = logging.getLogger(__name__)

CSV_NULL_VALUES: tuple[str, ...] = ("\\N", "", "NULL", "null", "NA", "N/A", "NaN", "None")
"""CSV cell values read as null (``\\N`` is MySQL's and Ergast's marker)."""

FILE_FORMATS: dict[str, str] = {
    ".csv": "csv",
    ".csv.gz": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
}
"""File name endings (matched case-insensitively) -> the format they are read as."""


def split_table_file(file_name: str) -> tuple[str, str] | None:
    """Splits a file name into its table name and format.

    Args:
        file_name: A base name such as ``"races.csv"``.

    Returns:
        ``(table name, "csv" | "parquet")``, or ``None`` for a file that holds no table
        (another type, or hidden by a leading ``.`` or ``_``).
    """
    if file_name.startswith((".", "_")):
        return None
    lower = file_name.lower()
    # Longest ending first, so "x.csv.gz" is not taken for a ".gz" of something else.
    for ending in sorted(FILE_FORMATS, key=len, reverse=True):
        if lower.endswith(ending) and len(file_name) > len(ending):
            return file_name[: -len(ending)], FILE_FORMATS[ending]
    return None


def read_csv_file(filesystem: pafs.FileSystem, path: str) -> pa.Table:
    """Reads a CSV file with pyarrow, ``CSV_NULL_VALUES`` as nulls and inferred column types.

    Args:
        filesystem: The file system holding the file.
        path: Its path there; ``.gz`` files are decompressed.

    Returns:
        The table as pyarrow read it (ints, floats, dates, ISO timestamps inferred).

    Raises:
        SourceError: If pyarrow cannot parse the file (ragged rows, bad quoting, ...).
    """
    convert = pacsv.ConvertOptions(null_values=list(CSV_NULL_VALUES), strings_can_be_null=True)
    try:
        with filesystem.open_input_stream(path, compression="detect") as stream:
            return pacsv.read_csv(stream, convert_options=convert)
    except pa.ArrowInvalid as error:
        raise SourceError(f"cannot read CSV file {path}: {error}") from error


class FileSource(Source):
    """Tables stored as CSV or parquet files in one folder (local or ``s3://``).

    The folder is listed when the source is opened; files are read on demand.

    Args:
        uri: A local folder or file, ``file://`` URI, or ``s3://bucket/prefix``.

    Raises:
        SourceError: If the location does not exist or holds no table files (the message lists
            what it holds), or if two files give the same table name.
    """

    def __init__(self, uri: str | os.PathLike[str]) -> None:
        self._filesystem, self._path = filesystem_for(uri)
        is_s3 = isinstance(self._filesystem, pafs.S3FileSystem)
        # The resolved location (absolute path or s3://bucket/key) names the source everywhere.
        super().__init__(f"s3://{self._path}" if is_s3 else self._path)
        info = self._filesystem.get_file_info(self._path)
        if info.type == pafs.FileType.NotFound:
            raise SourceError(f"source folder {self.display_uri} does not exist")
        if info.type == pafs.FileType.File:
            entries = [info]
        else:
            entries = self._filesystem.get_file_info(pafs.FileSelector(self._path))
        self._files: dict[str, tuple[pafs.FileInfo, str]] = {}
        for entry in sorted(entries, key=lambda entry: entry.base_name):
            split = split_table_file(entry.base_name)
            if entry.type != pafs.FileType.File or split is None:
                continue
            name, file_format = split
            if name in self._files:
                raise SourceError(
                    f"two files in {self.display_uri} give table {name!r}: "
                    f"{self._files[name][0].base_name} and {entry.base_name}; keep one"
                )
            self._files[name] = (entry, file_format)
        if not self._files:
            found = sorted(
                entry.base_name + ("/" if entry.type == pafs.FileType.Directory else "")
                for entry in entries
            )
            raise SourceError(
                f"no tables in {self.display_uri}: expected files ending in "
                f"{', '.join(FILE_FORMATS)}; found: {', '.join(found) or '(nothing)'}"
            )
        _logger.debug("%s holds %d tables", self.display_uri, len(self._files))

    def list_tables(self) -> list[str]:
        """The table names (file names without extension), sorted."""
        return sorted(self._files)

    def read_table(self, name: str) -> pa.Table:
        """Reads the file of table ``name``; see :meth:`Source.read_table`."""
        self.check_tables([name])
        info, file_format = self._files[name]
        if info.size == 0:
            raise SourceError(
                f"table {name!r} in {self.display_uri} is empty: {info.base_name} has 0 bytes"
            )
        if file_format == "csv":
            table = read_csv_file(self._filesystem, info.path)
        else:
            try:
                table = pq.read_table(info.path, filesystem=self._filesystem)
            except pa.ArrowInvalid as error:
                raise SourceError(f"cannot read parquet file {info.path}: {error}") from error
        return normalize_table(table, name=name, where=self.display_uri)

    def fingerprint(self, tables: Sequence[str] | None = None) -> dict[str, object]:
        """Path, size and modification time (ns) of each table's file; see
        :meth:`Source.fingerprint`."""
        names = list(tables) if tables is not None else self.list_tables()
        self.check_tables(names)
        return {
            name: {
                "path": self._files[name][0].path,
                "size": self._files[name][0].size,
                "mtime_ns": self._files[name][0].mtime_ns,
            }
            for name in names
        }
