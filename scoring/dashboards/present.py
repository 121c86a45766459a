"""HTML rows for the long tables of the town dashboard and the bulletin.

These tables repeat a row per village; rendered cell by cell in templates (lazy
translations, number formatting, `{% url %}`, nested loops) they were most of a
request's time. Here each row is one `format_html` call with labels translated once
per request and URLs built from one reversed pattern; everything is escaped.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from scoring.progress import completeness

from .towns import Ranked, town_board

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
    """The town board with its long tables rendered: what the town page caches."""
    board = town_board(town, month, kind)
    add_url = reverse("dashboards:pairing_add", args=[town.code]) if can_manage else None
    board["matrix_rows"] = matrix_rows(board["matrix"])
    board["ranking_rows"] = ranking_rows(board["ranking"])
    board["suggestion_rows"] = suggestion_rows(board["suggestions"], add_url)
    board["completeness"] = completeness.for_town(town, month).totals()
    return board
