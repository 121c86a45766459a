"""Give the audit events recorded before `place` existed their place, so that county
reviewers see their county's history: the scope of a permission change, a division code
named in the target, else the acting user's only scope. Rows without one stay
province-wide (administrators only)."""

import re

from django.db import migrations

CODE_IN_TEXT = re.compile(r"(?<!\d)(\d{12})(?!\d)")


def fill_places(apps, schema_editor):
    AuditEvent = apps.get_model("accounts", "AuditEvent")
    Membership = apps.get_model("accounts", "Membership")
    scopes: dict[int, set[str]] = {}
    for user_id, scope in Membership.objects.values_list("user_id", "scope"):
        scopes.setdefault(user_id, set()).add(scope)
    rows = AuditEvent.objects.filter(place="").values_list("pk", "target", "detail",
                                                           "user_id")
    for pk, target, detail, user_id in rows.iterator(chunk_size=2000):
        place = (detail or {}).get("scope") if isinstance(detail, dict) else None
        if not place and (found := CODE_IN_TEXT.search(target or "")):
            place = found.group(1)
        if not place and len(scopes.get(user_id, ())) == 1:
            place = next(iter(scopes[user_id]))
        if place:
            AuditEvent.objects.filter(pk=pk).update(place=str(place)[:12])


class Migration(migrations.Migration):
    dependencies = [("accounts", "0005_audit_event_place")]

    operations = [migrations.RunPython(fill_places, migrations.RunPython.noop)]
