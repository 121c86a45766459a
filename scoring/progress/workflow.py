"""Saving entries and moving them through draft → submitted → verified / returned.

Every write names the `version` it was edited from (0: there was no entry yet) and runs
in a transaction with the entry row locked; a stale version is refused with the other
person's value, name and time (`StaleEntry`), so the page can keep what was typed.
Locked months refuse every write (`periods.MonthLocked`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from scoring import engine
from scoring.models import Combine, Indicator
from villages.models import GroupKind, Village, WorkingGroup
from wuxing.accounts.access import can, require, scopes_of
from wuxing.accounts.models import AuditEvent, AuditKind, User
from wuxing.accounts.roles import ACTION_ROLES

from . import periods, values
from .models import Entry, EntryStatus

log = logging.getLogger(__name__)


class EntryRefused(Exception):
    """A write that cannot be done; `str()` is the Chinese message for the user."""


def author_of(entry: Entry):
    """Who made the entry's current version, read by id from the row itself.

    Never from a join on the locked row: under a contended lock PostgreSQL re-reads the
    locked row but not its joined user, which then comes back stale or empty."""
    user_id = entry.changed_by_id or entry.entered_by_id
    return User.objects.filter(pk=user_id).first() if user_id else None


class StaleEntry(EntryRefused):
    def __init__(self, current: Entry | None):
        self.current = current
        if current is None:
            super().__init__(_("This entry was removed meanwhile. Reload the page."))
            return
        who = author_of(current) or _("someone")
        super().__init__(_(
            "%(who)s saved this entry at %(time)s with the value “%(value)s” after you "
            "opened the page. Your input is kept below: check it and save again to "
            "replace theirs.") % {
            "who": who, "time": f"{timezone.localtime(current.updated_at):%Y-%m-%d %H:%M}",
            "value": values.display(current.get_value()) or "—"})


@dataclass(frozen=True)
class Saved:
    entry: Entry
    created: bool


def _locked_entry(village: Village, indicator: Indicator, month: date) -> Entry | None:
    return (Entry.objects.select_for_update()
            .filter(village=village, indicator=indicator, month=month).first())


def save_value(user, village: Village, indicator: Indicator, month: date, raw,
               version: int, *, carried: bool = False, value=None,
               period: periods.PeriodState | None = None) -> Saved:
    """Store a typed value (or `value`, already parsed) as a draft of the village-month.

    `period`: the village-month's state if the caller has read it already (the save view
    shows it again in its answer)."""
    require(user, "enter_progress", village.code)
    month = engine.month_start(month)
    if value is None:
        value = values.parse(indicator, raw)
    (period or periods.PeriodState(village, month)).require_open()
    try:
        with transaction.atomic():
            entry = _locked_entry(village, indicator, month)
            _check_version(entry, version)
            created = entry is None
            if created:
                entry = Entry(village=village, indicator=indicator, month=month)
            elif entry.status == EntryStatus.VERIFIED:
                raise EntryRefused(_("This entry is verified. Ask the working-group leader "
                                     "to return it before changing it."))
            else:
                if entry.status != EntryStatus.DRAFT:
                    entry.revise()
                entry.version += 1
            entry.indicator = indicator
            entry.set_value(value, indicator.kind)
            entry.carried = carried
            entry.entered_by = entry.changed_by = user
            entry.save()
    except IntegrityError:
        # Someone created the same entry between our read and our insert.
        raise StaleEntry(Entry.objects.filter(
            village=village, indicator=indicator, month=month).first())
    log.info("entry saved: %s v%s by %s", entry, entry.version, user)
    return Saved(entry, created)


def _check_version(entry: Entry | None, version: int) -> None:
    current = entry.version if entry is not None else 0
    if int(version) != current:
        raise StaleEntry(entry)


def previous_values(village: Village, indicators, month: date) -> dict[int, Entry]:
    """The latest earlier entry of the cycle per indicator (not returned): one query."""
    month = engine.month_start(month)
    rows = (Entry.objects.filter(village=village, indicator__in=list(indicators),
                                 month__lt=month, month__year=month.year)
            .exclude(status=EntryStatus.RETURNED).order_by("month"))
    return {e.indicator_id: e for e in rows}


def can_carry(indicator: Indicator) -> bool:
    """Carrying a value into a summed indicator would count it twice."""
    return indicator.combine != Combine.SUM


def carry_forward(user, village: Village, indicator: Indicator, month: date,
                  version: int) -> Saved:
    """“No change this month”: the latest earlier value, stored as carried."""
    if not can_carry(indicator):
        raise EntryRefused(_("This indicator adds up monthly figures; enter this month's "
                             "figure (0 if there was none)."))
    earlier = previous_values(village, [indicator], month).get(indicator.pk)
    if earlier is None or earlier.get_value(indicator.kind) is None:
        raise EntryRefused(_("There is no earlier value to carry forward."))
    return save_value(user, village, indicator, month, None, version, carried=True,
                      value=earlier.get_value(indicator.kind))


# --- workflow ------------------------------------------------------------------------------


def led_stars(user, village: Village) -> set[str]:
    """The stars whose working group the user leads for this village (one query)."""
    if not getattr(user, "is_authenticated", False):
        return set()
    rows = WorkingGroup.objects.filter(town_id=village.town_id, kind=GroupKind.STAR,
                                       leader=user).values_list("star", "villages")
    return {star for star, v in rows if v is None or v == village.pk}


def can_verify(user, entry: Entry, led: set[str] | None = None) -> bool:
    code = entry.village.code
    if not can(user, "enter_progress", code) and not can(user, "verify_entry", code):
        return False
    if can(user, "verify_entry", code):
        return True
    led = led_stars(user, entry.village) if led is None else led
    return entry.indicator.star_id in led


def verifiable_condition(user) -> Q:
    """The entries `can_verify` allows the user, as one filter: every
    entry under a scope whose role may verify, plus the star of each star working group
    the user leads, in the villages it lists (its whole town when it lists none)."""
    condition, entering = Q(pk__in=[]), Q(pk__in=[])
    for scope in scopes_of(user):
        if scope.role in ACTION_ROLES["verify_entry"]:
            condition |= Q(village__code__startswith=scope.prefix)
        if scope.role in ACTION_ROLES["enter_progress"]:
            entering |= Q(village__code__startswith=scope.prefix)
    verifying = [s.prefix for s in scopes_of(user) if s.role in ACTION_ROLES["verify_entry"]]
    if not getattr(user, "is_authenticated", False) or all(
            any(s.prefix.startswith(p) for p in verifying) for s in scopes_of(user)):
        return condition  # no scope left where leading a group would add anything
    for pk, town_id, star in WorkingGroup.objects.filter(
            kind=GroupKind.STAR, leader=user).values_list("pk", "town_id", "star"):
        listed = Village.objects.filter(groups=pk)
        condition |= entering & Q(indicator__star_id=star) & (
            Q(village__in=listed) | (Q(village__town_id=town_id) & ~Exists(listed)))
    return condition


def _transition(entry_id: int, version: int | None, user, move: str, *args) -> Entry:
    with transaction.atomic():
        entry = (Entry.objects.select_for_update(of=("self",)).select_related("village__town",
                                                                  "indicator")
                 .get(pk=entry_id))
        if version is not None and int(version) != entry.version:
            raise StaleEntry(entry)
        periods.require_open(entry.village, entry.month)
        _check_move(entry, move)
        getattr(entry, move)(*args)
        entry.version += 1
        entry.changed_by = user
        entry.save()
    log.info("entry %s: %s by %s", move, entry, user)
    return entry


def _check_move(entry: Entry, move: str) -> None:
    if not can_proceed(getattr(entry, move)):
        messages = {
            "submit": _("Only a draft or a returned entry can be submitted."),
            "verify": _("Only a submitted entry can be verified."),
            "send_back": _("Only a submitted or verified entry can be returned."),
        }
        raise EntryRefused(messages[move])


def submit(user, entry: Entry, version: int | None = None) -> Entry:
    require(user, "enter_progress", entry.village.code)
    _check_move(entry, "submit")
    return _transition(entry.pk, version, user, "submit")


def submit_month(user, village: Village, month: date) -> int:
    """Submit every draft (and corrected returned entry) of the village-month."""
    require(user, "enter_progress", village.code)
    periods.require_open(village, month)
    ids = list(Entry.objects.filter(village=village, month=engine.month_start(month),
                                    status__in=[EntryStatus.DRAFT, EntryStatus.RETURNED])
               .values_list("pk", flat=True))
    for entry_id in ids:
        _transition(entry_id, None, user, "submit")
    return len(ids)


def verify(user, entry: Entry, version: int | None = None, request=None) -> Entry:
    if not can_verify(user, entry):
        raise PermissionDenied(_("Only the town leader or the leader of this star's working "
                                 "group may verify entries."))
    _check_move(entry, "verify")
    entry = _transition(entry.pk, version, user, "verify")
    AuditEvent.record(AuditKind.APPROVAL, user=user, request=request, target=str(entry),
                      action="verify", entry=entry.pk)
    return entry


def send_back(user, entry: Entry, reason: str, version: int | None = None,
              request=None) -> Entry:
    if not can_verify(user, entry):
        raise PermissionDenied(_("Only the town leader or the leader of this star's working "
                                 "group may return entries."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Say why the entry is returned."))
    _check_move(entry, "send_back")
    entry = _transition(entry.pk, version, user, "send_back", reason[:1000])
    AuditEvent.record(AuditKind.APPROVAL, user=user, request=request, target=str(entry),
                      action="return", entry=entry.pk, reason=reason[:1000])
    return entry
