from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from scoring.reminders.dispatch import dispatch
from wuxing.notifications import delivery
from wuxing.notifications.tasks import deliver_deliveries


class Command(BaseCommand):
    help = ("Run the reminder dispatcher as of a date: send every reminder due and not yet "
            "sent, one line per message, then a count.")

    def add_arguments(self, parser):
        parser.add_argument("--date", help="YYYY-MM-DD (default: today)")
        parser.add_argument("--dry-run", action="store_true",
                            help="print what would be sent; change nothing")

    def handle(self, *args, **options):
        today = timezone.localdate()
        if options["date"]:
            try:
                today = date.fromisoformat(options["date"])
            except ValueError:
                raise CommandError(_("The date must be written as YYYY-MM-DD."))
        result = dispatch(today, dry_run=options["dry_run"], queue=False)
        for out in result.outgoing:
            self.stdout.write(out.line())
        if options["dry_run"]:
            self.stdout.write(_("%(count)d messages would be sent.")
                              % {"count": len(result.outgoing)})
            return
        # Delivered here rather than by a worker, so that the command works on its own;
        # failures go to the queue for the worker's retries with backoff.
        report = delivery.deliver(result.new_ids)
        for countdown, ids in report.retries().items():
            deliver_deliveries.apply_async((ids,), countdown=countdown)
        self.stdout.write(_("%(count)d messages sent, %(failed)d to retry.") % {
            "count": len(report.sent),
            "failed": len(report.failed) + len(report.deferred)})
