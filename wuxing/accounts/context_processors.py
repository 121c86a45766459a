"""The navigation bar: each role sees the pages it uses, the current one marked.

Who sees an item is derived from ACTION_ROLES (the one permission table), never from a
second list of roles: an item shows when one of the user's memberships has a role that
may take the item's action (at the level the item needs).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .access import scopes_of
from .roles import ACTION_ROLES, Role

VILLAGE_LEVEL = 12


@dataclass(frozen=True)
class NavItem:
    key: str
    url_name: str
    label: str
    actions: tuple[str, ...] = ()  # empty: everyone with a membership
    matches: tuple[str, ...] = ()  # view names (or "app:" prefixes) that are this page
    village_level: bool = False  # the action taken for one's own village only
    everywhere: bool = False  # the action is not tied to a place: a scope over everything
    staff: bool = False

    def visible(self, user, scopes) -> bool:
        if self.staff:
            return user.is_staff
        if not self.actions:
            return bool(scopes) or user.is_superuser
        roles = frozenset().union(*(ACTION_ROLES[a] for a in self.actions))
        return any(s.role in roles and (not self.village_level or s.role == Role.ADMIN
                                        or len(s.prefix) == VILLAGE_LEVEL)
                   and (not self.everywhere or s.prefix == "") for s in scopes)

    def match(self, view_name: str) -> int:
        """How specifically the page's view name matches (0: not this item)."""
        return max((len(m) for m in self.matches if view_name == m
                    or (m.endswith(":") and view_name.startswith(m))), default=0)


NAV_ITEMS = (
    NavItem("villages", "villages:list", _("Villages"), matches=("villages:",)),
    NavItem("rules", "rulesets:mine", _("Star rules"), matches=("rulesets:",)),
    NavItem("reminders", "reminders:towns", _("Reminder settings"),
            actions=("manage_reminders",), matches=("reminders:",)),
    NavItem("notifications", "notifications:list", _("Notifications"),
            matches=("notifications:",)),
    NavItem("progress", "progress:index", _("Progress entry"), actions=("enter_progress",),
            matches=("progress:",)),
    NavItem("verification", "progress:verification", _("Verification"),
            actions=("verify_entry",), matches=("progress:verification",)),
    NavItem("admin", "admin:index", _("Administration"), staff=True, matches=("admin:",)),
    NavItem("locks", "accounts:locks", _("Login locks"), actions=("unlock_logins",),
            everywhere=True, matches=("accounts:locks", "accounts:unlock")),
    NavItem("audit", "ops:audit", _("Audit log"), actions=("view_audit",),
            matches=("ops:",)),
    NavItem("reviews", "reviews:queue", _("Applications and reviews"),
            actions=("pre_review", "city_review", "county_review"),
            matches=("reviews:queue", "reviews:bulk")),
    NavItem("mine", "reviews:mine", _("My applications"), actions=("apply",),
            village_level=True, matches=("reviews:mine", "reviews:apply")),
    NavItem("cycles", "reviews:cycles", _("Rating cycles"), actions=("county_review",),
            matches=("reviews:cycles", "reviews:cycle", "reviews:cycle_create",
                     "reviews:cycle_edit", "reviews:notice")),
    NavItem("dashboard", "dashboards:mine", _("Dashboard"), matches=("dashboards:",)),
)


def nav_items(user, view_name: str) -> list[dict]:
    scopes = scopes_of(user)
    items = [item for item in NAV_ITEMS if item.visible(user, scopes)]
    best = max((item.match(view_name) for item in items), default=0)
    return [{"key": item.key, "url": reverse(item.url_name), "label": item.label,
             "current": best > 0 and item.match(view_name) == best} for item in items]


def navigation(request):
    """The navigation items, computed once per request (no query: scopes are cached)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    match = getattr(request, "resolver_match", None)
    return {"nav_items": nav_items(user, match.view_name if match else "")}
