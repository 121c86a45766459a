from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from wuxing.ops import retention


class Command(BaseCommand):
    help = "Delete audit events older than the retention (at least 180 days)."

    def handle(self, *args, **options):
        deleted = retention.purge_audit_events()
        self.stdout.write(_("%(n)d audit events older than %(days)d days deleted.") % {
            "n": deleted, "days": retention.retention_days()})
