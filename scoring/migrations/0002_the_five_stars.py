from django.db import migrations

STARS = [
    ("branch", "支部过硬星", "Strong branch star", 1),
    ("industry", "产业兴旺星", "Thriving industry star", 2),
    ("ecology", "生态宜居星", "Ecological livability star", 3),
    ("safety", "平安法治星", "Safety and rule of law star", 4),
    ("civility", "文明幸福星", "Civilisation and happiness star", 5),
]


def create_stars(apps, schema_editor):
    Star = apps.get_model("scoring", "Star")
    for code, zh, en, order in STARS:
        Star.objects.update_or_create(code=code, defaults={"name_zh": zh, "name_en": en,
                                                           "order": order})


class Migration(migrations.Migration):
    dependencies = [("scoring", "0001_rulesets_and_assessments")]
    operations = [migrations.RunPython(create_stars, migrations.RunPython.noop)]
