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


def scope_acts(role: str, prefix: str, action: str, prefix_length: int) -> bool:
    """Whether a membership (a role at a scope prefix) takes `action` at the level whose
    prefixes have `prefix_length` digits: the one definition of who acts at a step,
    behind the permission checks, the review queues and the reminders."""
    return role in ACTION_ROLES[action] and (role == Role.ADMIN or len(prefix) == prefix_length)


def reviews_at(role: str, prefix: str, step: str) -> bool:
    """Whether a membership is the reviewer at `step` for the codes under its prefix."""
    return scope_acts(role, prefix, STEP_ACTION[step], STEP_PREFIX[step])


def acts_at_level(user, action: str, division_code: str, prefix_length: int) -> bool:
    """May the user take `action` on the code through a membership at that level?"""
    return any(division_code.startswith(scope.prefix)
               and scope_acts(scope.role, scope.prefix, action, prefix_length)
               for scope in scopes_of(user))


def acts_at_step(user, step: str, division_code: str) -> bool:
    return acts_at_level(user, STEP_ACTION[step], division_code, STEP_PREFIX[step])


def county_acts(user, action: str, division_code: str) -> bool:
    """A county's own action on the code (county review, rating cycles, the notice,
    awards and revocations): through a membership at the county's level."""
    return acts_at_level(user, action, division_code, STEP_PREFIX[COUNTY])


def reviewer_counties(user) -> list[str]:
    """The county prefixes where the user is the county reviewer (an administrator of no
    county has none: a county's own work needs its county)."""
    return [scope.prefix for scope in scopes_of(user)
            if len(scope.prefix) == STEP_PREFIX[COUNTY]
            and reviews_at(scope.role, scope.prefix, COUNTY)]
