"""A staging area for what pipelines must read but cannot find where it is: datasets edited
or held in memory, task tables, entity tables.

Each item is a folder named by its content hash under the staging location, a local folder
or an ``s3://`` prefix (which a cluster can read too). An item that is there already is not
written again. An item is complete once its marker file is there: locally the folder appears
all at once (its writer writes atomically); on S3 it is written locally first, then every
other file is uploaded and the marker last, since an object store has no rename.
"""

import logging
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import pyarrow.fs as pafs

from relgraph.io import filesystem_for, redact_uri
from relgraph.io.uri import uri_scheme

_logger = logging.getLogger(__name__)


def is_object_store(location: str | os.PathLike[str]) -> bool:
    """Whether ``location`` is an ``s3://`` prefix."""
    return uri_scheme(os.fspath(location)) == "s3"


def stage_folder(
    staging: str | os.PathLike[str],
    name: str,
    marker: str,
    write: Callable[[Path], None],
) -> str:
    """Makes sure the folder ``<staging>/<name>`` is staged, writing it if it is not.

    Args:
        staging: A local folder or ``s3://bucket/prefix``.
        name: The item's folder name (its content hash).
        marker: The file whose presence says the item is complete (e.g. ``"dataset.json"``).
        write: Writes the item, all at once, as a new local folder at the path it is given
            (replacing what may be there).

    Returns:
        The item's location: an absolute local path or ``s3://bucket/prefix/name``.
    """
    filesystem, base = filesystem_for(staging)
    path = f"{base}/{name}"
    location = f"s3://{path}" if is_object_store(staging) else path
    if filesystem.get_file_info(f"{path}/{marker}").type == pafs.FileType.File:
        _logger.info("%s is staged already", redact_uri(location))
        return location
    if not is_object_store(staging):
        write(Path(path))
        return location
    with tempfile.TemporaryDirectory(prefix="relgraph-stage-") as tmp:
        folder = Path(tmp) / name
        write(folder)
        files = sorted(p for p in folder.rglob("*") if p.is_file())
        for file in sorted(files, key=lambda p: p.relative_to(folder).as_posix() == marker):
            target = f"{path}/{file.relative_to(folder).as_posix()}"
            pafs.copy_files(str(file), target, destination_filesystem=filesystem)
    _logger.info("staged %d files at %s", len(files), redact_uri(location))
    return location
