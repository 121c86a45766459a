"""Roles and the actions each role may take. One table, read by `access.can()`."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    VILLAGE_SECRETARY = "village_secretary", _("Village Party secretary")
    TOWN_OFFICIAL = "town_official", _("Town official")
    TOWN_LEADER = "town_leader", _("Town leader")
    COUNTY_REVIEWER = "county_reviewer", _("County reviewer")
    OBSERVER = "observer", _("Observer (read-only)")
    ADMIN = "admin", _("Administrator")


# Which roles may take an action on an object whose division code lies inside the
# membership's scope. Observers appear nowhere: they may see, never act. Later apps add
# their actions here so that the whole permission picture stays on one screen.
ACTION_ROLES: dict[str, frozenset[str]] = {
    "edit_village": frozenset({Role.TOWN_OFFICIAL, Role.TOWN_LEADER, Role.ADMIN}),
    "manage_groups": frozenset({Role.TOWN_LEADER, Role.ADMIN}),
    # Monthly progress (scoring.progress). Verifying is also open to the leader of the
    # star working group covering the village: scoring/progress/workflow.py checks that.
    "enter_progress": frozenset({Role.TOWN_OFFICIAL, Role.TOWN_LEADER, Role.ADMIN}),
    "verify_entry": frozenset({Role.TOWN_LEADER, Role.ADMIN}),
    "reopen_month": frozenset({Role.TOWN_LEADER, Role.ADMIN}),
    "add_evidence": frozenset({Role.TOWN_OFFICIAL, Role.TOWN_LEADER, Role.VILLAGE_SECRETARY,
                               Role.ADMIN}),
}
