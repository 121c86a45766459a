"""A town's entry sheet for a month: download, fill in, upload, preview, confirm.

The upload is checked completely before anything is written: every change and every
row error is listed; the checked changes are kept server-side under a token
(`PendingSheet`) and applied only on confirmation, all or nothing.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill

from scoring import services
from scoring.models import Indicator, ValueKind
from villages.models import Village
from wuxing.spreadsheets import neutral_row, restore
from wuxing.uploads import UploadRefused, archives

from . import periods, values, workflow
from .models import Entry, EntryStatus, PendingSheet

MAX_ROWS = 2000
MAX_BYTES = 5 * 1024 * 1024  # a town's filled-in sheet is tens of kilobytes
PENDING_HOURS = 12


def _cell(value) -> object:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _indicators(town, month: date) -> list[Indicator]:
    ruleset = services.ruleset_for(town.code, month.year)
    if ruleset is None:
        return []
    return list(ruleset.indicators.order_by("star__order", "order", "code"))


def build(town, month: date) -> bytes:
    """The sheet: row 1 codes, row 2 names, then one row per village with current values."""
    indicators = _indicators(town, month)
    villages = list(Village.objects.filter(town=town).order_by("code"))
    current = {(e.village_id, e.indicator_id): e for e in Entry.objects.filter(
        village__in=villages, month=month, indicator__in=indicators)}
    book = Workbook()
    sheet = book.active
    sheet.title = f"{month:%Y-%m}"
    sheet.append(neutral_row(["village_code", "village_name", *[i.code for i in indicators]]))
    sheet.append(neutral_row([
        _("Village code"), _("Village"),
        *[f"{i.name}（{i.get_kind_display()}{('，' + i.unit) if i.unit else ''}）"
          for i in indicators]]))
    for cell in sheet[2]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="FDE9E7")
    for village in villages:
        sheet.append(neutral_row([village.code, village.name, *[
            _cell(current[(village.pk, i.pk)].get_value(i.kind))
            if (village.pk, i.pk) in current else None for i in indicators]]))
    sheet.freeze_panes = "C3"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@dataclass
class Change:
    village_id: int
    village: str
    indicator_id: int
    indicator: str
    old: str
    new: str
    raw: str
    version: int


@dataclass
class Checked:
    changes: list[Change] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _not_a_workbook() -> str:
    return _("The file is not an Excel workbook (.xlsx).")


def _read(upload) -> bytes:
    """The upload's bytes, once its size and its zip structure have passed the bounded
    checks (before openpyxl parses anything); else UploadRefused."""
    if (upload.size or 0) > MAX_BYTES:
        raise UploadRefused(_("An entry sheet may be at most %(mb)s MB.")
                            % {"mb": MAX_BYTES // (1024 * 1024)})
    upload.seek(0)
    data = upload.read(MAX_BYTES + 1)
    archives.check(data, archives.Limits.for_sheets()).close()
    return data


def check(town, month: date, upload) -> Checked:
    """Every change and every error of an uploaded sheet; writes nothing."""
    result = Checked()
    try:
        data = _read(upload)
    except UploadRefused as exc:
        result.errors.append(_not_a_workbook() if isinstance(exc, archives.Damaged)
                             else str(exc))
        return result
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a file that is not a workbook
        result.errors.append(_not_a_workbook())
        return result
    rows = book.active.iter_rows(values_only=True)
    header = next(rows, None) or ()
    indicators = {i.code: i for i in _indicators(town, month)}
    columns = [(n, indicators.get(str(c).strip())) for n, c in enumerate(header) if n >= 2]
    unknown = [str(header[n]) for n, ind in columns if ind is None and header[n]]
    if tuple(header[:2]) != ("village_code", "village_name") or unknown:
        result.errors.append(_("The first row must be the header of the downloaded sheet; "
                               "unknown columns: %(cols)s") % {"cols": "、".join(unknown) or "—"})
        return result
    villages = {v.code: v for v in Village.objects.filter(town=town)}
    current = {(e.village_id, e.indicator_id): e for e in Entry.objects.filter(
        village__in=villages.values(), month=month)}
    next(rows, None)  # the names row
    for number, row in enumerate(rows, start=3):
        if number > MAX_ROWS:
            result.errors.append(_("The sheet has more than %(n)s rows.") % {"n": MAX_ROWS})
            break
        if not row or all(v is None or str(v).strip() == "" for v in row):
            continue
        _check_row(result, number, row, columns, villages, current)
    return result


def _check_row(result: Checked, number: int, row, columns, villages, current) -> None:
    code = str(row[0] or "").strip()
    village = villages.get(code)
    if village is None:
        result.errors.append(_("Row %(row)s: “%(code)s” is not a village of this town.")
                             % {"row": number, "code": code[:20]})
        return
    for n, indicator in columns:
        raw = restore(row[n]) if n < len(row) else None
        if raw is None or str(raw).strip() == "":
            continue
        raw_text = _raw_text(indicator, raw)
        try:
            value = values.parse(indicator, raw_text)
        except ValidationError as exc:
            result.errors.append(_("Row %(row)s, %(village)s, %(indicator)s: %(error)s") % {
                "row": number, "village": village.name, "indicator": indicator.name,
                "error": " ".join(exc.messages)})
            continue
        entry = current.get((village.pk, indicator.pk))
        old = entry.get_value(indicator.kind) if entry else None
        if old == value:
            continue
        if entry is not None and entry.status == EntryStatus.VERIFIED:
            result.errors.append(_("Row %(row)s, %(village)s, %(indicator)s: the entry is "
                                   "verified and cannot be changed.") % {
                "row": number, "village": village.name, "indicator": indicator.name})
            continue
        result.changes.append(Change(village.pk, village.name, indicator.pk, indicator.name,
                                     values.display(old) or "—", values.display(value),
                                     raw_text, entry.version if entry else 0))


def _raw_text(indicator: Indicator, raw) -> str:
    if isinstance(raw, bool):
        return "yes" if raw else "no"
    if isinstance(raw, float) and indicator.kind != ValueKind.CHOICE:
        return repr(raw)
    return str(raw).strip()


def keep(user, town, month: date, checked: Checked) -> PendingSheet:
    PendingSheet.objects.filter(created_at__lt=timezone.now()
                                - timedelta(hours=PENDING_HOURS)).delete()
    return PendingSheet.objects.create(user=user, town=town, month=month, changes=[
        c.__dict__ for c in checked.changes])


def apply(user, pending: PendingSheet) -> int:
    """Write every kept change or none (a lock, a stale version or a bad value aborts)."""
    changes = pending.changes
    villages = Village.objects.select_related("town").in_bulk(
        {c["village_id"] for c in changes})
    indicators = Indicator.objects.in_bulk({c["indicator_id"] for c in changes})
    with transaction.atomic():
        for change in changes:
            village = villages[change["village_id"]]
            try:
                workflow.save_value(user, village, indicators[change["indicator_id"]],
                                    pending.month, change["raw"], change["version"])
            except workflow.StaleEntry:
                raise workflow.EntryRefused(_(
                    "%(village)s, %(indicator)s was changed by someone else after the "
                    "upload. Nothing was saved: download the sheet again.") % change)
            except periods.MonthLocked as exc:
                raise workflow.EntryRefused(_("%(village)s: %(error)s Nothing was saved.")
                                            % {"village": village.name, "error": exc})
        pending.delete()
    return len(changes)
