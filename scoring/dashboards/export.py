"""The bulletin as an Excel workbook: one sheet per section, Chinese headings."""

from __future__ import annotations

from io import BytesIO

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from wuxing.spreadsheets import neutral_row

from .bulletin import Bulletin


def _sheet(book, title: str, header: list[str], rows: list[list]) -> None:
    sheet = book.create_sheet(str(title))
    sheet.append(neutral_row(str(h) for h in header))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(neutral_row(row))
    sheet.freeze_panes = "A2"


def workbook(bulletin: Bulletin) -> bytes:
    book = Workbook()
    book.remove(book.active)
    _sheet(book, _("Ranking"),
           [_("Rank"), _("Village"), _("Town"), _("Level"), _("Star points"),
            _("Town bonuses and deductions"), _("Total points")],
           [[r.rank, r.village.name, bulletin.towns.get(r.village.town_id, ""), r.level,
             r.star_points, r.ledger_points, r.total] for r in bulletin.ranking])
    _sheet(book, _("Level changes"), [_("Village"), _("Last quarter"), _("This quarter"),
                                      _("Change")],
           [[c.village.name, c.before if c.before is not None else "—", c.after,
             c.delta] for c in bulletin.changes])
    _sheet(book, _("Top gaps"), [_("Star"), _("Indicator"), _("Villages held back")],
           [[str(g["name"]), i["name"], i["villages"]] for g in bulletin.top_gaps
            for i in g["indicators"]])
    _sheet(book, _("Pairings"), [_("Village"), _("Partner village"), _("Started on"),
                                 _("Note")],
           [[p.village.name, p.partner.name, p.started, p.note] for p in bulletin.pairings])
    out = BytesIO()
    book.save(out)
    return out.getvalue()
