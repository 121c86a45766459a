"""Audit receivers (logins, failures, lockouts and permission changes), and the session's
idle clock set at login."""

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .middleware import touch
from .models import AuditEvent, AuditKind, Membership


@receiver(user_logged_in)
def audit_login(sender, request, user, **kwargs):
    AuditEvent.record(AuditKind.LOGIN, user=user, request=request)


@receiver(user_logged_in, dispatch_uid="accounts.session_touched_at_login")
def touch_session_at_login(sender, request, user, **kwargs):
    # A login saves the session with a fresh expiry: the next minute needs no write.
    if request is not None and hasattr(request, "session"):
        touch(request.session)


@receiver(user_logged_out)
def audit_logout(sender, request, user, **kwargs):
    if user is not None:
        AuditEvent.record(AuditKind.LOGOUT, user=user, request=request)


@receiver(user_login_failed)
def audit_login_failed(sender, credentials, request=None, **kwargs):
    AuditEvent.record(AuditKind.LOGIN_FAILED, request=request,
                      username=str(credentials.get("username", ""))[:150])


@receiver(user_locked_out)
def audit_lockout(sender, request, username=None, ip_address=None, **kwargs):
    # Axes signals again at each refused attempt during a lock; those are failed logins
    # already. Only the failure that locks the account has a count.
    if getattr(request, "axes_failures_since_start", None) is None:
        return
    AuditEvent.record(AuditKind.LOCKOUT, request=request, username=(username or "")[:150])


@receiver(post_save, sender=Membership)
def audit_membership_saved(sender, instance, created, **kwargs):
    AuditEvent.record(AuditKind.PERMISSION, user=None, target=instance,
                      username=instance.user.get_username(),
                      action="granted" if created else "changed", role=instance.role,
                      scope=instance.scope)


@receiver(post_delete, sender=Membership)
def audit_membership_deleted(sender, instance, **kwargs):
    AuditEvent.record(AuditKind.PERMISSION, target=instance,
                      username=instance.user.get_username(), action="revoked",
                      role=instance.role, scope=instance.scope)
