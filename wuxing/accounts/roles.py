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
    "manage_reminders": frozenset({Role.TOWN_LEADER, Role.ADMIN}),
    # the town's points ledger, pairings and their activities
    "manage_town_records": frozenset({Role.TOWN_LEADER, Role.ADMIN}),
    # Star reviews (scoring/reviews): each review step also checks the membership's level.
    "apply": frozenset({Role.VILLAGE_SECRETARY, Role.TOWN_OFFICIAL, Role.ADMIN}),
    "pre_review": frozenset({Role.TOWN_LEADER, Role.ADMIN}),
    "city_review": frozenset({Role.COUNTY_REVIEWER, Role.ADMIN}),
    "county_review": frozenset({Role.COUNTY_REVIEWER, Role.ADMIN}),
    "publish_notice": frozenset({Role.COUNTY_REVIEWER, Role.ADMIN}),
    "award": frozenset({Role.COUNTY_REVIEWER, Role.ADMIN}),
    "revoke": frozenset({Role.COUNTY_REVIEWER, Role.ADMIN}),
    # a recompute run over the county's villages (scoring/runs.py)
    "recompute": frozenset({Role.COUNTY_REVIEWER, Role.ADMIN}),
    # Logged-in objections during the public notice: every role that acts (observers
    # never act; the public objects without an account, see reviews/awarding.may_object).
    "file_objection": frozenset(set(Role.values) - {Role.OBSERVER}),
    # Monthly progress (scoring.progress). Verifying is also open to the leader of the
    # star working group covering the village: scoring/progress/workflow.py checks that.
    "enter_progress": frozenset({Role.TOWN_OFFICIAL, Role.TOWN_LEADER, Role.ADMIN}),
    "verify_entry": frozenset({Role.TOWN_LEADER, Role.ADMIN}),
    "reopen_month": frozenset({Role.TOWN_LEADER, Role.ADMIN}),
    # the town's reporting deadline and evidence limit (locks and unlocks months)
    "manage_periods": frozenset({Role.TOWN_LEADER, Role.ADMIN}),
    # Lifting login locks (accounts/locks/): province-wide administrators only, checked
    # against the empty code. A lock is not tied to a place, and a county reviewer
    # unlocking "their" user would also unlock an attacker's guesses at that account.
    "unlock_logins": frozenset({Role.ADMIN}),
    # The audit log page (wuxing/ops/audit.py): reviewers see their county's events only.
    "view_audit": frozenset({Role.COUNTY_REVIEWER, Role.ADMIN}),
    "add_evidence": frozenset({Role.TOWN_OFFICIAL, Role.TOWN_LEADER, Role.VILLAGE_SECRETARY,
                               Role.ADMIN}),
}
