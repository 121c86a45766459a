"""The permission matrix: every URL of the portal, with who may reach it.

Each feature adds its URLs here; `test_every_url_is_in_the_matrix` fails otherwise.
`kwargs` and `data` take pytest's fixture request, so a row can ask for any fixture
(`request.getfixturevalue("village_a")`). The users are the conftest trio plus
`leader_a`, `secretary_a` and whatever fixture a row names as its `owner`.
"""

from collections.abc import Callable
from dataclasses import dataclass, field


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


POLICY_FORM = {"enabled": "on", "deadline_day": 5, "due_days_before": 3,
               "overdue_days_after": 1, "leader_days_after": 3, "town_leader_days_after": 7,
               "summary_days_after": 2}
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


CASES: list[Case] = [
    Case("home", scoped=False, ok=(302,)),
    Case("villages:list", scoped=False),
    Case("villages:detail", village_code),
    Case("villages:edit", village_code, write=True, forbidden_to=("secretary_a",)),
    Case("villages:edit", village_code, method="post", write=True,
         data=lambda r: {"population": 1234, "households": 300, "party_members": 41,
                         "farmland_mu": "2000.0"},
         ok=(302,), forbidden_to=("secretary_a",)),
    Case("notifications:list", scoped=False),
    Case("notifications:history", scoped=False),
    Case("notifications:badge", scoped=False),
    Case("notifications:read_all", method="post", scoped=False, ok=(302,)),
    Case("notifications:read", observers_notification, method="post", owner="observer_a",
         ok=(302,)),
    Case("reminders:towns", scoped=False),
    Case("reminders:policy", town_code),
    Case("reminders:policy", town_code, method="post", write=True, owner="leader_a",
         data=lambda r: POLICY_FORM, ok=(302,), forbidden_to=("official_a",)),
    # dashboards (issue 5)
    Case("rulesets:mine", scoped=False, ok=(302,)),
    Case("rulesets:in_force", village_code),
    Case("rulesets:in_force", town_code),
    Case("dashboards:mine", scoped=False, ok=(302,)),
    Case("dashboards:village", village_code),
    Case("dashboards:town", town_code),
    Case("dashboards:unit", town_code, ok=(302,)),  # a town's overview is its dashboard
    Case("dashboards:points_add", town_code, write=True, owner="leader_a",
         forbidden_to=("official_a",)),
    Case("dashboards:points_add", town_code, method="post", write=True, owner="leader_a",
         data=points_data, ok=(302,), forbidden_to=("official_a",)),
    Case("dashboards:points_delete", ledger_pk, method="post", write=True, owner="leader_a",
         ok=(302,), forbidden_to=("official_a",)),
    Case("dashboards:pairing_add", town_code, write=True, owner="leader_a",
         forbidden_to=("official_a",)),
    Case("dashboards:pairing_add", town_code, method="post", write=True, owner="leader_a",
         data=pairing_data, ok=(302,), forbidden_to=("official_a",)),
    Case("dashboards:pairing", pairing_pk),
    Case("dashboards:pairing", pairing_pk, method="post", write=True, owner="leader_a",
         data=lambda r: {"date": "2026-11-03", "title": "互学"}, ok=(302,),
         forbidden_to=("official_a",)),
    Case("dashboards:bulletin", town_quarter),
    Case("dashboards:bulletin_xlsx", town_quarter),
]

# URL names that are public or belong to Django's own machinery, outside the matrix.
OUTSIDE_MATRIX = {"login", "logout", "set_language"}
