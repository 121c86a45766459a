from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from scoring import runs
from scoring.management.commands.recompute import Lines, embedded
from scoring.models import RecomputeRun


class Command(BaseCommand):
    help = "Resume a failed recompute run: only its missing batches run again."

    def add_arguments(self, parser):
        parser.add_argument("run_id", type=int)
        parser.add_argument("--in-process", action="store_true")

    def handle(self, *args, run_id, in_process=False, **options):
        run = RecomputeRun.objects.filter(pk=run_id).first()
        if run is None:
            raise CommandError(_("No recompute run %(id)d.") % {"id": run_id})
        if run.state != "failed":
            raise CommandError(_("Recompute run %(id)d is %(state)s; only a failed run can "
                                 "be resumed.") % {"id": run_id,
                                                   "state": run.get_state_display()})
        if in_process or embedded():
            runs.reopen(run)
            runs.execute_in_process(run, on_batch=lambda r: Lines(self.stdout)(
                runs.progress(r)))
        else:
            self.stdout.write(_("%(count)d batches queued again.")
                              % {"count": runs.resume(run)})
