"""The permission matrix: every URL of the portal, with who may reach it.

Each feature adds its URLs here; `test_every_url_is_in_the_matrix` fails otherwise.
`kwargs` and `data` take pytest's fixture request, so a row can ask for any fixture
(`request.getfixturevalue("village_a")`). The users are the conftest trio plus
`leader_a`, `secretary_a` and whatever fixture a row names as its `owner`.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

# A user of town A (or its county) for every role, by fixture name.
ROLE_USERS = {
    "town_official": "official_a", "observer": "observer_a", "town_leader": "leader_a",
    "village_secretary": "secretary_a", "county_reviewer": "reviewer_a", "admin": "admin_a",
}


def _none(request) -> dict:
    return {}


@dataclass(frozen=True)
class Case:
    name: str
    kwargs: Callable = _none
    method: str = "get"
    write: bool = False  # observers get 403
    scoped: bool = True  # an official of another town gets 404
    owner: str = "official_a"  # the fixture of a user who may do it
    data: Callable = _none
    ok: tuple[int, ...] = (200, 302)
    # roles of town A that see the object but may not act, beyond the observer
    forbidden_to: tuple[str, ...] = field(default=())
    anonymous: bool = False  # public (login_not_required): anonymous users get `ok`
    # The ACTION_ROLES entry (or entries: any of them) the URL takes: each role's outcome
    # inside the jurisdiction is derived from it (allowed: `ok`; else 403).
    action: str | tuple[str, ...] | None = None
    # Where a role's outcome differs from that rule, role -> statuses, with the reason
    # in a comment at the row.
    outcomes: dict = field(default_factory=dict)
    # The object belongs to a town or county: a village secretary does not see it (404).
    above_village: bool = False

    @property
    def allowed_roles(self) -> frozenset[str]:
        from wuxing.accounts.roles import ACTION_ROLES
        actions = (self.action,) if isinstance(self.action, str) else self.action or ()
        return frozenset().union(*(ACTION_ROLES[a] for a in actions))

    def expected(self, role: str) -> tuple[int, ...]:
        """The statuses a user of `role` (of town A or its county) gets from this row."""
        if role in self.outcomes:
            return self.outcomes[role]
        if role == "village_secretary" and self.above_village:
            return (404,)
        return self.ok if role in self.allowed_roles else (403,)

    @property
    def id(self) -> str:
        return f"{self.method.upper()} {self.name}"


def village_code(request) -> dict:
    return {"code": request.getfixturevalue("village_a").code}


def town_code(request) -> dict:
    return {"code": request.getfixturevalue("town_a").code}


def observers_notification(request) -> dict:
    # Everyone, the read-only observer included, may mark their own notification read.
    from wuxing.notifications.models import Notification
    note = Notification.objects.create(recipient=request.getfixturevalue("observer_a"),
                                       title="提醒")
    return {"pk": note.pk}


POLICY_FORM = {"enabled": "on", "due_days_before": 3,
               "overdue_days_after": 1, "leader_days_after": 3, "town_leader_days_after": 7,
               "summary_days_after": 2, "review_waiting_days": 5}
ROBOT_FORM = {"kind": "wecom", "enabled": "on",
              "webhook_url": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k"}


def town_group(request) -> dict:
    from villages.models import WorkingGroup
    group, _ = WorkingGroup.objects.get_or_create(
        town=request.getfixturevalue("town_a"), kind="star", star="industry",
        defaults={"name": "产业兴旺星专班"})
    return {"pk": group.pk}


def town_robot(request) -> dict:
    from wuxing.notifications.models import GroupRobot
    robot = GroupRobot.objects.create(group_id=town_group(request)["pk"], kind="wecom",
                                      webhook_url=ROBOT_FORM["webhook_url"])
    return {"pk": robot.pk}


def town_quarter(request) -> dict:
    return {"code": request.getfixturevalue("town_a").code, "quarter": "2026Q3"}


def ledger_pk(request) -> dict:
    from scoring.dashboards.models import PointsLedger
    village = request.getfixturevalue("village_a")
    entry = PointsLedger.objects.create(town=village.town, village=village,
                                        date="2026-11-02", points=5, reason="测试")
    return {"pk": entry.pk}


def pairing_pk(request) -> dict:
    from scoring.dashboards.models import Pairing
    from tests.factories import VillageFactory
    village = request.getfixturevalue("village_a")
    partner = VillageFactory(town=village.town)
    pairing, _ = Pairing.objects.get_or_create(town=village.town, village=village,
                                               partner=partner, started="2026-11-01")
    return {"pk": pairing.pk}


def points_data(request) -> dict:
    return {"village": request.getfixturevalue("village_a").pk, "date": "2026-11-02",
            "points": 5, "reason": "表彰"}


def pairing_data(request) -> dict:
    from tests.factories import VillageFactory
    village = request.getfixturevalue("village_a")
    return {"village": village.pk, "partner": VillageFactory(town=village.town).pk,
            "started": "2026-11-02", "star_choices": ["industry"]}
def village_month(request) -> dict:
    month = request.getfixturevalue("progress_may")
    return {"code": request.getfixturevalue("village_a").code, "month": f"{month:%Y-%m}"}


def village_indicator(request) -> dict:
    return {**village_month(request), "indicator": "member_points_rate"}


def town_month(request) -> dict:
    month = request.getfixturevalue("progress_may")
    return {"code": request.getfixturevalue("town_a").code, "month": f"{month:%Y-%m}"}


def entry_pk(request) -> dict:
    return {"pk": request.getfixturevalue("submitted_entry_a").pk}


def verify_row(request) -> dict:
    entry = request.getfixturevalue("submitted_entry_a")
    return {"row": f"verify:{entry.pk}", f"version_{entry.pk}": str(entry.version)}


def evidence_pk(request) -> dict:
    return {"pk": request.getfixturevalue("evidence_a").pk}


def group_month(request) -> dict:
    month = request.getfixturevalue("progress_may")
    return {"pk": request.getfixturevalue("star_group_a").pk, "month": f"{month:%Y-%m}"}


def sheet_token(request) -> dict:
    return {**town_month(request), "token": request.getfixturevalue("pending_sheet_a").token}


CASES: list[Case] = [
    Case("home", scoped=False, ok=(302,)),
    Case("villages:list", scoped=False),
    Case("villages:detail", village_code),
    Case("villages:edit", village_code, write=True, forbidden_to=("secretary_a",),
         action="edit_village"),
    Case("villages:edit", village_code, method="post", write=True,
         data=lambda r: {"population": 1234, "households": 300, "party_members": 41,
                         "farmland_mu": "2000.0"},
         ok=(302,), forbidden_to=("secretary_a",), action="edit_village"),
    Case("notifications:list", scoped=False),
    Case("notifications:history", scoped=False),
    Case("notifications:badge", scoped=False),
    Case("notifications:read_all", method="post", scoped=False, ok=(302,)),
    Case("notifications:read", observers_notification, method="post", owner="observer_a",
         ok=(302,)),
    Case("reminders:towns", scoped=False),
    Case("reminders:policy", town_code),
    Case("reminders:policy", town_code, method="post", write=True, owner="leader_a",
         data=lambda r: POLICY_FORM, ok=(302,), forbidden_to=("official_a",),
         action="manage_reminders", above_village=True),
    Case("reminders:period", town_code, method="post", write=True, owner="leader_a",
         data=lambda r: {"period-deadline_day": 8, "period-evidence_limit": 40}, ok=(302,),
         forbidden_to=("official_a",), action="manage_periods", above_village=True),
    Case("reminders:robots", town_group),
    Case("reminders:robots", town_group, method="post", write=True, owner="leader_a",
         data=lambda r: ROBOT_FORM, ok=(302,), forbidden_to=("official_a",),
         action="manage_groups", above_village=True),
    Case("reminders:robot_delete", town_robot, method="post", write=True, owner="leader_a",
         ok=(302,), forbidden_to=("official_a",), action="manage_groups", above_village=True),
    # dashboards (issue 5)
    Case("rulesets:mine", scoped=False, ok=(302,)),
    Case("rulesets:in_force", village_code),
    Case("rulesets:in_force", town_code),
    Case("dashboards:mine", scoped=False, ok=(302,)),
    Case("dashboards:village", village_code),
    Case("dashboards:town", town_code),
    Case("dashboards:unit", town_code, ok=(302,)),  # a town's overview is its dashboard
    Case("dashboards:points_add", town_code, write=True, owner="leader_a",
         forbidden_to=("official_a",), action="manage_town_records", above_village=True),
    Case("dashboards:points_add", town_code, method="post", write=True, owner="leader_a",
         data=points_data, ok=(302,), forbidden_to=("official_a",),
         action="manage_town_records", above_village=True),
    Case("dashboards:points_delete", ledger_pk, method="post", write=True, owner="leader_a",
         ok=(302,), forbidden_to=("official_a",), action="manage_town_records", above_village=True),
    Case("dashboards:pairing_add", town_code, write=True, owner="leader_a",
         forbidden_to=("official_a",), action="manage_town_records", above_village=True),
    Case("dashboards:pairing_add", town_code, method="post", write=True, owner="leader_a",
         data=pairing_data, ok=(302,), forbidden_to=("official_a",),
         action="manage_town_records", above_village=True),
    Case("dashboards:pairing", pairing_pk),
    Case("dashboards:pairing", pairing_pk, method="post", write=True, owner="leader_a",
         data=lambda r: {"date": "2026-11-03", "title": "互学"}, ok=(302,),
         forbidden_to=("official_a",), action="manage_town_records", above_village=True),
    Case("dashboards:bulletin", town_quarter),
    Case("dashboards:bulletin_xlsx", town_quarter),
    # Monthly progress
    Case("progress:index", scoped=False),
    Case("progress:month", village_month),
    Case("progress:preview", village_month),
    Case("progress:save", village_indicator, method="post", write=True, ok=(302,),
         data=lambda r: {"value": "90", "version": "0"}, forbidden_to=("secretary_a",),
         action="enter_progress"),
    Case("progress:carry", village_indicator, method="post", write=True, ok=(302,),
         data=lambda r: {"version": "0"}, forbidden_to=("secretary_a",), action="enter_progress"),
    Case("progress:submit", village_month, method="post", write=True, ok=(302,),
         forbidden_to=("secretary_a",), action="enter_progress"),
    Case("progress:reopen", village_month, write=True, owner="leader_a",
         forbidden_to=("official_a", "secretary_a"), action="reopen_month"),
    Case("progress:reopen", village_month, method="post", write=True, owner="leader_a",
         data=lambda r: {"reason": "补录遗漏的会议记录"}, ok=(302,),
         forbidden_to=("official_a", "secretary_a"), action="reopen_month"),
    Case("progress:add_evidence", village_indicator, method="post", write=True, ok=(302,),
         owner="secretary_a", action="add_evidence"),
    Case("progress:verify", entry_pk, method="post", write=True, owner="leader_a", ok=(302,),
         data=lambda r: {"version": "1"}, forbidden_to=("official_a", "secretary_a"),
         action="verify_entry"),
    Case("progress:return", entry_pk, method="post", write=True, owner="leader_a", ok=(302,),
         data=lambda r: {"version": "1", "reason": "数据不准"},
         forbidden_to=("official_a", "secretary_a"), action="verify_entry"),
    Case("progress:verification", scoped=False, owner="leader_a"),
    Case("progress:verification_act", method="post", write=True, owner="leader_a", ok=(302,),
         data=lambda r: verify_row(r), forbidden_to=("official_a", "secretary_a"),
         action="verify_entry"),
    Case("progress:evidence_file", evidence_pk),
    Case("progress:evidence_thumbnail", evidence_pk),
    Case("progress:remove_evidence", evidence_pk, method="post", write=True, ok=(302,),
         owner="secretary_a", action="add_evidence"),
    Case("progress:grid", group_month),
    Case("progress:completeness", town_month),
    Case("progress:sheet_download", town_month),
    # A village secretary does not see town pages at all (404, outside the village).
    Case("progress:sheet_upload", town_month, write=True,
         action="enter_progress", above_village=True),
    # A checked sheet waits for the one who uploaded it: anyone else finds nothing (404).
    Case("progress:sheet_confirm", sheet_token, method="post", write=True, ok=(302,),
         action="enter_progress", above_village=True,
         outcomes={"town_leader": (404,), "admin": (404,)}),
]

# URL names that are public or belong to Django's own machinery, outside the matrix.
OUTSIDE_MATRIX = {"login", "logout", "set_language"}


# --- star reviews (scoring/reviews) ---------------------------------------------------------

def decisions(state) -> dict:
    from tests.reviews.fixtures import decisions
    return decisions(state)


def _pk(fixture: str) -> Callable:
    return lambda request: {"pk": request.getfixturevalue(fixture).pk}


def _state(fixture: str, **extra) -> Callable:
    def data(request) -> dict:
        return {"state": request.getfixturevalue(fixture).state, **extra}
    return data


def _publish_data(request) -> dict:
    from django.utils import timezone
    request.getfixturevalue("app_approved")
    return {"starts_on": timezone.localdate().isoformat()}


def _apply_data(request) -> dict:
    request.getfixturevalue("cycle_a")
    return {"stars": ["industry"], "why_industry": "集体经济收入已达标，账目待核"}


def _cycle_data(request) -> dict:
    return {"year": 2030, "opens_on": "2030-03-01", "closes_on": "2030-04-30",
            "notice_days": 5, "overdue_days": 7, "chain_text": "town,county",
            "holidays_text": "2030-04-05"}


def _public_board(request) -> dict:
    return {"code": request.getfixturevalue("town_a").code[:6]}


def _public_application(request) -> dict:
    return {**_public_board(request), "pk": request.getfixturevalue("app_notice").pk}


_COUNTY = {"owner": "reviewer_a", "write": True, "forbidden_to": ("leader_a",)}
_TOWN = {"owner": "leader_a", "write": True, "forbidden_to": ("secretary_a", "official_a")}

def town_run(request) -> dict:
    from scoring.models import RecomputeRun
    run = RecomputeRun.objects.create(scope=request.getfixturevalue("town_a").prefix,
                                      months=["2026-03-01"])
    return {"pk": run.pk}


CASES += [
    Case("rulesets:recompute", town_code, method="post", ok=(302,), **_COUNTY,
         action="recompute", above_village=True),
    Case("rulesets:run", town_run),
]

CASES += [
    Case("reviews:queue", scoped=False),
    Case("reviews:mine", scoped=False),
    Case("reviews:apply", village_code, write=True, owner="secretary_a",
         forbidden_to=("leader_a",), action="apply"),
    Case("reviews:apply", village_code, method="post", write=True, owner="secretary_a",
         data=_apply_data, ok=(302,), forbidden_to=("leader_a",), action="apply"),
    Case("reviews:detail", _pk("app_town")),
    Case("reviews:resubmit", _pk("app_returned"), write=True, owner="secretary_a",
         forbidden_to=("leader_a",), action="apply"),
    Case("reviews:resubmit", _pk("app_returned"), method="post", write=True,
         owner="secretary_a", ok=(302,), forbidden_to=("leader_a",),
         data=_state("app_returned", **{"fix_star:industry": "已补充分红凭证"}), action="apply"),
    Case("reviews:pass", _pk("app_town"), method="post", data=_state("app_town"),
         ok=(302,), **_TOWN, action="pre_review"),
    Case("reviews:return", _pk("app_town"), method="post", ok=(302,),
         data=_state("app_town", star_industry="缺少合作社分红凭证"), **_TOWN, action="pre_review"),
    Case("reviews:approve", _pk("app_county"), method="post", ok=(302,),
         data=lambda r: decisions(r.getfixturevalue("app_county").state), **_COUNTY,
         action="county_review"),
    Case("reviews:reject", _pk("app_county"), method="post", ok=(302,),
         data=_state("app_county", reason="材料不实"), **_COUNTY, action="county_review"),
    # The first POST shows what will be approved (200); the confirmed POST does it.
    Case("reviews:bulk", method="post", scoped=False, ok=(200,),
         data=lambda r: {"ids": [r.getfixturevalue("app_county").pk]}, owner="reviewer_a",
         write=True, forbidden_to=("secretary_a",),
         action=("pre_review", "city_review", "county_review")),
    Case("reviews:object", _pk("app_notice"), method="post", ok=(302,), write=True,
         data=lambda r: {"star": "industry", "text": "分红账目未公开"}, action="file_objection"),
    Case("reviews:record_objection", _pk("app_notice"), method="post", ok=(302,),
         data=lambda r: {"star": "", "text": "来信反映", "source": "群众来信"}, **_COUNTY,
         action="publish_notice"),
    Case("reviews:resolve", _pk("objection_a"), method="post", ok=(302,),
         data=lambda r: {"status": "dismissed", "resolution": "经核查不属实"}, **_COUNTY,
         action="publish_notice"),
    Case("reviews:award", _pk("app_notice_over"), method="post", ok=(302,), **_COUNTY,
         action="award"),
    Case("reviews:certificate", _pk("award_a")),
    Case("reviews:revoke", _pk("award_a"), method="post", ok=(302,),
         data=lambda r: {"reason": "发生刑事案件"}, **_COUNTY, action="revoke"),
    Case("reviews:reinstate", _pk("award_revoked"), method="post", ok=(302,),
         data=lambda r: {"reason": "案件经查与村两委无关"}, **_COUNTY, action="revoke"),
    # Cycles belong to the county: an official of another town of it sees them too.
    Case("reviews:cycles", scoped=False),
    # An administrator has no county of its own to open a cycle for (a cycle is created
    # for the county of the reviewer's membership): 403.
    Case("reviews:cycle_create", scoped=False, **_COUNTY,
         action="county_review", outcomes={"admin": (403,)}),
    Case("reviews:cycle_create", method="post", scoped=False, data=_cycle_data, ok=(302,),
         **_COUNTY, action="county_review", outcomes={"admin": (403,)}),
    Case("reviews:cycle", _pk("cycle_a"), scoped=False),
    Case("reviews:cycle_edit", _pk("cycle_a"), scoped=False, **_COUNTY,
         action="county_review"),
    Case("reviews:cycle_target", _pk("cycle_a"), scoped=False, **_COUNTY,
         action="county_review"),
    Case("reviews:cycle_target", _pk("cycle_a"), method="post", scoped=False, ok=(302,),
         data=lambda r: {"min_level_all": 3, "share_four_plus": 30, "share_five": 5},
         **_COUNTY, action="county_review"),
    Case("reviews:cycle_edit", _pk("cycle_a"), method="post", scoped=False, ok=(302,),
         data=_cycle_data, **_COUNTY, action="county_review"),
    Case("reviews:publish", _pk("cycle_a"), method="post", scoped=False, ok=(302,),
         data=_publish_data, **_COUNTY, action="publish_notice"),
    Case("reviews:notice", _pk("cycle_a"), scoped=False),
    # The public 公示 board: no login; anyone objects, a logged-in observer does not act.
    Case("reviews:public_notice", _public_board, scoped=False, anonymous=True),
    Case("reviews:public_object", _public_application, method="post", scoped=False,
         anonymous=True, write=True, ok=(302,), action="file_objection",
         data=lambda r: {"name": "张三", "contact": "13800000000", "star": "",
                         "text": "分红名单未张贴"}),
]


# --- login locks (wuxing/accounts): province-wide administrators only ---------------------

def _locked_account(request) -> dict:
    from axes.models import AccessAttempt
    from django.utils import timezone
    AccessAttempt.objects.get_or_create(
        username="locked-user", ip_address="203.0.113.9", user_agent="",
        defaults={"get_data": "", "post_data": "", "failures_since_start": 5,
                  "attempt_time": timezone.now()})
    return {"kind": "account", "value": "locked-user"}


_ADMIN = {"owner": "admin_user", "write": True, "scoped": False,
          "forbidden_to": ("official_a", "leader_a", "reviewer_a")}

CASES += [
    Case("accounts:locks", **_ADMIN, action="unlock_logins"),
    Case("accounts:unlock", method="post", data=_locked_account, ok=(302,), **_ADMIN,
         action="unlock_logins"),
]


# --- the audit log (wuxing/ops/audit.py): administrators and county reviewers --------------
# Reading, yet observers get 403: `write=True` expresses that. The page has no object of a
# place, so another town's official gets 403 (not a reviewer), not 404.
_AUDIT = {"owner": "reviewer_a", "write": True, "scoped": False,
          "forbidden_to": ("official_a", "leader_a", "secretary_a")}

CASES += [
    Case("ops:audit", **_AUDIT, action="view_audit"),
    Case("ops:audit_export", **_AUDIT, action="view_audit"),
]
# The health endpoint answers without a login (tests/ops/test_health.py).
OUTSIDE_MATRIX = OUTSIDE_MATRIX | {"health"}
