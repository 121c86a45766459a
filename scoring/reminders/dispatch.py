"""The daily dispatcher: every reminder due today and not yet sent, claimed and queued.

`plan()` decides, from the towns' policies and the missing entries, which messages are
due and to whom; `dispatch()` claims them — a `Message` per (kind, period, topic) and a
`Delivery` per recipient and channel, both behind unique constraints, inserted with
ON CONFLICT DO NOTHING — and queues only the rows this run created. Running it twice,
or from two schedulers at once, sends each message once.
"""

from __future__ import annotations

import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.db import transaction
from django.db.models import Count
from django.utils import translation

from scoring.progress.models import DEFAULT_DEADLINE_DAY, TownPeriodSetting
from villages.models import AdminUnit, GroupKind, Village, WorkingGroup
from wuxing.accounts.models import Membership, User
from wuxing.accounts.roles import Role
from wuxing.notifications import delivery as deliveries
from wuxing.notifications.bulk import insert_ignoring_conflicts
from wuxing.notifications.models import Channel, Delivery, GroupRobot, Message

from . import extra_kinds, sources
from .kinds import ReminderKind
from .messages import Planned, group_message, town_overdue, town_summary
from .models import ReminderPolicy


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
                message = group_message(kind, month, town, group, items, policy)
                message.users, message.user_channels = members, user_channels
                message.robots = robots
                planned.append(message)
        leader = group["leader_id"]
        if ReminderKind.OVERDUE_LEADER in kinds and leader in directory.users:
            message = group_message(ReminderKind.OVERDUE_LEADER, month, town, group, items,
                                     policy)
            message.users, message.user_channels = [leader], user_channels
            planned.append(message)
    leaders = [u for u in directory.town_leaders.get(town.pk, []) if u in directory.users]
    if leaders and ReminderKind.OVERDUE_TOWN in kinds and overdue_groups:
        message = town_overdue(month, town, overdue_groups, policy)
        message.users, message.user_channels = leaders, user_channels
        planned.append(message)
    if leaders and ReminderKind.MONTHLY_SUMMARY in kinds and groups:
        message = town_summary(month, town, groups, missing)
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
