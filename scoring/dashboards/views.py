"""Dashboard pages: thin views over cards.py, towns.py, overview.py and bulletin.py."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from scoring import todo
from scoring.models import AssessmentKind
from scoring.params import month_param
from scoring.reviews.services import awarded_stars
from scoring.stars import StarCode
from villages.models import AdminUnit, UnitLevel, Village
from wuxing.accounts.access import can, require, scopes_of
from wuxing.accounts.models import AuditEvent, AuditKind

from . import bulletin as bulletins
from . import present
from .cache import cached, pool
from .cards import month_deadlines, star_card
from .export import workbook
from .forms import ActivityForm, PairingForm, PointsForm
from .models import Pairing, PointsLedger


def _kind(request) -> str:
    return AssessmentKind.PREVIEW if request.GET.get("kind") == "preview" \
        else AssessmentKind.OFFICIAL


def _town(user, code: str, action: str | None = None) -> AdminUnit:
    return AdminUnit.objects.towns().fetch_for(user, action, code=code)


def mine(request):
    """The broadest dashboard of the user's jurisdiction."""
    scope = min(scopes_of(request.user), key=lambda s: len(s.prefix), default=None)
    if scope is None or len(scope.prefix) == 12:
        return redirect("home")
    if len(scope.prefix) == 9:
        return redirect("dashboards:town", code=scope.prefix.ljust(12, "0"))
    # Everywhere (an administrator): the top of the tree.
    code = scope.prefix.ljust(12, "0") if scope.prefix else AdminUnit.objects.top_code()
    if code is None:
        return redirect("home")
    return redirect("dashboards:unit", code=code)


def village_card(request, code):
    village = Village.objects.select_related("town").fetch_for(request.user, code=code)
    month, kind = month_param(request.GET), _kind(request)
    return render(request, "dashboards/star_card.html", {
        "village": village,
        "todo": todo.for_user(request.user) if todo.is_home_of(request.user, village.code)
        else None,
        "card": star_card(village, month, kind), "month": month,
        "kind": kind, "deadlines": month_deadlines(village.town, month),
        "awarded": [StarCode(code).label for code in awarded_stars(village, month.year)]})


def town_dashboard(request, code):
    town = _town(request.user, code)
    month, kind = month_param(request.GET), _kind(request)
    can_manage = can(request.user, "manage_town_records", town.code)
    page = cached("town", town.code, (town.prefix, pool(town.code)),
                  lambda: present.town_sections(town, month, kind, can_manage),
                  month, kind, can_manage, get_language())
    return render(request, "dashboards/town.html", {
        "town": town, "page": page, "can_manage": can_manage,
        "todo": todo.for_user(request.user) if todo.is_home_of(request.user, town.prefix)
        else None})


def unit_dashboard(request, code):
    unit = get_object_or_404(AdminUnit.objects.visible_to(request.user), code=code)
    if unit.level == UnitLevel.TOWN:
        return redirect("dashboards:town", code=unit.code)
    month, kind = month_param(request.GET), _kind(request)
    return render(request, "dashboards/unit.html", {
        "unit": unit, "todo": todo.for_user(request.user)
        if todo.is_home_of(request.user, unit.prefix) else None,
        "page": cached("unit", unit.code, unit.prefix,
                       lambda: present.overview_sections(unit, month, kind),
                       month, kind, get_language())})


@require_http_methods(["GET", "POST"])
def points_add(request, code):
    town = _town(request.user, code, "manage_town_records")
    form = PointsForm(request.POST or None, town=town)
    if request.method == "POST" and form.is_valid():
        form.instance.town, form.instance.created_by = town, request.user
        form.save()
        messages.success(request, _("The points were recorded."))
        return redirect("dashboards:town", code=town.code)
    return render(request, "dashboards/form.html", {
        "form": form, "town": town, "title": _("Town bonus or deduction")})


@require_POST
def points_delete(request, pk):
    entry = PointsLedger.objects.select_related("town").fetch_for(
        request.user, "manage_town_records", pk=pk)
    entry.delete()
    messages.success(request, _("The points entry was deleted."))
    return redirect("dashboards:town", code=entry.town.code)


@require_http_methods(["GET", "POST"])
def pairing_add(request, code):
    town = _town(request.user, code, "manage_town_records")
    initial = {k: request.GET[k] for k in ("village", "partner") if k in request.GET}
    form = PairingForm(request.POST or None, town=town, initial=initial)
    if request.method == "POST" and form.is_valid():
        form.instance.town, form.instance.created_by = town, request.user
        pairing = form.save()
        messages.success(request, _("The pairing was recorded."))
        return redirect("dashboards:pairing", pk=pairing.pk)
    return render(request, "dashboards/form.html", {
        "form": form, "town": town, "title": _("Record a pairing")})


@require_http_methods(["GET", "POST"])
def pairing_detail(request, pk):
    pairing = Pairing.objects.select_related("town", "village", "partner").fetch_for(
        request.user, pk=pk)
    form = ActivityForm(request.POST or None)
    if request.method == "POST":
        require(request.user, "manage_town_records", pairing.town.code)
        if form.is_valid():
            form.instance.pairing, form.instance.created_by = pairing, request.user
            form.save()
            messages.success(request, _("The activity was recorded."))
            return redirect("dashboards:pairing", pk=pairing.pk)
    return render(request, "dashboards/pairing.html", {
        "pairing": pairing, "form": form,
        "star_names": [StarCode(s).label for s in pairing.star_list],
        "activities": pairing.activities.all(),
        "can_manage": can(request.user, "manage_town_records", pairing.town.code)})


def _bulletin(request, code, quarter):
    unit = get_object_or_404(AdminUnit.objects.visible_to(request.user).filter(
        level__in=[UnitLevel.TOWN, UnitLevel.COUNTY]), code=code)
    return bulletins.bulletin_for(unit, quarter)  # a Quarter: the URL converter parsed it


def bulletin_page(request, code, quarter):
    bulletin = _bulletin(request, code, quarter)
    return render(request, "dashboards/bulletin.html", {
        "bulletin": bulletin, "ranking_rows": present.ranking_rows(bulletin.ranking)})


def bulletin_xlsx(request, code, quarter):
    bulletin = _bulletin(request, code, quarter)
    AuditEvent.record(AuditKind.EXPORT, user=request.user, request=request,
                      target=f"bulletin {bulletin.unit.code} {bulletin.quarter}",
                      rows=len(bulletin.ranking))
    response = HttpResponse(workbook(bulletin), content_type=(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))
    response["Content-Disposition"] = (
        f'attachment; filename="bulletin-{bulletin.unit.code}-{bulletin.quarter}.xlsx"')
    return response
