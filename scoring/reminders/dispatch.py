"""The daily dispatcher: every reminder due today and not yet sent, claimed and queued.

`plan()` decides, from the towns' policies and the missing entries, which messages are
due and to whom; `dispatch()` claims them — a `Message` per (kind, period, topic) and a
`Delivery` per recipient and channel, both behind unique constraints, inserted with
ON CONFLICT DO NOTHING — and queues only the rows this run created. Running it twice,
or from two schedulers at once, sends each message once.
"""

from __future__ import annotations

import functools
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.db import transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from scoring.progress.models import TownPeriodSetting
from scoring.progress.periods import DEFAULT_DEADLINE_DAY
from scoring.stars import STAR_ORDER, StarCode
from villages.models import AdminUnit, GroupKind, Village, WorkingGroup
from wuxing.accounts.models import Membership, User
from wuxing.accounts.roles import Role
from wuxing.notifications import delivery as deliveries
from wuxing.notifications.bulk import insert_ignoring_conflicts
from wuxing.notifications.models import Channel, Delivery, GroupRobot, Message

from . import extra_kinds, sources
from .kinds import ReminderKind
from .models import ReminderPolicy, period_key

MAX_ROWS = 30  # villages listed in one message; the rest is counted
TOP_GAPS = 10


@dataclass
class Planned:
    """One message and its recipients."""

    kind: str
    month: date
    topic: str
    town_id: int
    subject: str
    context: dict
    url: str
    users: list[int] = field(default_factory=list)
    user_channels: list[str] = field(default_factory=list)
    robots: list[tuple[int, str]] = field(default_factory=list)  # (robot id, channel)
    period_override: str = ""  # e.g. an ISO week for the weekly review reminder

    @property
    def period(self) -> str:
        return self.period_override or period_key(self.month)

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.kind, self.period, self.topic)


@dataclass(frozen=True)
class Outgoing:
    """One delivery sent (or, in a dry run, that would be sent)."""

    kind: str
    period: str
    subject: str
    recipient: str
    channel: str

    def line(self) -> str:
        return (f"{self.period} {ReminderKind(self.kind).label} · {self.subject} → "
                f"{self.recipient} [{Channel(self.channel).label}]")


@dataclass
class Result:
    outgoing: list[Outgoing]
    new_ids: list[int]
    timings: dict[str, float] = field(default_factory=dict)  # seconds per phase


@dataclass
class Directory:
    """Who is who in the towns concerned, loaded in a handful of queries."""

    towns: dict[int, AdminUnit]
    groups: list[dict]
    members: dict[int, list[int]]
    town_leaders: dict[int, list[int]]
    robots: dict[int, list[tuple[int, str]]]
    users: dict[int, tuple[str, str]]  # id → (display name, email)
    robot_names: dict[int, str]

    @classmethod
    def load(cls, towns: dict[int, AdminUnit]) -> Directory:
        ids = list(towns)
        groups = list(WorkingGroup.objects.filter(kind=GroupKind.STAR, town_id__in=ids)
                      .annotate(village_count=Count("villages"))
                      .values("id", "town_id", "star", "name", "leader_id", "village_count")
                      .order_by("town_id", "star"))
        # A star group listing no villages covers its whole town (as the entry grid).
        town_sizes = dict(Village.objects.filter(town_id__in=ids).order_by()
                          .values("town_id").annotate(n=Count("id"))
                          .values_list("town_id", "n"))
        for group in groups:
            group["village_count"] = (group["village_count"]
                                      or town_sizes.get(group["town_id"], 0))
        group_ids = [g["id"] for g in groups]
        members: dict[int, list[int]] = defaultdict(list)
        for gid, uid in (WorkingGroup.members.through.objects
                         .filter(workinggroup_id__in=group_ids, user__is_active=True)
                         .values_list("workinggroup_id", "user_id").order_by("user_id")):
            members[gid].append(uid)
        leaders: dict[int, list[int]] = defaultdict(list)
        for town_id, uid in (Membership.objects.filter(role=Role.TOWN_LEADER, unit_id__in=ids,
                                                       user__is_active=True)
                             .values_list("unit_id", "user_id").order_by("user_id")):
            if uid not in leaders[town_id]:
                leaders[town_id].append(uid)
        robots: dict[int, list[tuple[int, str]]] = defaultdict(list)
        robot_names = {}
        for rid, gid, kind, name in (GroupRobot.objects.filter(group_id__in=group_ids,
                                                               enabled=True)
                                     .values_list("id", "group_id", "kind", "group__name")):
            robots[gid].append((rid, kind))
            robot_names[rid] = name
        user_ids = {uid for uids in members.values() for uid in uids}
        user_ids |= {uid for uids in leaders.values() for uid in uids}
        user_ids |= {g["leader_id"] for g in groups if g["leader_id"]}
        users = {}
        for uid, username, name, email, active in (
                User.objects.filter(pk__in=user_ids)
                .values_list("id", "username", "name", "email", "is_active")):
            if active:
                users[uid] = (name or username, email)
        return cls(towns, groups, dict(members), dict(leaders), dict(robots), users,
                   robot_names)

    def add_users(self, user_ids) -> None:
        missing = set(user_ids) - set(self.users)
        for uid, username, name, email in (User.objects.filter(pk__in=missing, is_active=True)
                                           .values_list("id", "username", "name", "email")):
            self.users[uid] = (name or username, email)


# --- message content (built in the portal's language) --------------------------------------

def _month_label(month: date) -> str:
    return _("%(year)d/%(month)d") % {"year": month.year, "month": month.month}


def _day_label(day: date) -> str:
    return _("%(month)d/%(day)d") % {"month": day.month, "day": day.day}


def _rows(items: list[sources.MissingItem]) -> dict:
    labels = {sources.Status.RETURNED: _("returned"), sources.Status.MISSING: _("no entry")}
    rows = [f"{item.village}（{labels[item.status]}）" for item in items[:MAX_ROWS]]
    return {"rows": rows, "more": max(0, len(items) - MAX_ROWS)}


def _town_url(town, month) -> str:
    """The town's completeness page of the month."""
    return _url_pattern("progress:completeness", "999999999999").replace(
        "999999999999", town.code).replace("2000-01", period_key(month))


def _group_url(group, month) -> str:
    """The working group's grid of the month."""
    return _url_pattern("progress:grid", 987654321).replace(
        "987654321", str(group["id"])).replace("2000-01", period_key(month))


@functools.cache
def _url_pattern(name: str, key) -> str:
    # reverse() once, then fill in: tens of thousands of messages in a province run.
    return reverse(name, args=[key, "2000-01"])


def _group_message(kind, month, town, group, items, policy) -> Planned:
    star = StarCode(group["star"]).label
    values = {"group": group["name"], "count": len(items), "star": star,
              "month": _month_label(month), "deadline": _day_label(policy.deadline(month))}
    if kind == ReminderKind.ENTRY_DUE:
        subject = _("%(group)s: %(count)d villages still lack %(month)s entries, due "
                    "%(deadline)s") % values
        intro = _("The entries of %(month)s for the %(star)s are due on %(deadline)s. "
                  "These villages of your group still have missing or returned entries:"
                  ) % values
    elif kind == ReminderKind.OVERDUE:
        subject = _("%(group)s: %(count)d villages are overdue with %(month)s entries"
                    ) % values
        intro = _("The deadline of %(deadline)s for the %(month)s entries of the %(star)s "
                  "has passed. These villages of your group are overdue:") % values
    else:
        subject = _("Escalation: %(group)s has %(count)d villages overdue for %(month)s"
                    ) % values
        intro = _("As the group leader: the deadline of %(deadline)s has passed and these "
                  "villages still have missing or returned %(star)s entries for "
                  "%(month)s:") % values
    section = {"heading": _("%(star)s, %(month)s") % values, **_rows(items)}
    return Planned(kind=kind, month=month, topic=f"group:{group['id']}", town_id=town.pk,
                   subject=f"【{town.name}】{subject}",
                   context={"intro": intro, "sections": [section],
                            "outro": _("Please complete or correct the entries.")},
                   url=_group_url(group, month))


def _town_overdue(month, town, groups_items, policy) -> Planned:
    values = {"month": _month_label(month), "deadline": _day_label(policy.deadline(month)),
              "count": len({i.village_id for _g, items in groups_items for i in items})}
    sections = [{"heading": _("%(group)s: %(count)d villages") % {
        "group": group["name"], "count": len(items)}, **_rows(items)}
        for group, items in groups_items]
    return Planned(kind=ReminderKind.OVERDUE_TOWN, month=month, topic=f"town:{town.pk}",
                   town_id=town.pk,
                   subject=f"【{town.name}】" + _(
                       "Escalation: %(count)d villages overdue with %(month)s entries"
                   ) % values,
                   context={"intro": _("The deadline of %(deadline)s has passed; the star "
                                       "working groups still miss these entries for "
                                       "%(month)s:") % values,
                            "sections": sections, "outro": ""},
                   url=_town_url(town, month))


def _summary(month, town, town_groups, missing) -> Planned:
    by_village: dict[int, list[sources.MissingItem]] = defaultdict(list)
    sections_rows = []
    stars = sorted(town_groups, key=lambda g: STAR_ORDER.index(g["star"]))
    for group in stars:
        items = missing.get(group["id"], [])
        for item in items:
            by_village[item.village_id].append(item)
        total = group["village_count"]
        counts = Counter(item.status for item in items)
        done = total - len(items)
        sections_rows.append(_(
            "%(star)s: %(done)d of %(total)d villages complete (%(percent)d%%), "
            "%(missing)d without entries, %(returned)d returned") % {
            "star": StarCode(group["star"]).label, "done": done, "total": total,
            "percent": round(100 * done / total) if total else 100,
            "missing": counts[sources.Status.MISSING],
            "returned": counts[sources.Status.RETURNED]})
    gaps = sorted(by_village.values(), key=lambda items: (-len(items), items[0].village))
    gap_rows = [_("%(village)s: %(count)d stars incomplete (%(stars)s)") % {
        "village": items[0].village, "count": len(items),
        "stars": "、".join(str(StarCode(i.star).label) for i in items)}
        for items in gaps[:TOP_GAPS]]
    values = {"month": _month_label(month)}
    return Planned(
        kind=ReminderKind.MONTHLY_SUMMARY, month=month, topic=f"town:{town.pk}",
        town_id=town.pk,
        subject=f"【{town.name}】" + _("Monthly summary of %(month)s") % values,
        context={"intro": _("For the monthly work meeting: the completeness of the "
                            "%(month)s entries and the town's largest gaps.") % values,
                 "sections": [
                     {"heading": _("Completeness by star"), "rows": sections_rows,
                      "more": 0},
                     {"heading": _("Villages with the most gaps"),
                      "rows": gap_rows or [_("None: every village is complete.")],
                      "more": max(0, len(gaps) - TOP_GAPS)}],
                 "outro": ""},
        url=_town_url(town, month))


# --- planning ----------------------------------------------------------------------------

def due_kinds(today: date, towns: dict[int, AdminUnit]
              ) -> tuple[dict[date, dict[int, set[str]]], dict[int, ReminderPolicy]]:
    """month → town id → kinds due today, and each town's policy."""
    stored = {p.town_id: p for p in ReminderPolicy.objects.filter(town_id__in=list(towns))}
    deadline_days = dict(TownPeriodSetting.objects.filter(town_id__in=list(towns))
                         .values_list("town_id", "deadline_day"))
    defaults = {}  # one default policy per deadline day
    policies, due = {}, defaultdict(lambda: defaultdict(set))
    for town_id in towns:
        day = deadline_days.get(town_id, DEFAULT_DEADLINE_DAY)
        if town_id in stored:
            policy = stored[town_id].with_deadline(day)
        else:
            policy = defaults.get(day) or defaults.setdefault(
                day, ReminderPolicy().with_deadline(day))
        policies[town_id] = policy
        for kind in policy.kinds():
            month = policy.current_month(kind, today)
            if month is not None:
                due[month][town_id].add(kind)
    return due, policies


def plan(today: date, town_ids=None) -> tuple[list[Planned], Directory | None]:
    towns_qs = AdminUnit.objects.towns().only("id", "code", "name", "level")
    if town_ids is not None:
        towns_qs = towns_qs.filter(pk__in=list(town_ids))
    towns = {t.pk: t for t in towns_qs}
    due, policies = due_kinds(today, towns)
    extra = extra_kinds.plan(today, towns, policies)
    if not due and not extra.planned:
        return [], None
    directory = Directory.load({tid: towns[tid] for kinds in due.values() for tid in kinds})
    directory.add_users(extra.user_ids)
    groups_of: dict[int, list[dict]] = defaultdict(list)
    for group in directory.groups:
        groups_of[group["town_id"]].append(group)
    planned: list[Planned] = []
    with translation.override(settings.LANGUAGE_CODE):
        for month, town_kinds in sorted(due.items()):
            everywhere = len(town_kinds) == len(towns) and town_ids is None
            missing = sources.missing_by_group(None if everywhere else list(town_kinds),
                                               month)
            for town_id, kinds in town_kinds.items():
                planned += _plan_town(month, towns[town_id], kinds, policies[town_id],
                                      groups_of.get(town_id, []), missing, directory)
    return planned + extra.planned, directory


def _plan_town(month, town, kinds, policy, groups, missing, directory) -> list[Planned]:
    planned = []
    user_channels, robot_channels = policy.user_channels(), set(policy.robot_channels())
    overdue_groups = []
    for group in groups:
        items = missing.get(group["id"])
        if not items:
            continue  # nothing is sent to a group with nothing missing
        overdue_groups.append((group, items))
        members = [u for u in directory.members.get(group["id"], []) if u in directory.users]
        robots = [r for r in directory.robots.get(group["id"], []) if r[1] in robot_channels]
        for kind in (ReminderKind.ENTRY_DUE, ReminderKind.OVERDUE):
            if kind in kinds:
                message = _group_message(kind, month, town, group, items, policy)
                message.users, message.user_channels = members, user_channels
                message.robots = robots
                planned.append(message)
        leader = group["leader_id"]
        if ReminderKind.OVERDUE_LEADER in kinds and leader in directory.users:
            message = _group_message(ReminderKind.OVERDUE_LEADER, month, town, group, items,
                                     policy)
            message.users, message.user_channels = [leader], user_channels
            planned.append(message)
    leaders = [u for u in directory.town_leaders.get(town.pk, []) if u in directory.users]
    if leaders and ReminderKind.OVERDUE_TOWN in kinds and overdue_groups:
        message = _town_overdue(month, town, overdue_groups, policy)
        message.users, message.user_channels = leaders, user_channels
        planned.append(message)
    if leaders and ReminderKind.MONTHLY_SUMMARY in kinds and groups:
        message = _summary(month, town, groups, missing)
        message.users, message.user_channels = leaders, user_channels
        planned.append(message)
    return planned


# --- claiming ----------------------------------------------------------------------------

def _deliveries(planned: list[Planned], message_ids: dict, directory: Directory, batch=None):
    """(Delivery, Outgoing) for every recipient and channel of the planned messages."""
    for message in planned:
        message_id = message_ids.get(message.key)
        kind, period = message.kind, message.period
        for uid in message.users:
            name, email = directory.users[uid]
            for channel in message.user_channels:
                if channel == Channel.EMAIL and not email:
                    continue
                yield (Delivery(message_id=message_id, channel=channel,
                                recipient_key=f"user:{uid}", user_id=uid, batch=batch),
                       Outgoing(kind, period, message.subject, name, channel))
        for rid, channel in message.robots:
            yield (Delivery(message_id=message_id, channel=channel,
                            recipient_key=f"robot:{rid}", robot_id=rid, batch=batch),
                   Outgoing(kind, period, message.subject, directory.robot_names[rid],
                            channel))


def _message_ids(planned: list[Planned]) -> dict[tuple[str, str, str], int]:
    wanted = {m.key for m in planned}
    ids = {}
    for kind, period in {(k, p) for k, p, _t in wanted}:
        for topic, pk in Message.objects.filter(kind=kind, period=period).values_list(
                "topic", "pk"):
            if (kind, period, topic) in wanted:
                ids[(kind, period, topic)] = pk
    return ids


def _existing(message_ids: dict) -> set[tuple[int, str, str]]:
    rows = set()
    ids = list(message_ids.values())
    for start in range(0, len(ids), 5000):
        rows |= set(Delivery.objects.filter(message_id__in=ids[start:start + 5000])
                    .values_list("message_id", "recipient_key", "channel"))
    return rows


def dispatch(today: date, *, dry_run: bool = False, town_ids=None,
             queue: bool = True) -> Result:
    """Claim every reminder due on `today` and not yet claimed; queue the new deliveries
    on commit (unless `queue` is false: the caller delivers them). A dry run writes
    nothing and reports what would be sent."""
    started = time.perf_counter()
    planned, directory = plan(today, town_ids)
    timings = {"plan": time.perf_counter() - started}
    if not planned:
        return Result([], [], timings)
    if dry_run:
        message_ids = _message_ids(planned)
        existing = _existing(message_ids)
        outgoing = [out for row, out in _deliveries(planned, message_ids, directory)
                    if row.message_id is None
                    or (row.message_id, row.recipient_key, row.channel) not in existing]
        return Result(outgoing, [], timings)
    batch = uuid.uuid4()
    started = time.perf_counter()
    with transaction.atomic():
        insert_ignoring_conflicts(Message, [
            Message(kind=m.kind, period=m.period, topic=m.topic,
                    town_id=m.town_id, subject=m.subject[:200], context=m.context,
                    url=m.url) for m in planned])
        message_ids = _message_ids(planned)
        timings["messages"] = time.perf_counter() - started
        # Rows claimed by an earlier run are left out before inserting; the unique
        # constraint still settles a race with a concurrent run.
        existing = _existing(message_ids)
        pairs = [(row, out) for row, out in _deliveries(planned, message_ids, directory,
                                                        batch)
                 if (row.message_id, row.recipient_key, row.channel) not in existing]
        insert_ignoring_conflicts(Delivery, [row for row, _out in pairs])
        claimed = list(Delivery.objects.filter(batch=batch).values_list(
            "pk", "message_id", "recipient_key", "channel"))
        new = {row[1:] for row in claimed}
        new_ids = [row[0] for row in claimed]
        if queue:
            deliveries.enqueue(new_ids)
    timings["claim"] = time.perf_counter() - started
    outgoing = [out for row, out in pairs
                if (row.message_id, row.recipient_key, row.channel) in new]
    return Result(outgoing, new_ids, timings)
