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
