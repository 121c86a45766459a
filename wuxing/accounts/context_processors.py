from .access import can, roles_of
from .roles import ACTION_ROLES, Role


def navigation(request):
    """Role flags for the navigation bar, computed once per request."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    roles = roles_of(user)
    return {
        "nav_roles": roles,
        "nav_is_town": bool(roles & {Role.TOWN_OFFICIAL, Role.TOWN_LEADER}),
        "nav_is_county": bool(roles & {Role.COUNTY_REVIEWER, Role.ADMIN}),
        "nav_is_village": Role.VILLAGE_SECRETARY in roles,
        "nav_can_unlock": can(user, "unlock_logins", ""),
        "nav_can_audit": bool(roles & ACTION_ROLES["view_audit"]),
    }
