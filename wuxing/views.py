"""Cross-cutting views: the role-based start page and the error pages."""

from django.core.exceptions import BadRequest
from django.shortcuts import redirect, render
from django.urls import reverse

from wuxing.accounts.access import roles_of, scopes_of
from wuxing.accounts.roles import Role

# Roles that start on the dashboard of their town or county; officials start on the
# village list (their work is entry), administrators (no place) on the village list too.
DASHBOARD_ROLES = frozenset({Role.TOWN_LEADER, Role.COUNTY_REVIEWER, Role.OBSERVER})


def start_page_for(user) -> str:
    """The URL each role starts from."""
    roles = roles_of(user)
    if roles == {Role.VILLAGE_SECRETARY}:
        village = user.memberships.filter(village__isnull=False).values_list(
            "village__code", flat=True).first()
        if village:
            return reverse("dashboards:village", args=[village])
    broadest = min((len(scope.prefix) for scope in scopes_of(user)), default=0)
    if roles & DASHBOARD_ROLES and 0 < broadest < 12:
        return reverse("dashboards:mine")
    return reverse("villages:list")


def home(request):
    return redirect(start_page_for(request.user))


def bad_request(request, exception=None):
    # BadRequest raised by wuxing.params / scoring.params carries the Chinese message;
    # Django's own 400s (SuspiciousOperation) do not show their text to the client.
    reason = str(exception) if type(exception) is BadRequest else ""
    return render(request, "400.html", {"reason": reason}, status=400)


def permission_denied(request, exception=None):
    return render(request, "403.html", {"reason": exception}, status=403)


def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)
