"""Jurisdiction: the single access path to every object that belongs to a place.

A membership gives a user a role at a unit or a village. Its `scope` is the prefix of
the division codes it covers, so scoping a query is one `code__startswith` filter per
membership. Views fetch objects through `fetch_for()`: outside the user's jurisdiction
the object does not exist (404); inside it but without the right role, 403.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404
from django.utils.translation import gettext as _

from .roles import ACTION_ROLES, Role


@dataclass(frozen=True)
class Scope:
    role: str
    prefix: str  # "" means everything (an administrator without a unit)


def scopes_of(user) -> tuple[Scope, ...]:
    """The user's (role, prefix) pairs, cached on the user object for the request."""
    if not getattr(user, "is_authenticated", False):
        return ()
    cached = getattr(user, "_wuxing_scopes", None)
    if cached is None:
        if user.is_superuser:
            cached = (Scope(Role.ADMIN, ""),)
        else:
            cached = tuple(Scope(role, prefix) for role, prefix in
                           user.memberships.values_list("role", "scope"))
        user._wuxing_scopes = cached
    return cached


def roles_of(user) -> frozenset[str]:
    return frozenset(scope.role for scope in scopes_of(user))


def can(user, action: str, division_code: str) -> bool:
    allowed = ACTION_ROLES[action]
    return any(scope.role in allowed and division_code.startswith(scope.prefix)
               for scope in scopes_of(user))


def require(user, action: str, division_code: str) -> None:
    if not can(user, action, division_code):
        raise PermissionDenied(_("Your role does not allow this action here."))


class ScopedQuerySet(models.QuerySet):
    """A QuerySet of objects that belong to a place, found through `scope_field`."""

    scope_field = "code"

    def visible_to(self, user):
        scopes = scopes_of(user)
        if not scopes:
            return self.none()
        prefixes = {scope.prefix for scope in scopes}
        if "" in prefixes:
            return self
        condition = models.Q()
        for prefix in sorted(prefixes):
            condition |= models.Q(**{f"{self.scope_field}__startswith": prefix})
        return self.filter(condition)

    def fetch_for(self, user, action: str | None = None, **lookup):
        """The object if the user may see it (else 404) and may take `action` (else 403)."""
        try:
            obj = self.visible_to(user).get(**lookup)
        except (self.model.DoesNotExist, ValueError, TypeError):
            raise Http404(_("Not found, or outside your jurisdiction.")) from None
        if action is not None:
            require(user, action, obj.division_code)
        return obj
