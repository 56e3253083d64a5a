"""A schema written as schema-inference overrides that decide everything, so that a pipeline
which infers the schema of a dataset's data arrives at exactly the schema the user edited.

The pipelines' ``infer_schema`` step takes overrides, not a schema: every column's dtype (and
datetime format), the primary key, every foreign key (and that no other column is one), the
time column and inherited time are forced. One thing is left to inference on purpose: the
dtype of a column that holds another column's time of day, so that inference pairs the two
again (overrides cannot state the pairing).
"""

from relgraph.schema import Schema, SchemaOverrides, Table, TableOverrides


def pin_schema(schema: Schema) -> SchemaOverrides:
    """Overrides under which inference on the schema's data gives back ``schema``.

    Args:
        schema: The schema (every table).

    Returns:
        The overrides; their ``to_dict()`` is the pipelines' ``schema_overrides`` argument.
    """
    return SchemaOverrides({table.name: _pin_table(table) for table in schema.tables})


def _pin_table(table: Table) -> TableOverrides:
    partners = {c.time_of_day for c in table.columns if c.time_of_day is not None}
    fk_columns = {fk.column for fk in table.foreign_keys}
    return TableOverrides(
        dtypes={
            c.name: c.dtype
            for c in table.columns
            if c.name not in partners and c.datetime_format is None
        },
        datetime_formats={
            c.name: c.datetime_format for c in table.columns if c.datetime_format is not None
        },
        primary_key=table.primary_key,
        foreign_keys={fk.column: fk.link_to for fk in table.foreign_keys},
        drop_foreign_keys=tuple(c for c in table.column_names if c not in fk_columns),
        time_column=table.time_column,
        inherit_time_from=table.inherit_time_from,
    )
