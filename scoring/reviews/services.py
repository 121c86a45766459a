"""Star reviews across rows: applying, running transitions safely, and queues.

Every transition goes through `run()`: one transaction, the application row locked
(select_for_update), the state the reviewer saw compared with the state now. A second
reviewer acting on an application that was already handled gets `AlreadyHandled`,
which views turn into a friendly HTTP 409 page. The public notice, objections and
awards are in awarding.py.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed, has_transition_perm

from scoring import engine
from scoring.progress.models import Entry, Evidence
from scoring.services import engine_inputs, evaluate_for, jsonable, ruleset_for, spec_of
from scoring.stars import STAR_ORDER
from wuxing.accounts.access import scopes_of
from wuxing.accounts.models import AuditEvent, AuditKind

from . import signals, steps
from .models import (
    Application,
    AppState,
    Award,
    RatingCycle,
    ReviewLog,
    ReviewView,
    Snapshot,
)
from .models.applications import STEP_STATE, SUBMIT_ACTIONS, may_take


class AlreadyHandled(Exception):
    """The application (or award) is no longer in the state the user acted on."""


# --- what the village star card shows ------------------------------------------------------

def awarded_stars(village, year: int) -> list[str]:
    """Star codes awarded to the village in cycles up to `year` and not revoked."""
    codes = set(Award.objects.filter(village=village).active().up_to_year(year)
                .values_list("star", flat=True))
    return [code for code in STAR_ORDER if code in codes]


# --- snapshots ------------------------------------------------------------------------------

def snapshot_month(cycle: RatingCycle, today: date | None = None) -> date:
    today = today or timezone.localdate()
    return date(cycle.year, 12, 1) if today.year > cycle.year else engine.month_start(today)


def take_snapshot(application: Application, responses: dict | None = None) -> Snapshot:
    """Freeze the engine's result, the entries and the evidence list for this round."""
    cycle, village = application.cycle, application.village
    month = snapshot_month(cycle)
    ruleset = cycle.ruleset or ruleset_for(village.code, cycle.year)
    result = {}
    entries: list[dict] = []
    evidence: list[dict] = []
    if ruleset is not None:
        inputs = engine_inputs([village.pk], ruleset, month, official=True)
        result = jsonable(evaluate_for(spec_of(ruleset), village, inputs.get(village.pk, []),
                                       month))
        rows = (Entry.objects.filter(village=village, indicator__ruleset=ruleset)
                .for_cycle(cycle.year, month).verified()
                .select_related("indicator").order_by("indicator__star__order",
                                                      "indicator__order", "month"))
        entries = [{"id": e.id, "indicator": e.indicator.code, "name": e.indicator.name,
                    "star": e.indicator.star_id, "month": e.month.isoformat(),
                    "value": jsonable(e.get_value(e.indicator.kind)), "unit": e.indicator.unit,
                    "carried": e.carried, "version": e.version} for e in rows]
        evidence = [{"id": ev.id, "entry": ev.entry_id, "indicator": ev.entry.indicator.code,
                     "kind": ev.kind, "name": ev.original_name or ev.file.name,
                     "file": ev.file.name, "sha256": ev.sha256, "size": ev.size,
                     "month": ev.entry.month.isoformat()}
                    for ev in Evidence.objects.filter(entry_id__in=[e["id"] for e in entries])
                    .select_related("entry__indicator").order_by("entry_id", "pk")]
    return Snapshot.objects.create(application=application, round=application.round,
                                   month=month, result=result, entries=entries,
                                   evidence=evidence, responses=responses or {})


# --- applying -------------------------------------------------------------------------------

def earned_now(cycle: RatingCycle, village) -> set[str]:
    """Stars the engine shows as earned today (official entries)."""
    ruleset = cycle.ruleset or ruleset_for(village.code, cycle.year)
    if ruleset is None:
        return set()
    month = snapshot_month(cycle)
    inputs = engine_inputs([village.pk], ruleset, month, official=True)
    return set(evaluate_for(spec_of(ruleset), village, inputs.get(village.pk, []),
                            month).earned_stars)


def apply_errors(cycle: RatingCycle, village, stars: list[str],
                 justifications: dict[str, str]) -> list[str]:
    errors = []
    if not cycle.is_open():
        errors.append(_("The application window of this cycle is not open."))
    if (cycle.ruleset or ruleset_for(village.code, cycle.year)) is None:
        errors.append(_("No rule set is in force for this cycle."))
    if not stars:
        errors.append(_("Choose at least one star."))
    if Application.objects.filter(cycle=cycle, village=village).open().exists():
        errors.append(_("This village already has an application under way in this cycle."))
    held = set(Award.objects.filter(cycle=cycle, village=village).values_list("star",
                                                                              flat=True))
    if held & set(stars):
        errors.append(_("A star chosen was already awarded in this cycle."))
    if errors:
        return errors
    earned = earned_now(cycle, village)
    for code in stars:
        if code not in earned and not justifications.get(code, "").strip():
            errors.append(_("The engine does not show %(star)s as earned: "
                            "write a justification.") % {"star": _label(code)})
    return errors


def _label(code: str) -> str:
    from scoring.stars import StarCode
    return str(StarCode(code).label)


def apply(user, cycle: RatingCycle, village, stars: list[str],
          justifications: dict[str, str]) -> Application:
    """Create and submit an application with its round-1 snapshot."""
    stars = sorted(set(stars), key=STAR_ORDER.index)
    if errors := apply_errors(cycle, village, stars, justifications):
        raise ValidationError(errors)
    justifications = {k: v.strip() for k, v in justifications.items() if k in stars and v.strip()}
    with transaction.atomic():
        application = Application.objects.create(cycle=cycle, village=village, stars=stars,
                                                 justifications=justifications,
                                                 submitted_by=user)
        if not has_transition_perm(application.submit, user):
            raise PermissionDenied(_("Your role does not allow this action here."))
        take_snapshot(application)
        _transition(application, user, "submit", reason="", details={"stars": stars})
    return application


# --- running transitions --------------------------------------------------------------------

def _transition(application: Application, user, name: str, *args, reason: str = "",
                details: dict | None = None, check=None) -> ReviewLog:
    """Run transition `name` on a locked row; log it; signal after commit.

    `check(application)` validates the input once state and permission are known good."""
    method = getattr(application, name)
    if not can_proceed(method, check_conditions=False):
        raise AlreadyHandled
    if not can_proceed(method):
        raise ValidationError(_("This step cannot be taken yet."))
    if not has_transition_perm(method, user):
        raise PermissionDenied(_("You may not take this step on this application."))
    if check is not None:
        check(application)
    before, round_ = application.state, application.round
    method(user, *args)
    application.state_since = timezone.now()
    application.save()
    log = ReviewLog.objects.create(application=application, round=round_, action=name,
                                   from_state=before, to_state=application.state, actor=user,
                                   actor_name=str(user), reason=reason, details=details or {})
    AuditEvent.record(AuditKind.APPROVAL, user=user, target=application, action=name,
                      from_state=before, to_state=application.state, reason=reason)
    transaction.on_commit(lambda: signals.application_transitioned.send(
        sender=Application, application=application, log=log, action=name))
    return log


def require_may_take(application: Application, user, name: str) -> None:
    """403 for a user who could never take transition `name` here, whatever the state."""
    if not may_take(application, user, name):
        raise PermissionDenied(_("You may not take this step on this application."))


def run(application_id: int, user, name: str, *args, expected_state: str | None = None,
        reason: str = "", details: dict | None = None, after=None,
        check=None) -> Application:
    """Lock the row and run one transition; AlreadyHandled when someone was faster."""
    with transaction.atomic():
        application = (Application.objects.select_for_update(of=("self",))
                       .select_related("cycle", "village").get(pk=application_id))
        require_may_take(application, user, name)  # permission before state
        if expected_state and application.state != expected_state:
            raise AlreadyHandled
        _transition(application, user, name, *args, reason=reason, details=details,
                    check=check)
        if after is not None:
            after(application)
    return application


def pass_step(application_id: int, user, *, expected_state: str | None = None,
              reason: str = "") -> Application:
    return run(application_id, user, "pass_step", expected_state=expected_state,
               reason=reason)


def send_back(application_id: int, user, flags: dict, *, expected_state: str | None = None,
              reason: str = "") -> Application:
    if not (flags.get("stars") or flags.get("indicators")):
        raise ValidationError(_("Give a reason for at least one star or indicator."))
    return run(application_id, user, "send_back", flags, expected_state=expected_state,
               reason=reason, details={"flags": flags})


def star_decision_error(code: str, approved: bool, met: set[str], reason: str) -> str:
    """Why one star's decision cannot stand ("" when it can): the one rule for the form,
    the service and bulk approval."""
    if approved and code not in met and not reason.strip():
        return _("%(star)s: the engine marks this star not met; write why you approve it."
                 ) % {"star": _label(code)}
    if not approved and not reason.strip():
        return _("%(star)s: write why it is not approved.") % {"star": _label(code)}
    return ""


def _decision_check(stars: list[str], reasons: dict[str, str]):
    def check(application: Application) -> None:
        if set(stars) - set(application.stars):
            raise ValidationError(_("Only the stars applied for can be approved."))
        met = application.engine_met()
        errors = [e for code in application.ordered_stars
                  if (e := star_decision_error(code, code in stars, met,
                                               reasons.get(code, "")))]
        if errors:
            raise ValidationError(errors)
    return check


def approve(application_id: int, user, stars: list[str], reasons: dict[str, str], *,
            expected_state: str | None = None) -> Application:
    """Approve `stars`; every other star applied for is not approved.

    `reasons` holds, per star, why a star the engine marks not met is approved anyway,
    or why a star is not approved; both are required."""
    if not stars:
        raise ValidationError(_("Approve at least one star, or reject the application."))
    stars = sorted(set(stars), key=STAR_ORDER.index)
    reasons = {k: v.strip() for k, v in reasons.items() if v and v.strip()}
    refused = {k: v for k, v in reasons.items() if k not in stars}
    overrides = {k: v for k, v in reasons.items() if k in stars}
    return run(application_id, user, "approve", stars, refused, overrides,
               expected_state=expected_state, check=_decision_check(stars, reasons),
               details={"approved": stars, "refused": refused, "overrides": overrides})


def reject(application_id: int, user, reasons: dict[str, str], *,
           expected_state: str | None = None, reason: str = "") -> Application:
    if not reason.strip() and not any(v.strip() for v in reasons.values()):
        raise ValidationError(_("Give the reason for the rejection."))
    return run(application_id, user, "reject", reasons, expected_state=expected_state,
               reason=reason, details={"reasons": reasons})


def resubmit(application_id: int, user, responses: dict, *,
             expected_state: str | None = AppState.RETURNED) -> Application:
    def new_snapshot(application):
        take_snapshot(application, responses)
    with transaction.atomic():
        application = Application.objects.select_related("cycle").get(pk=application_id)
        flagged = flagged_items(application)
        missing = [key for key in flagged if not responses.get(key, "").strip()]
        if missing:
            raise ValidationError(_("Answer every item that was flagged."))
        return run(application_id, user, "resubmit", expected_state=expected_state,
                   details={"responses": responses}, after=new_snapshot)


def flagged_items(application: Application) -> list[str]:
    """Keys of the flagged items: "star:<code>" and "indicator:<code>"."""
    flags = application.flags or {}
    return ([f"star:{c}" for c in flags.get("stars", {})]
            + [f"indicator:{c}" for c in flags.get("indicators", {})])


def mark_viewed(application: Application, user) -> None:
    ReviewView.objects.get_or_create(application=application, user=user,
                                     round=application.round)


@dataclass
class BulkItem:
    """What a bulk approval does to one selected application."""

    application: Application
    outcome: str  # "approve", "pass", "undecided" (a star not met) or "not_viewed"
    stars: list[str]  # the stars approved (county) or passed on (town, city)
    waiting: list[str]  # stars the engine marks not met: they need an explicit decision

    def star_labels(self) -> list[str]:
        return [_label(code) for code in self.stars]

    def waiting_labels(self) -> list[str]:
        return [_label(code) for code in self.waiting]


def bulk_plan(user, ids: Iterable[int]) -> list[BulkItem]:
    """Exactly what bulk approval would do to each selected application, acting on none.

    At the county only applications whose every star the engine marks met are approved;
    the others wait for a decision star by star on their page."""
    selected = (queue_for(user).filter(pk__in=list(ids)).for_list()
                .prefetch_related("snapshots"))
    viewed = set(ReviewView.objects.filter(user=user, application__in=selected,
                                           round=models.F("application__round"))
                 .values_list("application_id", flat=True))
    plan = []
    for application in selected:
        stars = application.ordered_stars
        if application.pk not in viewed:
            plan.append(BulkItem(application, "not_viewed", [], stars))
        elif application.state != AppState.COUNTY:
            plan.append(BulkItem(application, "pass", stars, []))
        else:
            met = application.engine_met()
            waiting = [code for code in stars if code not in met]
            plan.append(BulkItem(application, "undecided" if waiting else "approve",
                                 [] if waiting else stars, waiting))
    return plan


def bulk_approve(user, ids: Iterable[int]) -> dict[str, list[Application]]:
    """Approve (county) or pass (town, city) what `bulk_plan` lists; nothing else."""
    outcome: dict[str, list[Application]] = {"done": [], "not_viewed": [], "handled": [],
                                              "refused": [], "undecided": []}
    for item in bulk_plan(user, ids):
        application = item.application
        if item.outcome in ("not_viewed", "undecided"):
            outcome[item.outcome].append(application)
            continue
        try:
            if item.outcome == "approve":
                approve(application.pk, user, item.stars, {},
                        expected_state=application.state)
            else:
                pass_step(application.pk, user, expected_state=application.state)
            outcome["done"].append(application)
        except AlreadyHandled:
            outcome["handled"].append(application)
        except (PermissionDenied, ValidationError):
            outcome["refused"].append(application)
    return outcome


# --- queues ---------------------------------------------------------------------------------

def review_condition(user) -> models.Q | None:
    """Applications waiting at a step where the user is the reviewer (None: nowhere)."""
    condition = None
    for scope in scopes_of(user):
        for step, state in STEP_STATE.items():
            if not steps.reviews_at(scope.role, scope.prefix, step):
                continue
            part = models.Q(state=state, village__code__startswith=scope.prefix)
            condition = part if condition is None else condition | part
    return condition


def queue_for(user):
    condition = review_condition(user)
    if condition is None:
        return Application.objects.none()
    submitted = ReviewLog.objects.filter(application=models.OuterRef("pk"),
                                         action__in=SUBMIT_ACTIONS, actor=user)
    return (Application.objects.filter(condition)
            .exclude(submitted_by=user).exclude(resubmitted_by=user)
            .exclude(models.Exists(submitted)).oldest_first())


def is_reviewer(user) -> bool:
    return review_condition(user) is not None
