"""The audit log in the portal: administrators see every event, county reviewers their
county's (by the event's place), filtered by kind, user and dates, paginated, and
exported as CSV with every text cell neutralised."""

from __future__ import annotations

import csv
import json
from datetime import datetime, time, timedelta

from django import forms
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from wuxing.accounts.access import roles_of
from wuxing.accounts.models import AuditEvent, AuditKind
from wuxing.accounts.roles import ACTION_ROLES
from wuxing.spreadsheets import neutral_row

PAGE_SIZE = 50


class AuditFilter(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("kind"), required=False,
                             choices=[("", gettext_lazy("All kinds")), *AuditKind.choices])
    user = forms.CharField(label=gettext_lazy("user name"), required=False, max_length=150)
    since = forms.DateField(label=gettext_lazy("from"), required=False)
    until = forms.DateField(label=gettext_lazy("to"), required=False)

    def clean(self):
        data = super().clean()
        if data.get("since") and data.get("until") and data["until"] < data["since"]:
            raise forms.ValidationError(_("The end date lies before the start date."))
        return data

    def apply(self, events):
        data = self.cleaned_data
        if data.get("kind"):
            events = events.filter(kind=data["kind"])
        if data.get("user"):
            events = events.filter(username=data["user"].strip())
        zone = timezone.get_current_timezone()
        if data.get("since"):
            events = events.filter(created_at__gte=datetime.combine(data["since"], time(),
                                                                    zone))
        if data.get("until"):
            end = datetime.combine(data["until"] + timedelta(days=1), time(), zone)
            events = events.filter(created_at__lt=end)
        return events


def _filtered(request):
    """The events the user may see, filtered by the query; (form, events or None)."""
    if not roles_of(request.user) & ACTION_ROLES["view_audit"]:
        raise PermissionDenied(_("Your role does not allow this action here."))
    form = AuditFilter(request.GET)
    if not form.is_valid():
        return form, None
    return form, form.apply(AuditEvent.objects.visible_to(request.user))


@require_GET
def audit_log(request):
    form, events = _filtered(request)
    if events is None:
        return render(request, "ops/audit.html", {"form": form}, status=400)
    page = Paginator(events.only("created_at", "kind", "username", "ip_address", "target",
                                 "place"), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "ops/audit.html", {"form": form, "page": page,
                                              "query": query.urlencode()})


class _Echo:
    def write(self, value):
        return value


HEADER = [gettext_lazy("time"), gettext_lazy("kind"), gettext_lazy("user name"),
          gettext_lazy("IP address"), gettext_lazy("object"), gettext_lazy("place"),
          gettext_lazy("detail")]


def _rows(events):
    writer = csv.writer(_Echo())
    yield "\ufeff"  # Excel and WPS read UTF-8 only with the byte order mark
    yield writer.writerow([str(title) for title in HEADER])
    for event in events.iterator(chunk_size=2000):
        yield writer.writerow(neutral_row([
            timezone.localtime(event.created_at).strftime("%Y-%m-%d %H:%M:%S"),
            event.get_kind_display(), event.username, event.ip_address or "",
            event.target, event.place, json.dumps(event.detail, ensure_ascii=False)]))


@require_GET
def audit_export(request):
    form, events = _filtered(request)
    if events is None:
        return render(request, "ops/audit.html", {"form": form}, status=400)
    AuditEvent.record(AuditKind.EXPORT, user=request.user, request=request,
                      target="audit log", what="audit log",
                      filters={k: str(v) for k, v in form.cleaned_data.items() if v})
    response = StreamingHttpResponse(_rows(events), content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.csv"'
    return response
