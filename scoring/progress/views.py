"""The village month page and the actions on its entries (htmx partials or redirects)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from scoring import services
from scoring.stars import STAR_ORDER
from villages.models import Village
from wuxing.params import integer

from . import evidence as evidence_service
from . import pages, periods, workflow
from .models import Entry, EntryStatus, Evidence, EvidenceKind

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


def _tab(value) -> str | None:
    """A star tab named by the request (?tab= or a posted field), if it is a star."""
    return value if value in STAR_ORDER else None


def _month_redirect(village, month, tab: str | None):
    """Back to the month page, on the star tab the user was on (POST-redirect-GET)."""
    url = reverse("progress:month", args=[village.code, month])
    return redirect(f"{url}?tab={tab}" if tab else url)


def month_page(request, code, month):
    village = _village(request, code)
    page = pages.month_page(request.user, village, month)
    codes = [code for code, _name, _rows in page.tabs]
    tab = _tab(request.GET.get("tab"))
    return render(request, "progress/month.html", {
        "page": page, "locked": not page.period.is_open,
        "active_tab": tab if tab in codes else (codes[0] if codes else None),
        "prev_month": f"{periods.previous_month(month):%Y-%m}",
        "next_month": f"{periods.next_month(month):%Y-%m}",
        **pages.preview_context(page.preview, page.ruleset)})


def preview(request, code, month):
    village = _village(request, code)
    result = services.evaluate_village(village, month, official=False)
    return render(request, "progress/_preview.html", pages.preview_context(
        result, services.ruleset_for(village.code, month.year)))


def _respond(request, village, month, indicator, *, error=None, typed=None, ok=None,
             saved=None, period=None):
    """The refreshed indicator (and star preview) for htmx; a redirect otherwise.
    `saved` and `period`: the entry and period state the action has just read."""
    if not request.htmx:
        if error:
            messages.error(request, error)
        elif ok:
            messages.success(request, ok)
        return _month_redirect(village, month, indicator.star_id)
    page = pages.month_page(request.user, village, month, only=indicator, saved=saved,
                            period=period)
    row = page.tabs[0][2][0]
    template = "progress/_cell.html" if request.POST.get("grid") else "progress/_row.html"
    return render(request, template, {
        "page": page, "row": row, "error": error, "typed": typed, "ok": ok, "oob": True,
        "village": village, "locked": not page.period.is_open, "month": month,
        "can_enter": page.can_enter, **pages.preview_context(page.preview, page.ruleset)})


def _version(request, default: int | None = 0) -> int | None:
    """The entry version the form was edited from (0: no entry yet); 400 when not a number."""
    return integer(request.POST, "version", default=default)


@require_POST
def save(request, code, month, indicator):
    village = _village(request, code, "enter_progress")
    indicator = _indicator(village, month, indicator)
    raw = request.POST.get("value", "")
    period = pages.period_state(village, month)  # read once: checked, then shown
    try:
        saved = workflow.save_value(request.user, village, indicator, month, raw,
                                    _version(request), period=period)
    except (ValidationError, *REFUSALS) as exc:
        return _respond(request, village, month, indicator, error=_message(exc), typed=raw,
                        period=period)
    return _respond(request, village, month, indicator, ok=_("Saved."), saved=saved.entry,
                    period=period)


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
    return _month_redirect(village, month, _tab(request.POST.get("tab")))


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
    ok = _("The evidence was attached.")
    if entry is not None and entry.status == EntryStatus.VERIFIED:
        ok = f"{ok} {evidence_service.VERIFIED_ENTRY_RULE}"
    return _respond(request, village, month, indicator, error=error,
                    ok=None if error else ok)


@require_POST
def remove_evidence(request, pk):
    evidence = (Evidence.objects.select_related("entry__village__town", "entry__indicator")
                .fetch_for(request.user, "add_evidence", pk=pk))
    entry = evidence.entry
    try:
        evidence_service.remove(request.user, evidence)
    except REFUSALS as exc:
        return _respond(request, entry.village, entry.month, entry.indicator,
                        error=_message(exc))
    return _respond(request, entry.village, entry.month, entry.indicator,
                    ok=_("The evidence was removed."))


# Whatever a served file holds, a browser must neither run it nor let it load anything.
FILE_POLICY = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"


def _evidence_response(request, pk, thumbnail: bool):
    """The file streamed from the evidence storage (local or S3) through this view, never
    a redirect to the bucket: the checks and headers below hold for every backend, and
    the bucket stays private and need not be reachable from browsers."""
    evidence = (Evidence.objects.select_related("entry__village")
                .fetch_for(request.user, None, pk=pk))
    field = evidence.thumbnail if thumbnail else evidence.file
    if not field:
        raise Http404(_("No such file."))
    try:
        handle = field.open("rb")
    except FileNotFoundError:
        raise Http404(_("No such file.")) from None
    # Re-encoded photos are shown in the page; documents are only ever downloaded.
    inline = thumbnail or evidence.kind == EvidenceKind.PHOTO
    response = FileResponse(handle, as_attachment=not inline,
                            filename=evidence.served_name(thumbnail),
                            content_type="image/jpeg" if thumbnail else evidence.served_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = FILE_POLICY
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    response["Cache-Control"] = "private, max-age=300"
    return response


def evidence_file(request, pk):
    return _evidence_response(request, pk, thumbnail=False)


def evidence_thumbnail(request, pk):
    return _evidence_response(request, pk, thumbnail=True)

