"""What the application page shows, and which buttons each user gets on it."""

from django_fsm import has_transition_perm

from scoring.reviews import awarding, presentation, services, steps
from scoring.reviews.forms import (
    ApproveForm,
    ObjectionForm,
    OfflineObjectionForm,
    ReasonForm,
    RejectForm,
    ResolveForm,
    ReturnForm,
)
from scoring.reviews.models import AppState
from scoring.reviews.models.applications import REVIEW_STATES


def _county(user, action, application) -> bool:
    return steps.county_acts(user, action, application.village.code)


def _decisions(application) -> list[tuple[str, str, str]]:
    """(star name, decision, reason) for the stars decided with a reason: later steps,
    the village and the notice read them."""
    from scoring.wording import star_name
    rows = [(star_name(code), "approved", text)
            for code, text in (application.approval_reasons or {}).items()]
    rows += [(star_name(code), "refused", text)
             for code, text in (application.star_decisions or {}).items()]
    return rows


def _log(application, blocks) -> list:
    names = {row.code: row.name for block in blocks for row in block.indicators}
    entries = list(application.log.select_related("actor").order_by("at", "pk"))
    for entry in entries:
        entry.lines = presentation.log_lines(entry, names)
    return entries


def detail_context(request, application, approve_form=None) -> dict:
    user = request.user
    snapshots = list(application.snapshots.order_by("-round"))
    snapshot = snapshots[0] if snapshots else None
    ruleset = application.cycle.ruleset
    blocks = presentation.blocks(application, snapshot, ruleset) if snapshot else []
    reviewing = (application.state in REVIEW_STATES
                 and has_transition_perm(application.send_back, user))
    if reviewing:
        services.mark_viewed(application, user)
    notice_running = (application.state == AppState.NOTICE
                      and application.notice.is_running())
    county_notice = application.state == AppState.NOTICE and _county(
        user, "publish_notice", application)
    objections = list(application.objections.select_related("filed_by", "resolved_by"))
    return {
        "application": application, "snapshot": snapshot, "snapshots": snapshots,
        "blocks": blocks,
        "log": _log(application, blocks),
        "objections": objections,
        "decisions": _decisions(application),
        "reviewing": reviewing,
        "can_pass": reviewing and application.state != AppState.COUNTY,
        "can_approve": reviewing and application.state == AppState.COUNTY,
        "can_resubmit": has_transition_perm(application.resubmit, user),
        "can_object": notice_running and awarding.may_object(user, application),
        "can_record": county_notice,
        "can_resolve": county_notice,
        "can_award": application.state == AppState.NOTICE and _county(user, "award",
                                                                       application),
        "award_ready": application.state == AppState.NOTICE and application.notice_over()
        and application.objections_resolved(),
        "return_form": ReturnForm(blocks=blocks) if reviewing else None,
        "approve_form": approve_form or (ApproveForm(
            stars=application.ordered_stars, met=set(snapshot.earned) if snapshot else set())
            if reviewing else None),
        "reject_form": RejectForm(),
        "objection_form": ObjectionForm(stars=application.approved_stars),
        "offline_form": OfflineObjectionForm(stars=application.approved_stars),
        "resolve_form": ResolveForm(),
        "reason_form": ReasonForm(),
        "awards": application.awards.all(),
        "can_revoke": _county(user, "revoke", application),
    }
