"""What the application page shows, and which buttons each user gets on it."""

from django_fsm import has_transition_perm

from scoring.reviews import presentation, services, steps
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
from wuxing.accounts.access import can


def _county(user, action, application) -> bool:
    return steps.acts_at_level(user, action, application.village.code,
                               steps.STEP_PREFIX[steps.COUNTY])


def detail_context(request, application) -> dict:
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
        "log": application.log.select_related("actor").order_by("at", "pk"),
        "objections": objections,
        "reviewing": reviewing,
        "can_pass": reviewing and application.state != AppState.COUNTY,
        "can_approve": reviewing and application.state == AppState.COUNTY,
        "can_resubmit": has_transition_perm(application.resubmit, user),
        "can_object": notice_running and can(user, "file_objection", application.village.code),
        "can_record": county_notice,
        "can_resolve": county_notice,
        "can_award": application.state == AppState.NOTICE and _county(user, "award",
                                                                       application),
        "award_ready": application.state == AppState.NOTICE and application.notice_over()
        and application.objections_resolved(),
        "return_form": ReturnForm(blocks=blocks) if reviewing else None,
        "approve_form": ApproveForm(stars=application.ordered_stars) if reviewing else None,
        "reject_form": RejectForm(),
        "objection_form": ObjectionForm(stars=application.approved_stars),
        "offline_form": OfflineObjectionForm(stars=application.approved_stars),
        "resolve_form": ResolveForm(),
        "reason_form": ReasonForm(),
        "awards": application.awards.all(),
        "can_revoke": _county(user, "revoke", application),
    }
