"""Store results as PostgreSQL `json` and compress them with lz4 where the server has it.

A province recompute writes ~90,000 results of 10–20 kB: building jsonb was most of the
database's work (json takes 40 % of it), and pglz, the default compression, took twice
as long as lz4. Django has no option for the compression, hence the RunPython, which
must follow the type change (a new type drops the column's compression setting).
"""

from django.db import migrations

import scoring.models.assessments


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

    operations = [
        migrations.AlterField(
            model_name="assessment",
            name="result",
            field=scoring.models.assessments.TextJSONField(
                default=dict, verbose_name="full result with reasons, gaps and trace"),
        ),
        migrations.RunPython(_set("lz4"), _set("pglz")),
    ]
