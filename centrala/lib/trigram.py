"""Trigram indexes for "contains" searches on PostgreSQL (pg_trgm); SQLite needs none.

Used from migrations: TrigramIndexes(...) creates the extension and the GIN indexes on
PostgreSQL and does nothing on other databases, both ways.
"""

from django.db import migrations


def _run(sql_list):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        with schema_editor.connection.cursor() as cursor:
            for sql in sql_list:
                cursor.execute(sql)

    return run


def TrigramIndexes(*indexes):
    """indexes: (name, table, expression) — expression as PostgreSQL will see it in the query,
    e.g. "UPPER(subject)" for icontains, "search_key" for contains."""
    create = ["CREATE EXTENSION IF NOT EXISTS pg_trgm"] + [
        f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" USING gin (({expression}) gin_trgm_ops)'
        for name, table, expression in indexes
    ]
    drop = [f'DROP INDEX IF EXISTS "{name}"' for name, _table, _expression in indexes]
    return migrations.RunPython(_run(create), _run(drop), elidable=False)
