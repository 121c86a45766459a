"""Each person's work waiting now: the to-do at the top of every start page.

One module counts it all, from the definitions the rest of the portal uses: "missing"
and "returned" are `scoring.progress.completeness` (as the completeness page, the grid
and the reminders count them), who may verify is `workflow.verifiable_condition`, who
reviews at a step is `reviews.services.queue_for`, and what the county may award is the
`award` transition's own conditions. Every list is fetched through `visible_to`, so
nothing outside the user's jurisdiction appears. Items go oldest first.

The number of queries depends on the user's groups, towns and open months, never on
the number of villages, entries or applications listed.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Count, Exists, Min, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from scoring import services
from scoring.progress import completeness, periods, workflow
from scoring.progress.models import Entry, MonthReopen, TownPeriodSetting
from scoring.reviews import services as review_services
from scoring.reviews.models import Application, AppState, Objection
from scoring.reviews.models.applications import OPEN_STATES, ObjectionStatus
from scoring.stars import STAR_ORDER, StarCode
from villages.models import AdminUnit, Village, WorkingGroup
from wuxing.accounts.access import roles_of, scopes_of
from wuxing.accounts.roles import ACTION_ROLES, Role

TOWN_PREFIX, VILLAGE_PREFIX = 9, 12
ITEMS_SHOWN = 12  # per section; the count always covers all of them


@dataclass(frozen=True)
class Item:
    """One thing to do: `text` links to where it is done; `since` orders oldest first."""

    text: str
    url: str
    since: date
    count: int = 1
    note: str = ""
    reason: str = ""
    deadline: date | None = None  # the last day that takes entries
    days_left: int | None = None


@dataclass
class Section:
    key: str
    title: str
    items: list[Item] = field(default_factory=list)
    url: str = ""  # where all of them are, when one page lists them
    # Set when only the first items were loaded: the whole count, the items not loaded.
    total: int | None = None
    more: int = 0

    @property
    def count(self) -> int:
        if self.total is not None:
            return self.total
        return sum(item.count for item in self.items)

    @property
    def shown(self) -> list[Item]:
        return self.items[:ITEMS_SHOWN]

    @property
    def hidden(self) -> int:
        return max(0, len(self.items) - ITEMS_SHOWN) + self.more


@dataclass
class Todo:
    sections: list[Section]

    @property
    def count(self) -> int:
        return sum(section.count for section in self.sections)

    def section(self, key: str) -> Section | None:
        return next((s for s in self.sections if s.key == key), None)


def _sorted(items: list[Item]) -> list[Item]:
    return sorted(items, key=lambda i: (i.since, i.text))


def _day(value) -> date:
    return timezone.localdate(value) if isinstance(value, datetime) else value


class _Periods:
    """Deadlines per town, read once: which months are open now and until when."""

    def __init__(self, now: datetime):
        self.now, self.today = now, timezone.localdate(now)
        self.current = self.today.replace(day=1)
        self._days: dict[int, int] = {}

    def load(self, town_ids) -> None:
        missing = [pk for pk in set(town_ids) if pk not in self._days]
        if missing:
            days = dict(TownPeriodSetting.objects.filter(town_id__in=missing)
                        .values_list("town_id", "deadline_day"))
            for pk in missing:
                self._days[pk] = days.get(pk) or TownPeriodSetting().deadline_day

    def deadline(self, town_id: int, month: date) -> datetime:
        self.load([town_id])
        return periods.deadline(None, month, self._days[town_id])

    def last_open_day(self, town_id: int, month: date) -> date:
        return timezone.localdate(self.deadline(town_id, month) - timedelta(seconds=1))

    def days_left(self, town_id: int, month: date) -> int:
        return (self.last_open_day(town_id, month) - self.today).days

    def open_months(self, town_id: int) -> list[date]:
        """Months taking entries now without a reopening: last month until its
        deadline, and this month."""
        previous = periods.previous_month(self.current)
        return [m for m in (previous, self.current) if periods.takes_writes(
            m, self.now, self.deadline(town_id, m), reopened=False)]

    def last_locked(self, town_id: int) -> date:
        previous = periods.previous_month(self.current)
        if self.now >= self.deadline(town_id, previous):
            return previous
        return periods.previous_month(previous)


class _RuleSets:
    def __init__(self):
        self._cache: dict[tuple[str, int], object] = {}

    def __call__(self, code: str, year: int):
        key = (code[:TOWN_PREFIX], year)
        if key not in self._cache:
            self._cache[key] = services.ruleset_for(code, year)
        return self._cache[key]


def _month_url(village_code: str, month: date) -> str:
    return reverse("progress:month", args=[village_code, f"{month:%Y-%m}"])


def _deadline_item(text, url, month, town_id, clock: _Periods, **kwargs) -> Item:
    return Item(text, url, month, deadline=clock.last_open_day(town_id, month),
                days_left=clock.days_left(town_id, month), **kwargs)


# --- town officials: their groups' village-months ------------------------------------------


def _group_cells(groups, clock: _Periods, rulesets: _RuleSets):
    """(village, star, month) → completeness cell, over the groups and open months."""
    cells, villages = {}, {}
    for group in groups:
        members = completeness.group_villages(group)
        villages.update({v.pk: v for v in members})
        for month in clock.open_months(group.town_id):
            result = completeness.compute(members, month, stars=completeness.group_stars(group),
                                          ruleset=rulesets(group.town.code, month.year))
            for (village_id, star), cell in result.cells.items():
                cells[(village_id, star, month)] = cell
    return cells, villages


def official_sections(user, groups, clock: _Periods, rulesets: _RuleSets) -> list[Section]:
    cells, villages = _group_cells(groups, clock, rulesets)
    missing: dict[tuple[int, date], list[str]] = defaultdict(list)
    for (village_id, _star, month), cell in sorted(
            cells.items(), key=lambda kv: STAR_ORDER.index(kv[0][1])):
        missing[(village_id, month)] += cell.missing_codes
    not_entered = Section("missing", _("Not yet entered"), _sorted([
        _deadline_item(f"{villages[v].name} {m:%Y-%m}",
                       f"{_month_url(villages[v].code, m)}#ind-{codes[0]}", m,
                       villages[v].town_id, clock,
                       note=ngettext("%(n)d item not entered", "%(n)d items not entered",
                                     len(codes)) % {"n": len(codes)}, count=len(codes))
        for (v, m), codes in missing.items() if codes]))
    pairs = {(v, s, m) for (v, s, m) in cells}
    months = sorted({m for (_v, _s, m) in pairs})
    scoped = (Entry.objects.visible_to(user).filter(village_id__in=list(villages),
                                                    month__in=months)
              .select_related("village", "indicator"))
    returned = Section("returned", _("Returned to you"), _sorted([
        _deadline_item(f"{e.village.name} {e.month:%Y-%m} · {e.indicator.name}",
                       f"{_month_url(e.village.code, e.month)}#ind-{e.indicator.code}",
                       e.month, e.village.town_id,
                       clock, reason=e.return_reason)
        for e in scoped.returned().oldest_first()
        if (e.village_id, e.indicator.star_id, e.month) in pairs]))
    drafts: dict[tuple[int, date], int] = defaultdict(int)
    for village_id, month, star in scoped.drafts().values_list(
            "village_id", "month", "indicator__star_id").order_by():
        if (village_id, star, month) in pairs:
            drafts[(village_id, month)] += 1
    draft_section = Section("drafts", _("Drafts not submitted"), _sorted([
        _deadline_item(f"{villages[v].name} {m:%Y-%m}", _month_url(villages[v].code, m), m,
                       villages[v].town_id, clock,
                       note=ngettext("%(n)d draft", "%(n)d drafts", n) % {"n": n}, count=n)
        for (v, m), n in drafts.items()]))
    return [not_entered, returned, draft_section]


# --- town leaders and group leaders: verification, pre-review, reopening ---------------------


def verification_section(user) -> Section:
    """Village-months with entries waiting, the oldest few listed: an administrator's
    province may hold thousands, so the totals are counted, not listed."""
    waiting = (Entry.objects.visible_to(user).awaiting_verification()
               .filter(workflow.verifiable_condition(user)))
    groups = (waiting.values("village__code", "village__name", "month")
              .annotate(n=Count("pk"), since=Min("updated_at"))
              .order_by("month", "since", "village__code"))
    shown = list(groups[:ITEMS_SHOWN + 1])
    url = reverse("progress:verification")
    section = Section("verify", _("Entries waiting for verification"), [
        Item(f"{row['village__name']} {row['month']:%Y-%m}",
             f"{url}?village={row['village__code']}", row["month"], count=row["n"],
             note=ngettext("%(n)d entry", "%(n)d entries", row["n"]) % {"n": row["n"]})
        for row in shown[:ITEMS_SHOWN]], url=url)
    if len(shown) > ITEMS_SHOWN:
        section.total, section.more = waiting.count(), groups.count() - ITEMS_SHOWN
    return section


def _application_item(app: Application, now: datetime, note: str = "") -> Item:
    days = app.waiting_days(now)
    return Item(f"{app.village.name} · {'、'.join(app.star_labels())}",
                reverse("reviews:detail", args=[app.pk]), _day(app.state_since),
                note=note or ngettext("waiting %(n)d day", "waiting %(n)d days", days)
                % {"n": days})


def pre_review_section(queue: list[Application], now: datetime) -> Section:
    return Section("pre_review", _("Applications waiting for town pre-review"),
                   [_application_item(a, now) for a in queue if a.state == AppState.TOWN],
                   url=reverse("reviews:queue"))


def _town_ids(user) -> list[int]:
    """Towns where the user may reopen months (a membership at the town itself)."""
    prefixes = [s.prefix for s in scopes_of(user) if len(s.prefix) == TOWN_PREFIX
                and s.role in ACTION_ROLES["reopen_month"]]
    if not prefixes:
        return []
    return list(AdminUnit.objects.towns().filter(code__in=[p.ljust(12, "0")
                                                            for p in prefixes])
                .values_list("pk", flat=True))


def reopen_section(user, town_ids: list[int], clock: _Periods,
                   rulesets: _RuleSets) -> Section:
    """Village-months locked at the deadline with items still missing or returned:
    only a reopening lets them be completed."""
    items = []
    for town_id in town_ids:
        month = clock.last_locked(town_id)
        villages = list(Village.objects.visible_to(user).filter(town_id=town_id)
                        .annotate(reopened=Exists(MonthReopen.objects.filter(
                            village=OuterRef("pk"), month=month).active(clock.now)))
                        .order_by("code"))
        if not villages:
            continue
        result = completeness.compute(villages, month,
                                      ruleset=rulesets(villages[0].code, month.year))
        for village in villages:
            cells = [result.cell(village.pk, s) for s in result.stars]
            open_items = sum(c.missing + c.returned for c in cells)
            if open_items and not village.reopened:
                items.append(Item(
                    f"{village.name} {month:%Y-%m}",
                    reverse("progress:reopen", args=[village.code, f"{month:%Y-%m}"]), month,
                    note=ngettext("%(n)d item missing or returned",
                                  "%(n)d items missing or returned", open_items)
                    % {"n": open_items}))
    return Section("reopen", _("Locked months to reopen"), _sorted(items))


# --- village secretaries: their village --------------------------------------------------------


def village_sections(user, village: Village, clock: _Periods,
                     rulesets: _RuleSets) -> list[Section]:
    months = clock.open_months(village.town_id)
    missing = []
    for month in months:
        ruleset = rulesets(village.code, month.year)
        result = completeness.compute([village], month, ruleset=ruleset)
        names = dict(ruleset.indicators.values_list("code", "name")) if ruleset else {}
        for star in result.stars:
            cell = result.cell(village.pk, star)
            if cell.missing:
                missing.append(_deadline_item(
                    f"{month:%Y-%m} · {StarCode(star).label}",
                    f"{_month_url(village.code, month)}#ind-{cell.missing_codes[0]}", month,
                    village.town_id, clock,
                    count=cell.missing,
                    note="、".join(names.get(c, c) for c in cell.missing_codes)))
    returned = [_deadline_item(f"{e.month:%Y-%m} · {e.indicator.name}",
                               f"{_month_url(village.code, e.month)}#ind-{e.indicator.code}",
                               e.month, village.town_id, clock, reason=e.return_reason)
                for e in Entry.objects.visible_to(user).returned()
                .filter(village=village, month__in=months).select_related("indicator")
                .oldest_first()]
    return [Section("missing", _("Missing this month"), _sorted(missing)),
            Section("returned", _("Returned for correction"), _sorted(returned)),
            *application_sections(user, village, clock)]


def _flag_reasons(app: Application) -> str:
    """What the reviewer flagged on return, star by star, in the village's words."""
    flags = app.flags or {}
    stars = [f"{StarCode(code).label}：{text}" for code, text in flags.get("stars", {}).items()
             if code in StarCode.values]
    return "；".join([*stars, *flags.get("indicators", {}).values()])


def application_sections(user, village: Village, clock: _Periods) -> list[Section]:
    apps = list(Application.objects.visible_to(user).filter(village=village)
                .select_related("village", "cycle", "notice").order_by("-created_at")[:5])
    current = [a for a in apps if a.state in OPEN_STATES] or apps[:1]
    states = Section("applications", _("Your applications"), [
        Item(f"{a.cycle.year} · {'、'.join(a.star_labels())}",
             reverse("reviews:detail", args=[a.pk]), _day(a.state_since),
             note=a.get_state_display(), count=int(a.state == AppState.RETURNED),
             reason=_flag_reasons(a) if a.state == AppState.RETURNED else "")
        for a in current], url=reverse("reviews:mine"))
    notices = Section("notices", _("Public notices running"), [
        Item(f"{a.cycle.year} · {'、'.join(a.approved_star_labels())}",
             reverse("reviews:notice", args=[a.cycle_id]), a.notice.starts_on,
             note=_("until %(day)s") % {"day": f"{a.notice.ends_on:%Y-%m-%d}"},
             days_left=(a.notice.ends_on - clock.today).days)
        for a in apps if a.state == AppState.NOTICE and a.notice.is_running(clock.today)])
    return [states, notices]


# --- county reviewers ------------------------------------------------------------------------


def county_sections(user, queue: list[Application], clock: _Periods) -> list[Section]:
    review = Section("county_review", _("Applications waiting at the county step"),
                     [_application_item(a, clock.now) for a in queue
                      if a.state in (AppState.CITY, AppState.COUNTY)],
                     url=reverse("reviews:queue"))
    in_notice = (Application.objects.visible_to(user).filter(state=AppState.NOTICE)
                 .select_related("village", "cycle", "notice")
                 .annotate(pending=Exists(Objection.objects.pending().filter(
                     application=OuterRef("pk"))))
                 .order_by("notice__ends_on", "pk"))
    ending, awards = [], []
    for app in in_notice:
        if app.notice.ends_on >= clock.today:
            ending.append(Item(
                f"{app.village.name} · {'、'.join(app.approved_star_labels())}",
                reverse("reviews:notice", args=[app.cycle_id]), app.notice.ends_on,
                note=_("notice ends %(day)s") % {"day": f"{app.notice.ends_on:%Y-%m-%d}"},
                days_left=(app.notice.ends_on - clock.today).days))
        elif not app.pending:
            awards.append(_application_item(app, clock.now, note=_(
                "notice ended %(day)s") % {"day": f"{app.notice.ends_on:%Y-%m-%d}"}))
    objections = (Objection.objects.visible_to(user)
                  .filter(status=ObjectionStatus.PENDING, application__state=AppState.NOTICE)
                  .select_related("application__village").order_by("created_at", "pk"))
    return [review,
            Section("notices_ending", _("Public notices ending"), ending),
            Section("objections", _("Objections to resolve"), [
                Item(o.application.village.name,
                     reverse("reviews:detail", args=[o.application_id]),
                     _day(o.created_at), note=o.text[:80]) for o in objections]),
            Section("awards", _("Awards to make"), awards)]


# --- everything, by role ---------------------------------------------------------------------


def _secretary_villages(user) -> list[Village]:
    codes = [s.prefix for s in scopes_of(user)
             if s.role == Role.VILLAGE_SECRETARY and len(s.prefix) == VILLAGE_PREFIX]
    return list(Village.objects.filter(code__in=codes).order_by("code")) if codes else []


def is_home_of(user, prefix: str) -> bool:
    """Whether a unit's page is where the user works from (a membership right there):
    the to-do belongs on one's own start page, not on every page one may browse."""
    return any(scope.prefix == prefix for scope in scopes_of(user))


def for_user(user, now: datetime | None = None) -> Todo:
    """The user's to-do, by the roles of their memberships."""
    clock, rulesets = _Periods(now or timezone.now()), _RuleSets()
    roles = roles_of(user)
    sections: list[Section] = []
    for village in _secretary_villages(user):
        sections += village_sections(user, village, clock, rulesets)
    leads_group = False
    if Role.TOWN_OFFICIAL in roles:
        groups = list(WorkingGroup.objects.visible_to(user).of_member(user)
                      .select_related("town"))
        clock.load(g.town_id for g in groups)
        sections += official_sections(user, groups, clock, rulesets)
        leads_group = any(g.leader_id == user.pk for g in groups)
    if roles & ACTION_ROLES["verify_entry"] or leads_group:
        sections.append(verification_section(user))
    # One queue for every review step the user acts at (queue_for: who reviews where).
    reviewer = review_services.is_reviewer(user)
    queue = list(review_services.queue_for(user).for_list()) if reviewer else []
    if roles & ACTION_ROLES["pre_review"] and reviewer:
        sections.append(pre_review_section(queue, clock.now))
    if roles & ACTION_ROLES["reopen_month"]:
        town_ids = _town_ids(user)
        if town_ids:
            clock.load(town_ids)
            sections.append(reopen_section(user, town_ids, clock, rulesets))
    if roles & (ACTION_ROLES["county_review"] | ACTION_ROLES["award"]):
        sections += county_sections(user, queue, clock)
    return Todo(sections)


# --- a village's state this month, for village lists -------------------------------------------

STATE_LABELS = {completeness.COMPLETE: gettext_lazy("All entered"),
                completeness.MISSING: gettext_lazy("Entries missing"),
                completeness.RETURNED: gettext_lazy("Entries returned")}


def village_states(villages, month: date) -> dict[int, str]:
    """Village id → COMPLETE, MISSING or RETURNED for the month, counted as the reminders
    count it (`sources.village_star_states`); villages without a rule set are absent.
    Three queries per rule set in force, whatever the number of villages."""
    from scoring.reminders.sources import rulesets_of, village_star_states

    villages = list(villages)
    if not villages:
        return {}
    towns = {v.town_id: v.code[:TOWN_PREFIX] for v in villages}
    out: dict[int, str] = {}
    for ruleset, town_ids in rulesets_of(towns, month.year).items():
        ids = [v.pk for v in villages if v.town_id in set(town_ids)]
        states = village_star_states(ruleset, ids, month)
        for village_id in ids:
            found = {state for (v, _s), state in states.items() if v == village_id}
            out[village_id] = (completeness.RETURNED if completeness.RETURNED in found
                               else completeness.MISSING if found else completeness.COMPLETE)
    return out


def mark_states(villages, month: date) -> None:
    """Set `month_state` and `month_state_label` on each village of a page (lists)."""
    villages = list(villages)
    states = village_states(villages, month)
    for village in villages:
        village.month_state = states.get(village.pk, "")
        village.month_state_label = STATE_LABELS.get(village.month_state, "")
