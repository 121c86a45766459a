"""Markup and formulas in every free-text field, on every page and export that shows them.

The fields are found by introspection: every CharField/TextField of the portal's models
is poisoned unless it is listed in MACHINE_FIELDS with the reason no user writes it, and
every JSONField is poisoned where it holds user text (JSON_TEXT) or is listed as machine
data. A new field fails `test_every_text_field_is_poisoned_or_explained` until it is
classified. The pages are the GET rows of the permission matrix, then every same-site
link reachable from them (the link walk of tests/test_link_walk.py), as each role, plus
the admin; the exports are the matrix's spreadsheets and star_report.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter, deque

import pytest
from django.apps import apps
from django.contrib import admin
from django.core.management import call_command
from django.db import models
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from tests.permission_matrix import CASES
from wuxing.spreadsheets import FORMULA_STARTS

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
# Starts like a formula, then breaks out of an attribute and opens two kinds of tag.
PAYLOAD = f'=1+2{SCRIPT}">{IMG}'
UNESCAPED = (SCRIPT, IMG, "<script>", "<img src=x")
ESCAPED = ("&lt;script&gt;alert(1)&lt;/script&gt;", "&lt;img src=x onerror=alert(1)&gt;")

APPS = ("villages", "scoring", "wuxing")

# (app_label.Model, field): why no user ever writes markup into it.
MACHINE_FIELDS = {
    ("accounts.User", "password"): "a hash",
    ("accounts.User", "username"): "Django's username validator allows no markup",
    ("accounts.User", "email"): "EmailField validation",
    ("accounts.Membership", "scope"): "a division-code prefix copied from the unit",
    ("notifications.Message", "kind"): "a reminder kind code",
    ("notifications.Message", "period"): "YYYY-MM",
    ("notifications.Message", "topic"): "an internal key such as group:12",
    ("notifications.Message", "url"): "a path reversed by the portal",
    ("notifications.Notification", "url"): "a path reversed by the portal",
    ("notifications.Delivery", "recipient_key"): "an internal key",
    ("villages.AdminUnit", "code"): "a 12-digit division code (validated)",
    ("villages.Village", "code"): "a 12-digit division code (validated)",
    ("scoring.Indicator", "code"): "an identifier checked by the rule-set reader",
    ("scoring.Assessment", "stars"): "star codes joined by +",
    ("dashboards.VillageStatus", "code"): "a division code",
    ("dashboards.VillageStatus", "stars"): "star codes joined by +",
    ("dashboards.UnitMonthSummary", "prefix"): "a division-code prefix",
    ("dashboards.Pairing", "stars"): "star codes joined by +",
    ("progress.Entry", "value_choice"): "one of the indicator's choices (validated)",
    ("progress.Evidence", "content_type"): "detected by the server from the bytes",
    ("progress.Evidence", "sha256"): "a digest",
    ("reviews.Application", "returned_step"): "a review step code",
    ("reviews.ReviewLog", "action"): "a transition name",
    ("reviews.ReviewLog", "from_state"): "a state code",
    ("reviews.ReviewLog", "to_state"): "a state code",
    ("scoring.RecomputeRun", "scope"): "a division-code prefix",
    ("reviews.Award", "number"): "allocated by the portal (county code, year, sequence)",
}
ALL = "*"  # every string leaf
# (app_label.Model, JSONField): the keys whose string values are user text.
JSON_TEXT = {
    ("reviews.Application", "justifications"): ALL,
    ("reviews.Application", "flags"): ALL,
    ("reviews.Snapshot", "responses"): ALL,
    ("reviews.Snapshot", "entries"): {"name"},
    ("reviews.Snapshot", "evidence"): {"name", "original_name"},
    ("reviews.Application", "star_decisions"): ALL,
    ("reviews.Application", "approval_reasons"): ALL,
    ("reviews.ReviewLog", "details"): {"flags", "reasons", "responses", "refused"},
    ("progress.PendingSheet", "changes"): {"village", "indicator"},
    ("scoring.RuleSet", "level_labels"): ALL,
    ("notifications.Message", "context"): {"intro", "outro", "heading", "rows"},
}
JSON_MACHINE = {
    ("accounts.AuditEvent", "detail"): "written by the portal, shown in the admin only",
    ("scoring.Assessment", "scores"): "numbers", ("scoring.Assessment", "result"):
    "engine output (names are looked up live)",
    ("scoring.Indicator", "threshold"): "a number or choice checked by the rule-set reader",
    ("scoring.Indicator", "choices"): "rule-set data the engine compares (not poisoned: "
                                      "changing it changes results)",
    ("scoring.Indicator", "steps"): "numbers",
    ("dashboards.VillageStatus", "scores"): "numbers",
    ("dashboards.VillageStatus", "distance"): "numbers by star",
    ("dashboards.VillageStatus", "gaps"): "indicator codes",
    ("dashboards.UnitMonthSummary", "level_counts"): "numbers",
    ("dashboards.UnitMonthSummary", "star_counts"): "numbers",
    ("dashboards.UnitMonthSummary", "gap_counts"): "numbers by indicator code",
    ("reviews.Application", "stars"): "star codes",
    ("reviews.Application", "approved_stars"): "star codes",
    ("reviews.Snapshot", "result"): "engine output",
    ("reviews.RatingCycle", "chain"): "step codes",
    ("reviews.RatingCycle", "holidays"): "ISO dates",
    ("scoring.RecomputeRun", "months"): "ISO dates",
    ("scoring.RecomputeBatch", "village_ids"): "village ids",
    ("scoring.Indicator", "threshold_for"): "rule-set data checked by the rule-file reader",
    ("scoring.Indicator", "choice_points"): "rule-set data checked by the rule-file reader",
    ("scoring.RuleSet", "rules"): "rule-set data (format 2) checked by the rule-file reader",
}


def _label(model) -> str:
    return f"{model._meta.app_label}.{model.__name__}"


def _models():
    return [m for m in apps.get_models() if m.__module__.split(".")[0] in APPS
            and not m.__name__.startswith("Historical")]


def _text_fields():
    for model in _models():
        for field in model._meta.concrete_fields:
            if (isinstance(field, (models.CharField, models.TextField)) and not field.choices
                    and (_label(model), field.name) not in MACHINE_FIELDS):
                yield model, field


def _json_fields():
    for model in _models():
        for field in model._meta.concrete_fields:
            if isinstance(field, models.JSONField):
                yield model, field


def test_every_text_field_is_poisoned_or_explained():
    declared = {(_label(m), f.name) for m, f in _json_fields()}
    assert declared == set(JSON_TEXT) | set(JSON_MACHINE)
    every_text = {(_label(m), f.name) for m in _models() for f in m._meta.concrete_fields
                  if isinstance(f, (models.CharField, models.TextField))}
    assert set(MACHINE_FIELDS) <= every_text  # no stale excuse
    poisoned = {(_label(m), f.name) for m, f in _text_fields()}
    for must in [("villages.Village", "name"), ("progress.Entry", "return_reason"),
                 ("dashboards.Pairing", "note"), ("dashboards.PointsLedger", "reason"),
                 ("reviews.Objection", "text"), ("progress.Evidence", "original_name")]:
        assert must in poisoned


def _poison_json(value, keys, inside=False):
    if isinstance(value, dict):
        return {k: _poison_json(v, keys, inside or keys == ALL or k in keys)
                for k, v in value.items()}
    if isinstance(value, list):
        return [_poison_json(v, keys, inside or keys == ALL) for v in value]
    return PAYLOAD if isinstance(value, str) and inside else value


def _payload_for(field, pk) -> str:
    text = f"{PAYLOAD}{pk}"
    if field.max_length and len(text) > field.max_length:
        text = f"{IMG}{pk}"[:field.max_length]  # short fields still get a tag
    return text


def poison() -> Counter:
    """Every user-text value of every stored row replaced by the payload."""
    counts = Counter()
    for model, field in _text_fields():
        for pk in model._default_manager.values_list("pk", flat=True):
            model._default_manager.filter(pk=pk).update(**{field.name: _payload_for(field, pk)})
            counts[f"{_label(model)}.{field.name}"] += 1
    for model, field in _json_fields():
        keys = JSON_TEXT.get((_label(model), field.name))
        if keys is None:
            continue
        for pk, value in model._default_manager.values_list("pk", field.name):
            model._default_manager.filter(pk=pk).update(
                **{field.name: _poison_json(value, keys)})
    return counts


# --- pages ----------------------------------------------------------------------------------

SKIPPED = ("/static/", "/accounts/logout", "/i18n/", "/media/")
SKIPPED_PARTS = ("delete", "/file/", "/thumbnail/", "logout")
PAGES_PER_USER = 120
PER_SHAPE = 3


def _links(html: str) -> list[str]:
    return [href.replace("&amp;", "&") for href in re.findall(r'href="(/[^"#]*)"', html)
            if not href.startswith(SKIPPED) and not any(p in href for p in SKIPPED_PARTS)]


def _check(url: str, response) -> list[str]:
    """What the response shows unescaped: markup in a page, a live formula in a file."""
    kind = response.get("Content-Type", "")
    content = (b"".join(response.streaming_content) if response.streaming
               else response.content)
    if "spreadsheetml" in kind:
        book = load_workbook(io.BytesIO(content))
        return [f"{url} {sheet.title}!{cell.coordinate}: {cell.value!r}"
                for sheet in book.worksheets for row in sheet.iter_rows() for cell in row
                if cell.data_type == "f" or (isinstance(cell.value, str)
                                             and cell.value.startswith(FORMULA_STARTS))]
    if kind.startswith("text/csv"):  # a download (attachment, nosniff): formulas matter
        rows = csv.reader(io.StringIO(content.decode("utf-8-sig")))
        return [f"{url}: {cell!r}" for row in rows for cell in row
                if cell.startswith(FORMULA_STARTS)]
    if not kind.startswith(("text/", "application/json")):
        return []  # a photo or a document: served as a file, never rendered here
    body = content.decode(errors="replace")
    return [f"{url}: {marker}" for marker in UNESCAPED if marker in body]


def _walk(client: Client, start: list[str]) -> tuple[int, set[str], list[str]]:
    seen, shapes, found, shown = set(), Counter(), [], set()
    queue = deque(start)
    while queue and len(seen) < PAGES_PER_USER:
        url = queue.popleft()
        shape = re.sub(r"\d+", "N", url)
        if url in seen or shapes[shape] >= PER_SHAPE:
            continue
        seen.add(url)
        shapes[shape] += 1
        response = client.get(url)
        if response.status_code in (301, 302):
            queue.append(response["Location"])
            continue
        if response.status_code != 200:
            continue
        found += _check(url, response)
        if "text/html" in response.get("Content-Type", "") and not response.streaming:
            body = response.content.decode()
            if any(escaped in body for escaped in ESCAPED):
                shown.add(url)
            queue.extend(_links(body))
    return len(seen), shown, found


USERS = ("official_a", "observer_a", "leader_a", "secretary_a", "reviewer_a")


@pytest.fixture
def matrix_pages(request) -> dict[str, list[str]]:
    """The matrix's GET URLs by the user who may open them (objects created first)."""
    pages: dict[str, list[str]] = {user: [] for user in USERS}
    for case in CASES:
        url = reverse(case.name, kwargs=case.kwargs(request))  # POST rows' objects too
        if case.method == "get":
            for user in {case.owner, "observer_a"}:
                pages.setdefault(user, []).append(url)
    for fixture in ("objection_a", "award_a", "award_revoked", "app_notice_over",
                    "app_approved", "evidence_a"):
        request.getfixturevalue(fixture)
    _notify([request.getfixturevalue(user) for user in pages])
    _reviews_through_the_services(request)
    return pages


def _reviews_through_the_services(request) -> None:
    """Applications taken through the real workflow, so that snapshots, logs, flags,
    answers and reasons hold user text where the portal itself puts it."""
    from scoring.progress.models import Evidence
    from scoring.reviews import services
    from tests import factories
    fixture = request.getfixturevalue
    leader, reviewer, cycle = fixture("leader_a"), fixture("reviewer_a"), fixture("cycle_a")
    # village A already has applications in this cycle: two more villages apply
    villages = [factories.VillageFactory(town=fixture("town_a")) for _ in range(2)]
    secretaries = [factories.user_with_role("village_secretary", village=v) for v in villages]
    entry = factories.enter(villages[0], fixture("ruleset"), "criminal_cases",
                            fixture("progress_may"), 0)
    Evidence.objects.create(entry=entry, kind="photo", file="x.jpg", original_name="照片.jpg")
    justifications = {"industry": "理由", "ecology": "理由"}
    approved = services.apply(secretaries[0], cycle, villages[0], ["industry", "ecology"],
                              justifications)
    services.send_back(approved.pk, leader, {"stars": {"industry": "缺凭证"},
                                             "indicators": {"criminal_cases": "核实"}},
                       reason="总体意见")
    services.resubmit(approved.pk, secretaries[0], {"star:industry": "已补",
                                               "indicator:criminal_cases": "已核"})
    services.pass_step(approved.pk, leader)
    services.approve(approved.pk, reviewer, ["industry"],
                     {"ecology": "不达标", "industry": "已核实"})
    rejected = services.apply(secretaries[1], cycle, villages[1], ["industry", "ecology"],
                              justifications)
    services.pass_step(rejected.pk, leader)
    services.reject(rejected.pk, reviewer, {"industry": "材料不实"}, reason="驳回")


def _notify(users) -> None:
    """A reminder message delivered to each user in the portal and by mail."""
    from wuxing.notifications.models import Delivery, Message, Notification
    message = Message.objects.create(
        kind="overdue", period="2026-05", topic="group:1", subject="提醒", url="/progress/",
        context={"intro": "引言", "outro": "结语",
                 "sections": [{"heading": "标题", "rows": ["甲村（未填报）"]}]})
    for user in users:
        Notification.objects.create(recipient=user, message=message, title="提醒",
                                    body="正文", url="/progress/")
        Delivery.objects.create(message=message, channel="email", user=user,
                                recipient_key=f"user:{user.pk}", status="failed",
                                last_error="550 mailbox unavailable")


def test_markup_in_every_free_text_field_never_reaches_a_page_unescaped(
        request, matrix_pages):
    counts = poison()
    assert counts["villages.Village.name"] and counts["reviews.Objection.text"]
    found, shown, visited = [], set(), 0
    for user, start in matrix_pages.items():
        client = Client()
        client.force_login(request.getfixturevalue(user))
        pages, user_shown, user_found = _walk(client, start)
        visited += pages
        shown |= user_shown
        found += user_found
    assert found == []
    # The walk saw the payload, escaped, on the pages that show user text.
    assert visited > 100 and len(shown) > 40, sorted(shown)
    resubmit = reverse("reviews:resubmit", kwargs={"pk": request.getfixturevalue(
        "app_returned").pk})
    assert {resubmit, reverse("notifications:list"), reverse("notifications:history"),
            reverse("villages:list")} <= shown


def test_markup_never_reaches_an_admin_page_unescaped(request, matrix_pages, client):
    from tests import factories
    poison()
    superuser = factories.UserFactory(is_staff=True, is_superuser=True)
    client.force_login(superuser)
    found = []
    for model in admin.site._registry:
        info = model._meta.app_label, model._meta.model_name
        urls = [reverse("admin:{}_{}_changelist".format(*info))]
        first = model._default_manager.first()
        if first is not None:
            urls.append(reverse("admin:{}_{}_change".format(*info), args=[first.pk]))
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            found += _check(url, response)
    assert found == []


def test_star_report_csv_writes_no_live_formula(request, matrix_pages):
    poison()
    out = io.StringIO()
    call_command("star_report", division=request.getfixturevalue("town_a").code,
                 month="2026-05", format="csv", stdout=out)
    rows = list(csv.reader(io.StringIO(out.getvalue())))[1:]
    assert rows and all(not cell.startswith(FORMULA_STARTS) for r in rows for cell in r)


# --- forms: every text a user types lands in a poisoned field -------------------------------

# "Form.field" (or "Form.prefix*" for fields made per star or item) → where it is stored.
FORM_STORAGE = {
    "ApplyForm.why_*": "reviews.Application.justifications",
    "ReturnForm.reason": "reviews.ReviewLog.reason",
    "ReturnForm.star_*": "reviews.Application.flags",
    "ReturnForm.ind_*": "reviews.Application.flags",
    "ApproveForm.why_*": "reviews.Application.star_decisions",
    "RejectForm.reason": "reviews.ReviewLog.reason",
    "ResubmitForm.fix_*": "reviews.Snapshot.responses",
    "ObjectionForm.text": "reviews.Objection.text",
    "OfflineObjectionForm.text": "reviews.Objection.text",
    "PublicObjectionForm.text": "reviews.Objection.text",
    "PublicObjectionForm.name": "reviews.Objection.name",
    "PublicObjectionForm.contact": "reviews.Objection.contact",
    "OfflineObjectionForm.source": "reviews.Objection.offline_source",
    "ResolveForm.resolution": "reviews.Objection.resolution",
    "ReasonForm.reason": "reviews.Award.reason",
    "CycleForm.holidays_text": None,  # parsed into ISO dates, or refused
    "VillageFilterForm.q": None,  # a search term, reflected: see the test below
    "UnlockForm.value": None,  # a user name or address to unlock, validated, not stored
    "AuditFilter.user": None,  # a user name to filter the audit log by, not stored
    # the entry page's plain POST fields (no form class)
    "progress:return reason": "progress.Entry.return_reason",
    "progress:reopen reason": "progress.MonthReopen.reason",
    "reviews:pass reason": "reviews.ReviewLog.reason",
    "progress:add_evidence file name": "progress.Evidence.original_name",
}


def _form_classes():
    import importlib
    from pathlib import Path

    from django import forms
    root = Path(__file__).resolve().parents[2]
    for top in APPS:
        for path in (root / top).rglob("forms*.py"):
            importlib.import_module(".".join(path.relative_to(root).with_suffix("").parts))

    def below(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from below(sub)
    return {c for c in below(forms.BaseForm) if c.__module__.split(".")[0] in APPS}


def test_every_form_text_field_is_stored_where_the_walk_poisons_it():
    from django import forms
    poisoned = ({f"{_label(m)}.{f.name}" for m, f in _text_fields()}
                | {f"{label}.{name}" for label, name in JSON_TEXT})
    for target in FORM_STORAGE.values():
        assert target is None or target in poisoned, target
    for cls in _form_classes():
        model = getattr(getattr(cls, "_meta", None), "model", None)
        for name, field in cls.base_fields.items():
            if not isinstance(field, forms.CharField) or isinstance(
                    field, (forms.URLField, forms.EmailField)):
                continue
            if model is not None and name in {f.name for f in model._meta.concrete_fields}:
                assert f"{_label(model)}.{name}" in poisoned, (cls.__name__, name)
            else:
                assert f"{cls.__name__}.{name}" in FORM_STORAGE, (cls.__name__, name)
    dynamic = {key.split(".")[0] for key in FORM_STORAGE if key.endswith("*")}
    assert dynamic <= {c.__name__ for c in _form_classes()}


def test_markup_in_query_parameters_is_never_reflected_unescaped(request, matrix_pages):
    found = []
    for user, pages in matrix_pages.items():
        client = Client(raise_request_exception=False)
        client.force_login(request.getfixturevalue(user))
        for url in pages:
            response = client.get(url, {"q": PAYLOAD, "month": PAYLOAD, "kind": PAYLOAD,
                                        "page": PAYLOAD, "village": PAYLOAD,
                                        "partner": PAYLOAD, "next": PAYLOAD})
            found += _check(url, response)
    assert found == []
