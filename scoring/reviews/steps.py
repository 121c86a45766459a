"""The review chain: which steps exist, who acts at each, and at which level.

A cycle stores its chain as an ordered list of step names, e.g. ["town", "county"].
A reviewer acts at a step only through a membership at that step's level: a county
reviewer of the city (scope of 4 digits) acts at the city step, one of the county
(6 digits) at the county step; a town leader (9 digits) at the town step.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from wuxing.accounts.access import scopes_of
from wuxing.accounts.roles import ACTION_ROLES, Role

TOWN, CITY, COUNTY = "town", "city", "county"
STEP_ORDER = (TOWN, CITY, COUNTY)
DEFAULT_CHAIN = [TOWN, COUNTY]
STEP_LABELS = {TOWN: _("Town pre-review"), CITY: _("City review"), COUNTY: _("County review")}
# The action (ACTION_ROLES) a reviewer needs at each step.
STEP_ACTION = {TOWN: "pre_review", CITY: "city_review", COUNTY: "county_review"}
# Length of the scope prefix of a membership at the step's level.
STEP_PREFIX = {TOWN: 9, CITY: 4, COUNTY: 6}


def chain_errors(chain) -> list[str]:
    """Why a chain is not valid (empty when it is)."""
    if not isinstance(chain, list) or not chain:
        return [str(_("The review chain needs at least the county step."))]
    errors = []
    if any(step not in STEP_ORDER for step in chain):
        errors.append(str(_("Unknown step; use town, city and county.")))
    elif chain != sorted(set(chain), key=STEP_ORDER.index):
        errors.append(str(_("Steps go in the order town, city, county, each once.")))
    if chain[-1:] != [COUNTY]:
        errors.append(str(_("The county review is always the last step.")))
    return errors


def acts_at_level(user, action: str, division_code: str, prefix_length: int) -> bool:
    """May the user take `action` on the code through a membership at that level?"""
    allowed = ACTION_ROLES[action]
    for scope in scopes_of(user):
        if scope.role not in allowed or not division_code.startswith(scope.prefix):
            continue
        if scope.role == Role.ADMIN or len(scope.prefix) == prefix_length:
            return True
    return False


def acts_at_step(user, step: str, division_code: str) -> bool:
    return acts_at_level(user, STEP_ACTION[step], division_code, STEP_PREFIX[step])
