"""Compress stored results with lz4 on PostgreSQL servers that have it.

A province recompute writes ~90,000 results of 10–20 kB; pglz, the default, took twice
as long as lz4 to compress them. No model change: Django has no option for it.
"""

from django.db import migrations


def _set(compression: str):
    def apply(apps, schema_editor):
        connection = schema_editor.connection
        if connection.vendor != "postgresql":
            return
        with connection.cursor() as cursor:
            cursor.execute("SELECT 'lz4' = ANY(enumvals) FROM pg_settings "
                           "WHERE name = 'default_toast_compression'")
            found = cursor.fetchone()
            if found and found[0]:
                cursor.execute("ALTER TABLE scoring_assessment "
                               f"ALTER COLUMN result SET COMPRESSION {compression}")
    return apply


class Migration(migrations.Migration):
    dependencies = [("scoring", "0003_comparison_optional_for_info")]

    operations = [migrations.RunPython(_set("lz4"), _set("pglz"))]
