"""The rule set in force, as a page everyone in the jurisdiction can read, and the
recompute runs a county reviewer starts from it."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from scoring import engine, runs, services
from scoring.models import RecomputeRun
from scoring.rulesets import rule_rows
from villages.models import AdminUnit, Village
from wuxing.accounts.access import can, scopes_of
from wuxing.params import integer


def mine(request):
    """The rule set in force where the user works: their first village or unit."""
    prefixes = sorted({scope.prefix for scope in scopes_of(request.user)}, key=len)
    prefix = prefixes[-1] if prefixes else ""
    # Everywhere (an administrator): the top of the tree.
    code = prefix.ljust(12, "0") if prefix else AdminUnit.objects.top_code()
    if code is None:
        return redirect("home")
    return redirect("rulesets:in_force", code=code)


def in_force(request, code):
    place = (Village.objects.visible_to(request.user).filter(code=code).first()
             or AdminUnit.objects.visible_to(request.user).filter(code=code).first())
    if place is None:
        raise Http404(_("Not found, or outside your jurisdiction."))
    year = integer(request.GET, "year", default=timezone.localdate().year,
                   min_value=engine.MIN_YEAR, max_value=engine.MAX_YEAR)
    ruleset = services.ruleset_for(code, year)
    may_recompute = isinstance(place, AdminUnit) and can(request.user, "recompute", code)
    return render(request, "rulesets/in_force.html", {
        "place": place, "year": year, "ruleset": ruleset,
        "stars": rule_rows(ruleset) if ruleset else [],
        "may_recompute": may_recompute,
        "runs": (RecomputeRun.objects.visible_to(request.user).filter(scope=place.prefix)[:5]
                 if may_recompute else []),
    })


@require_POST
def start_recompute(request, code):
    unit = AdminUnit.objects.fetch_for(request.user, "recompute", code=code)
    months = services.months_to_recompute(unit.prefix, timezone.localdate().year)
    if not months:
        messages.info(request, _("No entries in the current cycle: nothing to recompute."))
        return redirect("rulesets:in_force", code=code)
    run = runs.start(unit.prefix, months, user=request.user)
    return redirect("rulesets:run", pk=run.pk)


def run_page(request, pk):
    """A run's progress; htmx polls the bar in place until the run has finished."""
    run = RecomputeRun.objects.fetch_for(request.user, pk=pk)
    template = "rulesets/_run_progress.html" if request.htmx else "rulesets/run.html"
    return render(request, template, {"run": run, "progress": runs.progress(run)})
