import re

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from .access import scopes_of
from .client_ip import client_ip
from .roles import ACTION_ROLES, Role


class User(AbstractUser):
    name = models.CharField(_("full name"), max_length=40, blank=True)
    phone = models.CharField(_("mobile phone"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.name or self.username


class Membership(models.Model):
    """A role at a unit (town, county, ...) or, for a village secretary, at a village."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="memberships", verbose_name=_("user"))
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    unit = models.ForeignKey("villages.AdminUnit", on_delete=models.CASCADE, null=True,
                             blank=True, related_name="memberships",
                             verbose_name=_("unit"))
    village = models.ForeignKey("villages.Village", on_delete=models.CASCADE, null=True,
                                blank=True, related_name="memberships",
                                verbose_name=_("village"))
    # Denormalised code prefix of the jurisdiction, kept in step by save().
    scope = models.CharField(_("scope"), max_length=12, editable=False, db_index=True)

    class Meta:
        ordering = ["user__username", "role"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")

    def __str__(self) -> str:
        place = self.village or self.unit or _("everywhere")
        return f"{self.user} · {self.get_role_display()} · {place}"

    def clean(self) -> None:
        if self.role == Role.VILLAGE_SECRETARY and not self.village_id:
            raise ValidationError({"village": _("A village secretary needs a village.")})
        if self.role != Role.VILLAGE_SECRETARY and self.village_id:
            raise ValidationError({"village": _("Only a village secretary has a village.")})
        if self.role not in (Role.VILLAGE_SECRETARY, Role.ADMIN) and not self.unit_id:
            raise ValidationError({"unit": _("This role needs a unit.")})

    def save(self, *args, **kwargs):
        if self.village_id:
            self.scope = self.village.code
        elif self.unit_id:
            self.scope = self.unit.prefix
        else:
            self.scope = ""
        super().save(*args, **kwargs)


class AuditKind(models.TextChoices):
    LOGIN = "login", _("Login")
    LOGIN_FAILED = "login_failed", _("Failed login")
    LOGOUT = "logout", _("Logout")
    LOCKOUT = "lockout", _("Account locked")
    ADDRESS_LOCKOUT = "address_lockout", _("Address throttled")
    UNLOCK = "unlock", _("Login lock lifted")
    PERMISSION = "permission", _("Permission change")
    APPROVAL = "approval", _("Approval")
    EXPORT = "export", _("Export")
    IMPORT = "import", _("Import")
    REOPEN = "reopen", _("Month reopened")
    SETTINGS = "settings", _("Settings changed")


# A 12-digit division code inside a target text such as "bulletin 410902101000 2026Q3".
_CODE_IN_TEXT = re.compile(r"(?<!\d)(\d{12})(?!\d)")


def place_of(target, user=None) -> str:
    """The division code (or scope prefix) an audit event belongs to; "" is province-wide.

    Objects of a place carry `division_code`, memberships their `scope`; texts name a
    code; otherwise the acting user's place when they have exactly one.
    """
    code = getattr(target, "division_code", None)
    if code is None:
        code = getattr(target, "scope", None)
    if code is None and isinstance(target, str):
        found = _CODE_IN_TEXT.search(target)
        code = found.group(1) if found else None
    if code is None and getattr(user, "pk", None):
        prefixes = {scope.prefix for scope in scopes_of(user)}
        code = prefixes.pop() if len(prefixes) == 1 else None
    return code or ""


class AuditEventQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The events inside the scopes where the user may `view_audit`: everything for
        an administrator without a unit, a county's events for its reviewers."""
        prefixes = {scope.prefix for scope in scopes_of(user)
                    if scope.role in ACTION_ROLES["view_audit"]}
        if "" in prefixes:
            return self
        if not prefixes:
            return self.none()
        condition = models.Q()
        for prefix in sorted(prefixes):
            condition |= models.Q(place__startswith=prefix)
        return self.filter(condition)

    def older_than(self, cutoff):
        return self.filter(created_at__lt=cutoff)


class AuditEvent(models.Model):
    """Append-only record of security-relevant events. Rows are never changed; only the
    retention purge (`manage.py purge_audit_events`) deletes those past the retention."""

    kind = models.CharField(_("kind"), max_length=20, choices=AuditKind.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                             blank=True, related_name="+", verbose_name=_("user"))
    username = models.CharField(_("user name"), max_length=150, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    target = models.CharField(_("object"), max_length=200, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    # Where it happened, for jurisdiction: a division code or a scope prefix.
    place = models.CharField(_("place"), max_length=12, blank=True, default="",
                             db_index=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.get_kind_display()} {self.username}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Audit events are append-only.")

    @classmethod
    def record(cls, kind: str, *, user=None, request=None, target="", place=None,
               **detail):
        ip = client_ip(request) if request is not None else None
        username = detail.pop("username", "") or (user.get_username() if user else "")
        place = place_of(target, user) if place is None else place
        return cls.objects.create(kind=kind, user=user if getattr(user, "pk", None) else None,
                                  username=username, ip_address=ip, target=str(target)[:200],
                                  detail=detail, place=place[:12])
