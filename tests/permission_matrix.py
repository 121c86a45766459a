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


CASES: list[Case] = [
    Case("home", scoped=False, ok=(302,)),
    Case("villages:list", scoped=False),
    Case("villages:detail", village_code),
    Case("villages:edit", village_code, write=True, forbidden_to=("secretary_a",)),
    Case("villages:edit", village_code, method="post", write=True,
         data=lambda r: {"population": 1234, "households": 300, "party_members": 41,
                         "farmland_mu": "2000.0"},
         ok=(302,), forbidden_to=("secretary_a",)),
]

# URL names that are public or belong to Django's own machinery, outside the matrix.
OUTSIDE_MATRIX = {"login", "logout", "set_language"}


# --- star reviews (scoring/reviews) ---------------------------------------------------------

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


_COUNTY = {"owner": "reviewer_a", "write": True, "forbidden_to": ("leader_a",)}
_TOWN = {"owner": "leader_a", "write": True, "forbidden_to": ("secretary_a", "official_a")}

CASES += [
    Case("reviews:queue", scoped=False),
    Case("reviews:mine", scoped=False),
    Case("reviews:apply", village_code, write=True, owner="secretary_a",
         forbidden_to=("leader_a",)),
    Case("reviews:apply", village_code, method="post", write=True, owner="secretary_a",
         data=_apply_data, ok=(302,), forbidden_to=("leader_a",)),
    Case("reviews:detail", _pk("app_town")),
    Case("reviews:resubmit", _pk("app_returned"), write=True, owner="secretary_a",
         forbidden_to=("leader_a",)),
    Case("reviews:resubmit", _pk("app_returned"), method="post", write=True,
         owner="secretary_a", ok=(302,), forbidden_to=("leader_a",),
         data=_state("app_returned", **{"fix_star:industry": "已补充分红凭证"})),
    Case("reviews:pass", _pk("app_town"), method="post", data=_state("app_town"),
         ok=(302,), **_TOWN),
    Case("reviews:return", _pk("app_town"), method="post", ok=(302,),
         data=_state("app_town", star_industry="缺少合作社分红凭证"), **_TOWN),
    Case("reviews:approve", _pk("app_county"), method="post", ok=(302,),
         data=_state("app_county", approve_industry="on"), **_COUNTY),
    Case("reviews:reject", _pk("app_county"), method="post", ok=(302,),
         data=_state("app_county", reason="材料不实"), **_COUNTY),
    Case("reviews:bulk", method="post", scoped=False, ok=(302,),
         data=lambda r: {"ids": [r.getfixturevalue("app_county").pk]}, owner="reviewer_a",
         write=True, forbidden_to=("secretary_a",)),
    Case("reviews:object", _pk("app_notice"), method="post", ok=(302,),
         data=lambda r: {"star": "industry", "text": "分红账目未公开"}),
    Case("reviews:record_objection", _pk("app_notice"), method="post", ok=(302,),
         data=lambda r: {"star": "", "text": "来信反映", "source": "群众来信"}, **_COUNTY),
    Case("reviews:resolve", _pk("objection_a"), method="post", ok=(302,),
         data=lambda r: {"status": "dismissed", "resolution": "经核查不属实"}, **_COUNTY),
    Case("reviews:award", _pk("app_notice_over"), method="post", ok=(302,), **_COUNTY),
    Case("reviews:certificate", _pk("award_a")),
    Case("reviews:revoke", _pk("award_a"), method="post", ok=(302,),
         data=lambda r: {"reason": "发生刑事案件"}, **_COUNTY),
    Case("reviews:reinstate", _pk("award_revoked"), method="post", ok=(302,),
         data=lambda r: {"reason": "案件经查与村两委无关"}, **_COUNTY),
    # Cycles belong to the county: an official of another town of it sees them too.
    Case("reviews:cycles", scoped=False),
    Case("reviews:cycle_create", scoped=False, **_COUNTY),
    Case("reviews:cycle_create", method="post", scoped=False, data=_cycle_data, ok=(302,),
         **_COUNTY),
    Case("reviews:cycle", _pk("cycle_a"), scoped=False),
    Case("reviews:cycle_edit", _pk("cycle_a"), scoped=False, **_COUNTY),
    Case("reviews:cycle_edit", _pk("cycle_a"), method="post", scoped=False, ok=(302,),
         data=_cycle_data, **_COUNTY),
    Case("reviews:publish", _pk("cycle_a"), method="post", scoped=False, ok=(302,),
         data=_publish_data, **_COUNTY),
    Case("reviews:notice", _pk("cycle_a"), scoped=False),
]
