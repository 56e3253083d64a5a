"""The ``source_hash`` step: the content hash of a source's tables, read afresh every run."""

from kfp import dsl

from relgraph.components.images import IMAGE


@dsl.component(base_image=IMAGE, install_kfp_package=False)
def source_hash(source: str, tables: str, queries: dict) -> str:
    """Reads the tables (and SQL queries) of a source and returns their content hash.

    Never cached: this is how a pipeline notices that its data changed. The snapshot step
    takes the hash as an input, so its cache, and every step after it, is keyed by the data.

    Args:
        source: A folder of CSV/parquet files, ``s3://bucket/prefix`` or a SQLAlchemy URL.
        tables: The tables to read, comma-separated; empty for all of them.
        queries: Result name -> SQL query, for SQL databases; ``{}`` for none.

    Returns:
        The content hash (32 hex digits) a snapshot of the data records.
    """
    from relgraph.io import source_content_hash

    return source_content_hash(source, tables=tables, queries=queries)
