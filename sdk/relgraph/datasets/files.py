"""Writing a generated database as a folder of files, one per table, all at once or not at all."""

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
import pyarrow.parquet as pq

from relgraph.io.atomic import atomic_directory

FileFormat = Literal["parquet", "csv"]
FILE_FORMATS: tuple[str, ...] = ("parquet", "csv")


def write_tables(
    tables: Mapping[str, pa.Table],
    dest: str | os.PathLike[str],
    *,
    file_format: FileFormat = "parquet",
    overwrite: bool = False,
) -> dict[str, Path]:
    """Writes every table to ``dest/<name>.<format>``; the folder appears complete or not at all.

    In CSV, list columns are written as JSON arrays (``["a","b"]``, ``[0.1,-2.5]``), which is
    how most tools export arrays to CSV.

    Args:
        tables: Arrow tables by name.
        dest: The folder to create.
        file_format: ``"parquet"`` or ``"csv"`` (default: ``"parquet"``).
        overwrite: Replace an existing ``dest`` folder and everything in it
            (default: ``False``).

    Returns:
        The file written for each table, by table name.

    Raises:
        ValueError: If ``file_format`` is unknown or a table name cannot be a file name.
        FileExistsError: If ``dest`` exists, is not an empty folder, and ``overwrite`` is
            ``False``.
    """
    if file_format not in FILE_FORMATS:
        raise ValueError(f"file_format must be one of {FILE_FORMATS}, found {file_format!r}")
    for name in tables:
        if not name or name != Path(name).name or name.startswith("."):
            raise ValueError(f"table name {name!r} cannot be used as a file name")
    dest = Path(dest)
    empty_folder = dest.is_dir() and not any(dest.iterdir())
    if dest.exists() and not (overwrite or empty_folder):
        raise FileExistsError(
            f"{dest} already exists and is not empty (pass overwrite=True to replace it)"
        )
    written: dict[str, Path] = {}
    with atomic_directory(dest, overwrite=True) as tmp:
        for name, table in tables.items():
            path = tmp / f"{name}.{file_format}"
            if file_format == "parquet":
                pq.write_table(table, path)
            else:
                pcsv.write_csv(_lists_as_json(table), path)
            written[name] = dest / path.name
    return written


def _lists_as_json(table: pa.Table) -> pa.Table:
    """Replaces list columns by their JSON text, since CSV has no arrays."""
    for i, field in enumerate(table.schema):
        if pa.types.is_list(field.type) or pa.types.is_large_list(field.type):
            table = table.set_column(i, field.name, _json_lists(table[field.name]))
    return table


def _json_lists(values: pa.ChunkedArray) -> pa.Array:
    lists = values.combine_chunks()
    items = pc.cast(lists.flatten(), pa.string())
    if pa.types.is_string(lists.type.value_type) or pa.types.is_large_string(lists.type.value_type):
        # JSON-escape backslashes and quotes, then quote every item.
        items = pc.replace_substring(pc.replace_substring(items, "\\", "\\\\"), '"', '\\"')
        items = pc.binary_join_element_wise('"', items, '"', "")
    lengths = pc.fill_null(pc.list_value_length(lists), 0).to_numpy()
    offsets = pa.array(np.concatenate([[0], np.cumsum(lengths)]), pa.int32())
    rebuilt = pa.ListArray.from_arrays(offsets, items, mask=lists.is_null())
    return pc.binary_join_element_wise("[", pc.binary_join(rebuilt, ","), "]", "")
