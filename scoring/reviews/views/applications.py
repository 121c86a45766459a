"""The village's side: apply, see every application and resubmit what was flagged."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from scoring.reviews import presentation, services
from scoring.reviews.forms import ApplyForm, ResubmitForm
from scoring.reviews.models import Application, Award, RatingCycle
from villages.models import Village
from wuxing.accounts.access import roles_of
from wuxing.accounts.roles import Role

from .common import PAGE_SIZE, already_handled, form_errors
from .context import detail_context


def mine(request):
    applications = Application.objects.visible_to(request.user).for_list().order_by(
        "-created_at")
    page = Paginator(applications, PAGE_SIZE).get_page(request.GET.get("page"))
    awards, villages = [], []
    if Role.VILLAGE_SECRETARY in roles_of(request.user):
        villages = Village.objects.filter(memberships__user=request.user,
                                          memberships__role=Role.VILLAGE_SECRETARY)
        awards = (Award.objects.visible_to(request.user)
                  .select_related("village", "cycle").order_by("-awarded_on")[:50])
    return render(request, "reviews/mine.html", {"page": page, "awards": awards,
                                                 "villages": villages})


@require_http_methods(["GET", "POST"])
def apply(request, code):
    village = Village.objects.fetch_for(request.user, "apply", code=code)
    today = timezone.localdate()
    cycle = (RatingCycle.objects.for_village(village)
             .filter(opens_on__lte=today, closes_on__gte=today).select_related("ruleset")
             .first())
    earned = services.earned_now(cycle, village) if cycle else set()
    form = ApplyForm(request.POST or None, earned=earned)
    if request.method == "POST" and cycle and form.is_valid():
        try:
            application = services.apply(request.user, cycle, village,
                                         form.cleaned_data["stars"], form.justifications())
        except ValidationError as error:
            for text in error.messages:
                messages.error(request, text)
        else:
            messages.success(request, _("The application was submitted."))
            return redirect("reviews:detail", pk=application.pk)
    elif request.method == "POST":
        form_errors(request, form)
    return render(request, "reviews/apply.html", {"village": village, "cycle": cycle,
                                                  "form": form, "earned": earned})


def detail(request, pk):
    application = Application.objects.for_list().select_related(
        "cycle__ruleset", "notice").fetch_for(request.user, pk=pk)
    return render(request, "reviews/detail.html", detail_context(request, application))


def _back(request, pk):
    return reverse("reviews:detail", kwargs={"pk": pk})


@require_http_methods(["GET", "POST"])
def resubmit(request, pk):
    application = Application.objects.select_related("cycle__ruleset", "village").fetch_for(
        request.user, "apply", pk=pk)
    snapshot = application.snapshots.order_by("-round").first()
    blocks = presentation.blocks(application, snapshot, application.cycle.ruleset)
    items = flagged_labels(application, blocks)
    form = ResubmitForm(request.POST or None, items=items)
    if request.method == "POST":
        return _resubmit_post(request, application, form)
    return render(request, "reviews/resubmit.html",
                  {"application": application, "form": form, "blocks": blocks})


def _resubmit_post(request, application, form):
    if not form.is_valid():
        form_errors(request, form)
        return redirect("reviews:resubmit", pk=application.pk)
    try:
        services.resubmit(application.pk, request.user, form.responses(),
                          expected_state=request.POST.get("state") or None)
    except services.AlreadyHandled:
        return already_handled(request, _back(request, application.pk))
    except ValidationError as error:
        for text in error.messages:
            messages.error(request, text)
        return redirect("reviews:resubmit", pk=application.pk)
    messages.success(request, _("The application was resubmitted."))
    return redirect("reviews:detail", pk=application.pk)


def flagged_labels(application, blocks) -> list[tuple[str, str, str]]:
    """(key, label, the reviewer's reason) of every flagged item."""
    names = {row.code: row.name for block in blocks for row in block.indicators}
    flags = application.flags or {}
    labels = {b.code: b.label for b in blocks}
    items = [(f"star:{code}", labels.get(code, code), text)
             for code, text in flags.get("stars", {}).items()]
    items += [(f"indicator:{code}", names.get(code, code), text)
              for code, text in flags.get("indicators", {}).items()]
    return items
