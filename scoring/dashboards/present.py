"""HTML of the town dashboard, the overviews and the bulletin's long tables.

The long tables repeat a row per village; rendered cell by cell in templates (lazy
translations, number formatting, `{% url %}`, nested loops) they were most of a
request's time. Here each row is one `format_html` call with labels translated once
per request and URLs built from one reversed pattern; everything is escaped.

The dashboards cache their rendered sections rather than the data behind them:
unpickling model instances and rendering the tables again cost most of a warm request.
What holds a per-session CSRF token (the ledger's delete forms) is never in the cached
HTML: the town page keeps a slot for it and renders it per request from plain rows.
"""

from __future__ import annotations

from datetime import date
from typing import NamedTuple

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from scoring.progress import completeness

from .overview import unit_overview
from .periods import Quarter
from .towns import CLOSE_CHANGES, Ranked, star_names, town_board

_MARK = "0CODE0"


def url_builder(name: str):
    """A function code -> URL for a route with one `code` argument, reversed once."""
    pattern = reverse(name, args=[_MARK])
    return lambda code: pattern.replace(_MARK, code)


def matrix_rows(matrix: list[dict]) -> SafeString:
    labels = {"earned": "★", "close": _("close"), "far": _("far"), "none": "—"}
    sort = {"earned": 2, "close": 1, "far": 0, "none": 0}
    village_url = url_builder("dashboards:village")
    rows = []
    for row in matrix:
        village, status = row["village"], row["status"]
        cells = format_html_join("", '<td class="cell-{}" data-value="{}">{}</td>',
                                 ((s, sort[s], labels[s]) for s in row["cells"]))
        rows.append(format_html(
            '<tr><th scope="row" data-value="{}"><a href="{}">{}</a></th>'
            '<td data-value="{}">{}</td>{}</tr>',
            village.code, village_url(village.code), village.name,
            status.level if status else 0, status.level if status else "—", cells))
    return SafeString("\n".join(rows))


def ranking_rows(ranking: list[Ranked]) -> SafeString:
    return format_html_join(
        "\n", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>"
        "<td><strong>{}</strong></td></tr>",
        ((r.rank, r.village.name, r.level, r.star_points, f"{r.ledger_points:+d}", r.total)
         for r in ranking))


def suggestion_rows(suggestions: list[dict], add_url: str | None) -> SafeString:
    other_town = _("other town")
    rows = []
    for item in suggestions:
        village = item["village"]
        partners = []
        for s in item["suggestions"]:
            stars = "、".join(str(name) for name in s.star_names)
            text = f"({s.partner.level}★{'' if s.same_town else ', ' + other_town}: {stars})"
            name = format_html(
                '<a href="{}?village={}&amp;partner={}">{}</a>', add_url, village.village_id,
                s.partner.village_id, s.partner.name) if add_url else s.partner.name
            partners.append(format_html('<span class="d-inline-block me-2">{} {}</span>',
                                        name, text))
        rows.append(format_html(
            '<li class="list-group-item"><strong>{}</strong> ({}★) ← {}</li>',
            village.name, village.level, SafeString("".join(partners))))
    return SafeString("\n".join(rows))


def town_page(town, month, kind: str, can_manage: bool) -> dict:
    """The town board with its long tables rendered."""
    board = town_board(town, month, kind)
    add_url = reverse("dashboards:pairing_add", args=[town.code]) if can_manage else None
    board["matrix_rows"] = matrix_rows(board["matrix"])
    board["ranking_rows"] = ranking_rows(board["ranking"])
    board["suggestion_rows"] = suggestion_rows(board["suggestions"], add_url)
    board["completeness"] = completeness.for_town(town, month).totals()
    return board


# Stands in the cached town sections where the ledger's entries go; never user data.
LEDGER_SLOT = "<!--ledger-entries-->"


class LedgerRow(NamedTuple):
    date: str
    village: str
    points: str
    reason: str
    delete_url: str


class TownSections(NamedTuple):
    """What the town page caches: its head links, its sections as HTML around the
    ledger's slot, and the ledger as plain rows for the per-request part."""
    head: SafeString
    before_ledger: SafeString
    after_ledger: SafeString
    ledger: tuple[LedgerRow, ...]


class OverviewSections(NamedTuple):
    """What an overview caches: its head links and its sections as HTML."""
    head: SafeString
    body: SafeString


def _html(template: str, context: dict) -> SafeString:
    # No request in the context: nothing per session (a CSRF token) can get rendered.
    return SafeString(render_to_string(template, context).strip())


def town_sections(town, month: date, kind: str, can_manage: bool) -> TownSections:
    board = town_page(town, month, kind, can_manage)
    html = _html("dashboards/_town_board.html", {
        "town": town, "month": month, "kind": kind, "quarter": board["quarter"],
        "board": board, "can_manage": can_manage, "star_names": star_names(),
        "close_changes": CLOSE_CHANGES, "ledger_slot": SafeString(LEDGER_SLOT)})
    before, _slot, after = html.partition(LEDGER_SLOT)
    ledger = tuple(LedgerRow(e.date.strftime("%Y-%m-%d"), e.village.name, f"{e.points:+d}",
                             e.reason, reverse("dashboards:points_delete", args=[e.pk]))
                   for e in board["ledger"])
    return TownSections(_html("dashboards/_head.html", {}), SafeString(before),
                        SafeString(after), ledger)


def overview_sections(unit, month: date, kind: str) -> OverviewSections:
    """A county, city or province overview below its title."""
    return OverviewSections(_html("dashboards/_head.html", {}), _html(
        "dashboards/_unit_board.html", {
            "unit": unit, "month": month, "kind": kind, "quarter": Quarter.of(month),
            "levels": range(6), "overview": unit_overview(unit, month, kind)}))
