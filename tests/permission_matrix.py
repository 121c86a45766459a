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
    Case("villages:edit", village_code, write=True, forbidden_to=("secretary_a",)),
    Case("villages:edit", village_code, method="post", write=True,
         data=lambda r: {"population": 1234, "households": 300, "party_members": 41,
                         "farmland_mu": "2000.0"},
         ok=(302,), forbidden_to=("secretary_a",)),
    # Monthly progress
    Case("progress:index", scoped=False),
    Case("progress:month", village_month),
    Case("progress:preview", village_month),
    Case("progress:save", village_indicator, method="post", write=True, ok=(302,),
         data=lambda r: {"value": "90", "version": "0"}, forbidden_to=("secretary_a",)),
    Case("progress:carry", village_indicator, method="post", write=True, ok=(302,),
         data=lambda r: {"version": "0"}, forbidden_to=("secretary_a",)),
    Case("progress:submit", village_month, method="post", write=True, ok=(302,),
         forbidden_to=("secretary_a",)),
    Case("progress:reopen", village_month, write=True, owner="leader_a",
         forbidden_to=("official_a", "secretary_a")),
    Case("progress:reopen", village_month, method="post", write=True, owner="leader_a",
         data=lambda r: {"reason": "补录遗漏的会议记录"}, ok=(302,),
         forbidden_to=("official_a", "secretary_a")),
    Case("progress:add_evidence", village_indicator, method="post", write=True, ok=(302,),
         owner="secretary_a"),
    Case("progress:verify", entry_pk, method="post", write=True, owner="leader_a", ok=(302,),
         data=lambda r: {"version": "1"}, forbidden_to=("official_a", "secretary_a")),
    Case("progress:return", entry_pk, method="post", write=True, owner="leader_a", ok=(302,),
         data=lambda r: {"version": "1", "reason": "数据不准"},
         forbidden_to=("official_a", "secretary_a")),
    Case("progress:evidence_file", evidence_pk),
    Case("progress:evidence_thumbnail", evidence_pk),
    Case("progress:grid", group_month),
    Case("progress:completeness", town_month),
    Case("progress:sheet_download", town_month),
    # A village secretary does not see town pages at all (404, outside the village).
    Case("progress:sheet_upload", town_month, write=True),
    Case("progress:sheet_confirm", sheet_token, method="post", write=True, ok=(302,)),
]

# URL names that are public or belong to Django's own machinery, outside the matrix.
OUTSIDE_MATRIX = {"login", "logout", "set_language"}
