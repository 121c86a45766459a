"""The reviewers' side: the queue and the transitions of each review step."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from scoring.reviews import presentation, services
from scoring.reviews.forms import ApproveForm, RejectForm, ReturnForm
from scoring.reviews.models import Application, ReviewView
from wuxing.params import integers

from .common import PAGE_SIZE, action, form_errors
from .context import detail_context


def queue(request):
    views = ReviewView.objects.filter(user=request.user)
    applications = services.queue_for(request.user).for_list().prefetch_related(
        Prefetch("views", queryset=views, to_attr="my_views"))
    page = Paginator(applications, PAGE_SIZE).get_page(request.GET.get("page"))
    for application in page.object_list:
        application.viewed = any(v.round == application.round for v in application.my_views)
    return render(request, "reviews/queue.html", {"page": page})


def _back(request, pk):
    return reverse("reviews:detail", kwargs={"pk": pk})


def _queue(request, **kwargs):
    return reverse("reviews:queue")


def _application(request, pk, transition: str):
    """The application (404 outside the jurisdiction), 403 for one who may never take
    `transition` on it: checked before the form and before the state (409)."""
    application = Application.objects.select_related("cycle__ruleset", "village").fetch_for(
        request.user, pk=pk)
    services.require_may_take(application, request.user, transition)
    return application


def _expected(request):
    return request.POST.get("state") or None


@action(_back)
def pass_step(request, pk):
    application = _application(request, pk, "pass_step")
    services.pass_step(application.pk, request.user, expected_state=_expected(request),
                       reason=request.POST.get("reason", ""))
    messages.success(request, _("Passed to the next step."))
    return redirect("reviews:queue")


@action(_back)
def send_back(request, pk):
    application = _application(request, pk, "send_back")
    snapshot = application.snapshots.order_by("-round").first()
    form = ReturnForm(request.POST, blocks=presentation.blocks(
        application, snapshot, application.cycle.ruleset))
    if not form.is_valid():
        form_errors(request, form)
        return redirect("reviews:detail", pk=pk)
    services.send_back(application.pk, request.user, form.flags(),
                       expected_state=_expected(request),
                       reason=form.cleaned_data["reason"])
    messages.success(request, _("The application was returned to the village."))
    return redirect("reviews:queue")


@action(_back)
def approve(request, pk):
    application = _application(request, pk, "approve")
    form = ApproveForm(request.POST, stars=application.ordered_stars,
                       met=application.engine_met())
    if not form.is_valid():
        # The page again with the decisions and reasons as typed, each error at its star.
        context = detail_context(request, application, approve_form=form)
        return render(request, "reviews/detail.html", context, status=400)
    services.approve(application.pk, request.user, form.approved(), form.reasons(),
                     expected_state=_expected(request))
    messages.success(request, _("The application was approved."))
    return redirect("reviews:queue")


@action(_back)
def reject(request, pk):
    application = _application(request, pk, "reject")
    form = RejectForm(request.POST)
    if not form.is_valid():
        raise ValidationError(_("Give the reason for the rejection."))
    services.reject(application.pk, request.user, {}, expected_state=_expected(request),
                    reason=form.cleaned_data["reason"])
    messages.success(request, _("The application was rejected."))
    return redirect("reviews:queue")


@action(_queue)
def bulk_approve(request):
    """First POST: the confirmation page listing exactly what will be approved;
    the POST from that page (`confirm`) does it."""
    if not services.is_reviewer(request.user):
        raise PermissionDenied(_("Only reviewers approve applications."))
    ids = integers(request.POST, "ids", min_value=1)
    if not ids:
        raise ValidationError(_("Select the applications to approve."))
    if not request.POST.get("confirm"):
        plan = services.bulk_plan(request.user, ids)
        return render(request, "reviews/bulk_confirm.html", {
            "plan": plan, "acting": [i for i in plan if i.outcome in ("approve", "pass")]})
    outcome = services.bulk_approve(request.user, ids)
    _bulk_messages(request, outcome)
    return redirect("reviews:queue")


def _bulk_messages(request, outcome) -> None:
    if outcome["done"]:
        messages.success(request, _("%(count)d approved.") % {"count": len(outcome["done"])})
    warnings = {
        "not_viewed": _("Not approved, open them first: %(names)s"),
        "undecided": _("Not approved, a star the engine marks not met needs your decision "
                       "on the application page: %(names)s"),
        "handled": _("Already handled by someone else: %(names)s"),
        "refused": _("Not approved, not yours to decide: %(names)s"),
    }
    for key, text in warnings.items():
        if outcome[key]:
            messages.warning(request, text % {
                "names": "、".join(a.village.name for a in outcome[key])})
