"""After the county's approval: the public notice (公示), objections, awards, revocation.

Transitions of applications still go through `services.run` (row locked, state checked);
awards are changed the same way, with their own lock.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wuxing.accounts.access import can
from wuxing.accounts.models import AuditEvent, AuditKind

from . import signals, steps
from .models import (
    Application,
    AppState,
    Award,
    AwardStatus,
    Objection,
    ObjectionStatus,
    PublicNotice,
    RatingCycle,
    ReviewLog,
)
from .services import AlreadyHandled, run


def publish_notice(cycle: RatingCycle, user, starts_on: date) -> PublicNotice:
    """Put every approved application of the cycle into a new public notice."""
    if starts_on < timezone.localdate():
        raise ValidationError(_("A public notice cannot start in the past."))
    if not steps.county_acts(user, "publish_notice", cycle.county.code):
        raise PermissionDenied(_("Your role does not allow this action here."))
    if starts_on < timezone.localdate():
        raise ValidationError(_("A public notice cannot start in the past."))
    with transaction.atomic():
        ids = list(Application.objects.filter(cycle=cycle, state=AppState.APPROVED)
                   .values_list("pk", flat=True))
        if not ids:
            raise ValidationError(_("No approved application is waiting for a notice."))
        notice = PublicNotice.objects.create(cycle=cycle, starts_on=starts_on,
                                             ends_on=cycle.notice_end(starts_on),
                                             published_by=user)
        applications = [run(pk, user, "publish", notice, expected_state=AppState.APPROVED)
                        for pk in ids]
    transaction.on_commit(lambda: signals.notice_started.send(
        sender=PublicNotice, notice=notice, applications=applications))
    return notice


def may_object(user, application: Application) -> bool:
    """Who may object, the one rule: anyone from the public notice page (with a name and
    a contact); a logged-in user only through a role that acts (observers never act)."""
    if not getattr(user, "is_authenticated", False):
        return True
    return can(user, "file_objection", application.village.code)


def file_objection(application: Application, user, text: str, star: str = "", *,
                   offline: bool = False, source: str = "", name: str = "",
                   contact: str = "") -> Objection:
    """Every objection goes through here: logged in, from the public page, or received
    offline and recorded by the county."""
    if offline:
        if not steps.county_acts(user, "publish_notice", application.village.code):
            raise PermissionDenied(_("Only the county reviewer may do this."))
    elif not may_object(user, application):
        raise PermissionDenied(_("Your role does not allow this action here."))
    public = not getattr(user, "is_authenticated", False)
    if public and not (name.strip() and contact.strip()):
        raise ValidationError(_("Give your name and a contact so the county can answer."))
    if not text.strip():
        raise ValidationError(_("Write the objection."))
    if application.state != AppState.NOTICE or not (
            offline or application.notice.is_running()):
        raise ValidationError(_("Objections are taken only while the public notice runs."))
    if star and star not in application.approved_stars:
        raise ValidationError(_("That star is not in this public notice."))
    return Objection.objects.create(application=application, star=star, text=text.strip(),
                                    filed_by=None if public else user, offline=offline,
                                    offline_source=source, name=name.strip(),
                                    contact=contact.strip())


def resolve_objection(objection_id: int, user, status: str, resolution: str) -> Objection:
    if status not in (ObjectionStatus.UPHELD, ObjectionStatus.DISMISSED):
        raise ValidationError(_("Choose whether the objection is upheld or dismissed."))
    if not resolution.strip():
        raise ValidationError(_("Write how the objection was resolved."))
    with transaction.atomic():
        objection = (Objection.objects.select_for_update(of=("self",))
                     .select_related("application__village").get(pk=objection_id))
        if not steps.acts_at_level(user, "publish_notice", objection.division_code,
                                   steps.STEP_PREFIX[steps.COUNTY]):
            raise PermissionDenied(_("Your role does not allow this action here."))
        if objection.status != ObjectionStatus.PENDING:  # permission before state
            raise AlreadyHandled
        objection.status = status
        objection.resolution = resolution.strip()
        objection.resolved_by = user
        objection.resolved_at = timezone.now()
        objection.save()
        application = objection.application
        ReviewLog.objects.create(application=application, round=application.round,
                                 action="resolve_objection", from_state=application.state,
                                 to_state=application.state, actor=user, actor_name=str(user),
                                 reason=objection.resolution,
                                 details={"objection": objection.pk, "status": status,
                                          "star": objection.star})
        AuditEvent.record(AuditKind.APPROVAL, user=user, target=application,
                          action="resolve_objection", status=status)
    return objection


def award(application_id: int, user) -> Application:
    """Close the notice of one application: an Award row per star still standing."""
    def create_awards(application):
        today = timezone.localdate()
        for star in application.stars_to_award():
            record = Award.objects.create(
                cycle=application.cycle, village=application.village, star=star,
                application=application, awarded_on=today, changed_by=user,
                approval_reason=(application.approval_reasons or {}).get(star, ""))
            _award_log(record, user, "awarded", "", AwardStatus.ACTIVE, AwardStatus.ACTIVE)
    return run(application_id, user, "award", expected_state=AppState.NOTICE,
               after=create_awards)


def _award_log(record: Award, user, action: str, reason: str, before: str,
               after: str) -> ReviewLog:
    log = ReviewLog.objects.create(award=record, application=record.application,
                                   round=record.application.round if record.application else 1,
                                   action=action, from_state=before, to_state=after,
                                   actor=user, actor_name=str(user), reason=reason,
                                   details={"star": record.star})
    AuditEvent.record(AuditKind.APPROVAL, user=user, target=record, action=action,
                      star=record.star, reason=reason)
    transaction.on_commit(lambda: signals.award_changed.send(
        sender=Award, award=record, log=log, action=action))
    return log


def _change_award(award_id: int, user, reason: str, *, to: str) -> Award:
    if not reason.strip():
        raise ValidationError(_("Give the reason."))
    with transaction.atomic():
        record = (Award.objects.select_for_update(of=("self",))
                  .select_related("village", "application").get(pk=award_id))
        # Permission before state: one who may not act hears 403, never "already done".
        if not steps.county_acts(user, "revoke", record.village.code):
            raise PermissionDenied(_("Your role does not allow this action here."))
        if record.status == to:
            raise AlreadyHandled
        before = record.status
        record.status = to
        record.revoked_on = timezone.localdate() if to == AwardStatus.REVOKED else None
        record.reason = reason.strip()
        record.changed_by = user
        record._change_reason = record.reason  # kept by simple-history
        record.save()
        _award_log(record, user, "revoked" if to == AwardStatus.REVOKED else "reinstated",
                   record.reason, before, to)
    return record


def revoke(award_id: int, user, reason: str) -> Award:
    return _change_award(award_id, user, reason, to=AwardStatus.REVOKED)


def reinstate(award_id: int, user, reason: str) -> Award:
    return _change_award(award_id, user, reason, to=AwardStatus.ACTIVE)
