"""Town-level progress pages: start page, working-group grid, completeness, reopen, sheet."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from scoring import todo
from scoring.stars import StarCode
from villages.models import AdminUnit, Village, WorkingGroup
from wuxing.accounts.access import can
from wuxing.accounts.models import AuditEvent, AuditKind

from . import completeness, excel, pages, periods, workflow
from .models import PendingSheet

PAGE_SIZE = 50


def _this_month():
    return timezone.localdate().replace(day=1)


def index(request):
    """Where a town official starts: their groups, their town's villages, the month."""
    month = _this_month()
    groups = WorkingGroup.objects.visible_to(request.user).select_related("town")
    mine = list(groups.of_member(request.user))
    towns = AdminUnit.objects.visible_to(request.user).towns()[:20]
    villages = Village.objects.visible_to(request.user).select_related("town")
    page = Paginator(villages, PAGE_SIZE).get_page(request.GET.get("page"))
    todo.mark_states(page.object_list, month)
    return render(request, "progress/index.html", {
        "month": month, "previous": periods.previous_month(month), "mine": mine,
        "groups": groups.exclude(pk__in=[g.pk for g in mine])[:40], "towns": towns,
        "page": page})


def group_grid(request, pk, month):
    group = WorkingGroup.objects.select_related("town").fetch_for(request.user, None, pk=pk)
    grid = pages.grid(group, month)
    return render(request, "progress/grid.html", {
        "grid": grid, "group": group, "month": month,
        "can_enter": can(request.user, "enter_progress", group.town.code),
        "previous": periods.previous_month(month), "next": periods.next_month(month)})


def _town(request, code, action=None):
    return AdminUnit.objects.towns().fetch_for(request.user, action, code=code)


def completeness_page(request, code, month):
    town = _town(request, code)
    result = completeness.for_town(town, month)
    page = Paginator(result.rows(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "progress/completeness.html", {
        "town": town, "month": month, "result": result, "page": page,
        "totals": result.totals(),
        "star_headers": [(s, StarCode(s).label) for s in result.stars],
        "previous": periods.previous_month(month), "next": periods.next_month(month),
        "can_enter": can(request.user, "enter_progress", town.code)})


@require_http_methods(["GET", "POST"])
def reopen(request, code, month):
    village = Village.objects.select_related("town").fetch_for(request.user, "reopen_month",
                                                               code=code)
    if request.method == "POST":
        try:
            periods.reopen(village, month, user=request.user,
                           reason=request.POST.get("reason", ""), request=request)
        except ValueError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("The month was reopened for %(days)s days.")
                             % {"days": periods.REOPEN_DAYS})
            return redirect("progress:month", code=village.code, month=month)
    return render(request, "progress/reopen.html", {
        "village": village, "month": month, "state": pages.period_state(village, month)})


def sheet_download(request, code, month):
    town = _town(request, code)
    AuditEvent.record(AuditKind.EXPORT, user=request.user, request=request,
                      target=f"{town.code} {month:%Y-%m}", what="entry sheet")
    response = HttpResponse(excel.build(town, month), content_type=(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))
    response["Content-Disposition"] = (
        f'attachment; filename="entries-{town.code}-{month:%Y-%m}.xlsx"')
    return response


@require_http_methods(["GET", "POST"])
def sheet_upload(request, code, month):
    town = _town(request, code, "enter_progress")
    context = {"town": town, "month": month}
    upload = request.FILES.get("sheet")
    if request.method == "POST" and upload is None:
        context["error"] = _("Choose the filled-in sheet to upload.")
    elif request.method == "POST":
        checked = excel.check(town, month, upload)
        context["checked"] = checked
        if not checked.errors and checked.changes:
            context["pending"] = excel.keep(request.user, town, month, checked)
    return render(request, "progress/sheet_upload.html", context)


@require_POST
def sheet_confirm(request, code, month, token):
    town = _town(request, code, "enter_progress")
    pending = get_object_or_404(PendingSheet, token=token, user=request.user, town=town,
                                month=month)
    try:
        count = excel.apply(request.user, pending)
    except (workflow.EntryRefused, ValidationError) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        return redirect("progress:sheet_upload", code=town.code, month=month)
    AuditEvent.record(AuditKind.IMPORT, user=request.user, request=request,
                      target=f"{town.code} {month:%Y-%m}", changes=count)
    messages.success(request, _("%(n)s values were saved from the sheet.") % {"n": count})
    return redirect("progress:completeness", code=town.code, month=month)
