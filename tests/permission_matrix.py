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
]

# URL names that are public or belong to Django's own machinery, outside the matrix.
OUTSIDE_MATRIX = {"login", "logout", "set_language"}
