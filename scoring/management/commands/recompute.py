import time

from celery import current_app
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from scoring import engine, runs, services


def month_argument(text: str):
    try:
        return engine.parse_month(text)
    except ValueError:
        raise CommandError(_("Month must look like YYYY-MM, e.g. 2026-03: %(value)s")
                           % {"value": text})


def prefix_argument(code: str | None) -> str:
    if not code:
        return ""
    try:
        return services.division_prefix(code)
    except ValueError:
        raise CommandError(_("No unit or village has the division code %(code)s.")
                           % {"code": code})


def embedded() -> bool:
    """The batches run here, one after another: no Redis broker, SQLite, tasks run
    in-process anyway (eager), or inside a transaction whose commit would come only after
    the command (no worker could see the run before)."""
    return (not settings.REDIS_URL or connection.vendor == "sqlite"
            or current_app.conf.task_always_eager or connection.in_atomic_block)


class Command(BaseCommand):
    help = ("Recompute stored star assessments (official and preview) as a recompute run "
            "on the Celery workers. Without --month: every month of the current cycle that "
            "has entries or stored results.")

    def add_arguments(self, parser):
        parser.add_argument("--division", help="division code of a unit or village")
        parser.add_argument("--month", help="YYYY-MM")
        parser.add_argument("--in-process", action="store_true",
                            help="run the batches in this process (default without Redis)")
        parser.add_argument("--no-wait", action="store_true",
                            help="queue the run and return at once")

    def handle(self, *args, division=None, month=None, in_process=False, no_wait=False,
               **options):
        prefix = prefix_argument(division)
        months = ([month_argument(month)] if month
                  else services.months_to_recompute(prefix, timezone.localdate().year))
        if not months:
            self.stdout.write(_("No entries in the current cycle: nothing to recompute."))
            return
        here = in_process or embedded()
        run = runs.start(prefix, months, queue=not here)
        self.stdout.write(_("Recompute run %(id)d: %(batches)d batches, %(villages)d "
                            "village-months, months %(months)s")
                          % {"id": run.pk, "batches": run.batches_total,
                             "villages": run.villages_total,
                             "months": ", ".join(f"{m:%Y-%m}" for m in months)})
        if no_wait and not here:
            return
        show = Bar(self.stdout) if self.stdout.isatty() else Lines(self.stdout)
        if here:
            runs.execute_in_process(run, on_batch=lambda r: show(runs.progress(r)))
        else:
            self._wait(run, show)
        self._conclude(run)

    def _wait(self, run, show) -> None:
        started, warned = time.monotonic(), False
        while True:
            run.refresh_from_db()
            progress = runs.progress(run)
            show(progress)
            if run.is_finished:
                return
            if not warned and progress.counts.pending == progress.counts.total \
                    and time.monotonic() - started > 60:
                warned = True
                self.stderr.write(_("No worker has taken a batch for a minute: is "
                                    "`celery -A wuxing worker` running? (Ctrl-C leaves the "
                                    "run queued.)"))
            time.sleep(0.5)

    def _conclude(self, run) -> None:
        run.refresh_from_db()
        progress = runs.progress(run)
        if run.state != "done":
            raise CommandError(_("Recompute run %(id)d %(state)s: %(error)s  (resume it: "
                                 "manage.py resume_recompute %(id)d)")
                               % {"id": run.pk, "state": run.get_state_display(),
                                  "error": run.error})
        self.stdout.write(self.style.SUCCESS(
            _("Done: %(villages)d village-months in %(batches)d batches, %(seconds).1f s.")
            % {"villages": progress.counts.villages_done, "batches": progress.counts.done,
               "seconds": progress.elapsed.total_seconds()}))


def describe(progress: runs.Progress) -> str:
    counts = progress.counts
    left = (_("about %(seconds)d s left") % {"seconds": progress.remaining.total_seconds()}
            if progress.remaining is not None else _("estimating"))
    return (_("%(done)d / %(total)d batches, %(villages)d / %(all)d village-months, "
              "%(elapsed)d s, %(left)s")
            % {"done": counts.total - counts.pending, "total": counts.total,
               "villages": counts.villages_done, "all": progress.run.villages_total,
               "elapsed": progress.elapsed.total_seconds(), "left": left})


class Lines:
    """Not a terminal (a log, cron): one plain line whenever a batch finished."""

    def __init__(self, out):
        self.out, self.last = out, None

    def __call__(self, progress: runs.Progress) -> None:
        finished = progress.counts.total - progress.counts.pending
        if finished != self.last:
            self.last = finished
            self.out.write(describe(progress))


class Bar:
    """A terminal: one line redrawn in place."""

    WIDTH = 30

    def __init__(self, out):
        self.out = out

    def __call__(self, progress: runs.Progress) -> None:
        filled = self.WIDTH * progress.percent // 100
        bar = "█" * filled + "░" * (self.WIDTH - filled)
        self.out.write(f"\r{bar} {progress.percent:3d}%  {describe(progress)}", ending="")
        if progress.run.is_finished or not progress.counts.pending:
            self.out.write("")
        self.out.flush()
