"""The ``snapshot`` step: a parquet snapshot of a source, cached on its content hash."""

from kfp import dsl
from kfp.dsl import Dataset, Output

from relgraph.components.images import IMAGE


@dsl.component(base_image=IMAGE, install_kfp_package=False)
def snapshot(source: str, tables: str, queries: dict, data_hash: str, data: Output[Dataset]) -> str:
    """Snapshots the tables (and SQL queries) of a source: one parquet file per table and a
    manifest with row counts and the content hash.

    Args:
        source: A folder of CSV/parquet files, ``s3://bucket/prefix`` or a SQLAlchemy URL.
        tables: The tables to read, comma-separated; empty for all of them.
        queries: Result name -> SQL query, for SQL databases; ``{}`` for none.
        data_hash: The content hash the ``source_hash`` step read; keys this step's cache,
            and the step fails if the data changed since.
        data: The snapshot folder.

    Returns:
        The snapshot's content hash.
    """
    from relgraph.io import snapshot_into

    snap = snapshot_into(
        source, data.path, tables=tables, queries=queries, expected_hash=data_hash, overwrite=True
    )
    data.metadata.update({"content_hash": snap.content_hash, "tables": snap.table_names})
    return snap.content_hash
