"""Give awards made before certificate numbers existed their number, oldest first."""

from django.db import migrations


def number_awards(apps, schema_editor):
    Award = apps.get_model("reviews", "Award")
    Counter = apps.get_model("reviews", "CertificateCounter")
    for award in (Award.objects.filter(number__isnull=True)
                  .select_related("village", "cycle").order_by("awarded_on", "pk")):
        counter, _ = Counter.objects.get_or_create(county_code=award.village.code[:6],
                                                   year=award.cycle.year)
        counter.last += 1
        counter.save(update_fields=["last"])
        award.number = f"{counter.county_code}-{counter.year}-{counter.last:04d}"
        award.save(update_fields=["number"])


class Migration(migrations.Migration):
    dependencies = [("reviews", "0002_decisions_public_objections_certificate_numbers")]
    operations = [migrations.RunPython(number_awards, migrations.RunPython.noop)]
