"""The village month page and the actions on its entries (htmx partials or redirects)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from scoring import services
from villages.models import Village
from wuxing.params import integer

from . import evidence as evidence_service
from . import pages, periods, workflow
from .models import Entry, Evidence

REFUSALS = (workflow.EntryRefused, periods.MonthLocked, evidence_service.EvidenceRefused)


def _village(request, code, action=None):
    return Village.objects.select_related("town").fetch_for(request.user, action, code=code)


def _indicator(village, month, code):
    ruleset = services.ruleset_for(village.code, month.year)
    if ruleset is None:
        raise Http404(_("No rule set is in force for this village and year."))
    return get_object_or_404(ruleset.indicators.select_related("star", "ruleset__issuer"),
                             code=code)


def _message(exc) -> str:
    return " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)


def month_page(request, code, month):
    village = _village(request, code)
    page = pages.month_page(request.user, village, month)
    return render(request, "progress/month.html", {
        "page": page, "locked": not page.period.is_open,
        "prev_month": f"{periods.previous_month(month):%Y-%m}",
        "next_month": f"{periods.next_month(month):%Y-%m}",
        "preview": page.preview, "gap_lines": pages.gap_lines(page.preview, page.ruleset)})


def _preview(result, ruleset) -> dict:
    return {"preview": result, "gap_lines": pages.gap_lines(result, ruleset)}


def preview(request, code, month):
    village = _village(request, code)
    result = services.evaluate_village(village, month, official=False)
    return render(request, "progress/_preview.html", _preview(
        result, services.ruleset_for(village.code, month.year)))


def _respond(request, village, month, indicator, *, error=None, typed=None, ok=None):
    """The refreshed indicator (and star preview) for htmx; a redirect otherwise."""
    if not request.htmx:
        if error:
            messages.error(request, error)
        elif ok:
            messages.success(request, ok)
        return redirect("progress:month", code=village.code, month=month)
    page = pages.month_page(request.user, village, month, only=indicator)
    row = page.tabs[0][2][0]
    template = "progress/_cell.html" if request.POST.get("grid") else "progress/_row.html"
    return render(request, template, {
        "page": page, "row": row, "error": error, "typed": typed, "ok": ok, "oob": True,
        "village": village, "locked": not page.period.is_open, "month": month,
        "can_enter": page.can_enter,
        "preview": page.preview, "gap_lines": pages.gap_lines(page.preview, page.ruleset)})


def _version(request, default: int | None = 0) -> int | None:
    """The entry version the form was edited from (0: no entry yet); 400 when not a number."""
    return integer(request.POST, "version", default=default)


@require_POST
def save(request, code, month, indicator):
    village = _village(request, code, "enter_progress")
    indicator = _indicator(village, month, indicator)
    raw = request.POST.get("value", "")
    try:
        workflow.save_value(request.user, village, indicator, month, raw, _version(request))
    except (ValidationError, *REFUSALS) as exc:
        return _respond(request, village, month, indicator, error=_message(exc), typed=raw)
    return _respond(request, village, month, indicator, ok=_("Saved."))


@require_POST
def carry(request, code, month, indicator):
    village = _village(request, code, "enter_progress")
    indicator = _indicator(village, month, indicator)
    try:
        workflow.carry_forward(request.user, village, indicator, month, _version(request))
    except REFUSALS as exc:
        return _respond(request, village, month, indicator, error=_message(exc))
    return _respond(request, village, month, indicator,
                    ok=_("Last month's value was carried forward."))


@require_POST
def submit_month(request, code, month):
    village = _village(request, code, "enter_progress")
    try:
        count = workflow.submit_month(request.user, village, month)
    except REFUSALS as exc:
        messages.error(request, _message(exc))
    else:
        messages.success(request, _("%(n)s entries were submitted for verification.")
                         % {"n": count})
    return redirect("progress:month", code=village.code, month=month)


def _entry(request, pk):
    entry = (Entry.objects.select_related("village__town", "indicator__star",
                                          "indicator__ruleset__issuer", "entered_by")
             .fetch_for(request.user, None, pk=pk))
    if not workflow.can_verify(request.user, entry):
        from django.core.exceptions import PermissionDenied
        raise PermissionDenied(_("Only the town leader or the leader of this star's working "
                                 "group may verify or return entries."))
    return entry


@require_POST
def verify(request, pk):
    entry = _entry(request, pk)
    try:
        workflow.verify(request.user, entry, _version(request, None), request=request)
    except REFUSALS as exc:
        return _respond(request, entry.village, entry.month, entry.indicator,
                        error=_message(exc))
    return _respond(request, entry.village, entry.month, entry.indicator,
                    ok=_("Verified."))


@require_POST
def send_back(request, pk):
    entry = _entry(request, pk)
    try:
        workflow.send_back(request.user, entry, request.POST.get("reason", ""),
                           _version(request, None), request=request)
    except (ValidationError, *REFUSALS) as exc:
        return _respond(request, entry.village, entry.month, entry.indicator,
                        error=_message(exc))
    return _respond(request, entry.village, entry.month, entry.indicator,
                    ok=_("Returned with the reason."))


@require_POST
def add_evidence(request, code, month, indicator):
    village = _village(request, code, "add_evidence")
    indicator = _indicator(village, month, indicator)
    files = request.FILES.getlist("file")
    entry = Entry.objects.filter(village=village, indicator=indicator, month=month).first()
    if entry is None:
        error = _("Save a value for this indicator first, then attach its evidence.")
    elif not files:
        error = _("Choose a file to upload.")
    else:
        error = None
        try:
            for upload in files:
                evidence_service.add(request.user, entry, upload)
        except REFUSALS as exc:
            error = _message(exc)
    return _respond(request, village, month, indicator, error=error,
                    ok=None if error else _("The evidence was attached."))


def _evidence_response(request, pk, thumbnail: bool):
    evidence = (Evidence.objects.select_related("entry__village")
                .fetch_for(request.user, None, pk=pk))
    field = evidence.thumbnail if thumbnail else evidence.file
    if not field:
        raise Http404(_("No such file."))
    try:
        handle = field.open("rb")
    except FileNotFoundError:
        raise Http404(_("No such file.")) from None
    name = evidence.original_name or field.name.rsplit("/", 1)[-1]
    if thumbnail or evidence.kind == "photo":
        name = name.rsplit(".", 1)[0] + ".jpg"
    response = FileResponse(handle, as_attachment=evidence.kind == "document" and not thumbnail,
                            filename=name,
                            content_type="image/jpeg" if thumbnail else evidence.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=300"
    return response


def evidence_file(request, pk):
    return _evidence_response(request, pk, thumbnail=False)


def evidence_thumbnail(request, pk):
    return _evidence_response(request, pk, thumbnail=True)

