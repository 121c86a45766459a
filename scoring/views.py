"""The rule set in force, as a page everyone in the jurisdiction can read."""

from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from scoring import engine, services
from scoring.rulesets import rule_rows
from villages.models import AdminUnit, Village
from wuxing.accounts.access import scopes_of
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
    return render(request, "rulesets/in_force.html", {
        "place": place, "year": year, "ruleset": ruleset,
        "stars": rule_rows(ruleset) if ruleset else [],
    })
