"""The county's side: rating cycles, the public notice and its page."""

from itertools import groupby
from operator import attrgetter

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from scoring.dashboards.models import CountyTarget
from scoring.reviews import awarding, steps
from scoring.reviews.forms import CountyTargetForm, CycleForm, PublishForm
from scoring.reviews.models import Application, AppState, Award, RatingCycle
from villages.models import AdminUnit, UnitLevel
from wuxing.accounts.models import AuditEvent, AuditKind

from .common import action, form_errors


def _county_of(user) -> AdminUnit:
    """The county where the user is a county reviewer (403 when none)."""
    counties = steps.reviewer_counties(user)
    if not counties:
        raise PermissionDenied(_("Only a county reviewer manages rating cycles."))
    return AdminUnit.objects.get(code=counties[0].ljust(12, "0"), level=UnitLevel.COUNTY)


def _require_county(user, cycle) -> None:
    if not steps.county_acts(user, "county_review", cycle.county.code):
        raise PermissionDenied(_("Only a county reviewer manages rating cycles."))


def cycle_list(request):
    cycles = RatingCycle.objects.visible_to(request.user).select_related("county", "ruleset")
    can_create = bool(steps.reviewer_counties(request.user))
    return render(request, "reviews/cycle_list.html", {"cycles": cycles,
                                                       "can_create": can_create})


@require_http_methods(["GET", "POST"])
def cycle_create(request):
    county = _county_of(request.user)
    form = CycleForm(request.POST or None, county=county)
    if request.method == "POST":
        if form.is_valid():
            cycle = form.save()
            messages.success(request, _("The rating cycle was saved."))
            return redirect("reviews:cycle", pk=cycle.pk)
        form_errors(request, form)
    return render(request, "reviews/cycle_form.html", {"form": form, "county": county})


@require_http_methods(["GET", "POST"])
def cycle_edit(request, pk):
    cycle = RatingCycle.objects.select_related("county").fetch_for(request.user, pk=pk)
    _require_county(request.user, cycle)
    form = CycleForm(request.POST or None, instance=cycle)
    if request.method == "POST":
        if form.is_valid():
            form.save()
            messages.success(request, _("The rating cycle was saved."))
            return redirect("reviews:cycle", pk=cycle.pk)
        form_errors(request, form)
    return render(request, "reviews/cycle_form.html", {"form": form, "county": cycle.county,
                                                       "cycle": cycle})


@require_http_methods(["GET", "POST"])
def cycle_target(request, pk):
    """The county's targets for the cycle's year (三星全覆盖, four- and five-star shares)."""
    cycle = RatingCycle.objects.select_related("county").fetch_for(request.user, pk=pk)
    _require_county(request.user, cycle)
    target = (CountyTarget.objects.filter(county=cycle.county, year=cycle.year).first()
              or CountyTarget(county=cycle.county, year=cycle.year))
    form = CountyTargetForm(request.POST or None, instance=target)
    if request.method == "POST":
        if form.is_valid():
            with transaction.atomic():
                form.save()
                AuditEvent.record(AuditKind.SETTINGS, user=request.user, request=request,
                                  target=cycle.county.code, setting="county_target",
                                  year=cycle.year, values=form.cleaned_data)
            messages.success(request, _("The county targets for %(year)s were saved.")
                             % {"year": cycle.year})
            return redirect("reviews:cycle", pk=cycle.pk)
        form_errors(request, form)
    return render(request, "reviews/cycle_form.html", {
        "form": form, "county": cycle.county, "cycle": cycle,
        "title": _("County targets %(year)s") % {"year": cycle.year}})


def cycle_detail(request, pk):
    cycle = RatingCycle.objects.select_related("county", "ruleset").fetch_for(
        request.user, pk=pk)
    applications = Application.objects.visible_to(request.user).filter(cycle=cycle)
    counts = dict(applications.values_list("state").annotate(n=Count("pk")).order_by())
    states = [(label, counts.get(value, 0)) for value, label in AppState.choices
              if value != AppState.DRAFT]
    is_county = steps.county_acts(request.user, "county_review", cycle.county.code)
    return render(request, "reviews/cycle_detail.html", {
        "cycle": cycle, "states": states, "is_county": is_county,
        "target": CountyTarget.objects.filter(county=cycle.county, year=cycle.year).first(),
        "chain": [steps.STEP_LABELS[s] for s in cycle.chain],
        "approved": applications.filter(state=AppState.APPROVED).for_list(),
        "notices": cycle.notices.all(),
        "publish_form": PublishForm(),
        "awards": Award.objects.visible_to(request.user).filter(cycle=cycle)
        .select_related("village").order_by("village__code", "star"),
    })


def _cycle_back(request, pk):
    return reverse("reviews:cycle", kwargs={"pk": pk})


@action(_cycle_back)
def publish_notice(request, pk):
    cycle = RatingCycle.objects.select_related("county").fetch_for(request.user, pk=pk)
    _require_county(request.user, cycle)
    form = PublishForm(request.POST)
    if not form.is_valid():
        raise ValidationError(_("Give the date the notice starts."))
    notice = awarding.publish_notice(cycle, request.user, form.cleaned_data["starts_on"])
    messages.success(request, _("The public notice runs from %(start)s to %(end)s.") % {
        "start": notice.starts_on, "end": notice.ends_on})
    return redirect("reviews:notice", pk=cycle.pk)


NOTICE_PAGE_SIZE = 50


def notice(request, pk):
    """The 公示 page of a cycle: every village and star in a notice, with the dates.

    A county's notice can list hundreds of villages: the applications are paginated and
    grouped by their notice on each page, newest notice first."""
    cycle = RatingCycle.objects.select_related("county").fetch_for(request.user, pk=pk)
    applications = (Application.objects.filter(notice__cycle=cycle)
                    .select_related("village__town", "notice")
                    .order_by("-notice__starts_on", "-notice_id", "village__code"))
    page = Paginator(applications, NOTICE_PAGE_SIZE).get_page(request.GET.get("page"))
    groups = [(notice, list(rows)) for notice, rows in
              groupby(page.object_list, key=attrgetter("notice"))]
    return render(request, "reviews/notice.html", {"cycle": cycle, "notices": groups,
                                                   "page": page})
