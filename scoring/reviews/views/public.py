"""The public 公示 board of a county: no login, what a notice board shows, and an
objection form for anyone (throttled per client address, stored for the county)."""

from itertools import groupby
from operator import attrgetter

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from scoring.reviews import awarding
from scoring.reviews.forms import PublicObjectionForm
from scoring.reviews.models import Application, AppState
from villages.models import AdminUnit, UnitLevel
from wuxing.accounts.client_ip import client_ip

PAGE_SIZE = 50
# Objections one client address may send per window; a notice board needs few.
OBJECTION_LIMIT = 5
OBJECTION_WINDOW = 3600  # seconds
NOTICE_STATES = (AppState.NOTICE, AppState.AWARDED, AppState.NOT_AWARDED)


def _county(code: str) -> AdminUnit:
    if not (len(code) == 6 and code.isdigit()):
        raise Http404(_("No such county."))
    county = AdminUnit.objects.filter(code=code + "000000", level=UnitLevel.COUNTY).first()
    if county is None:
        raise Http404(_("No such county."))
    return county


def _published(county: AdminUnit):
    """Applications in a notice of the county that has started (published)."""
    return (Application.objects.filter(village__code__startswith=county.code[:6],
                                       state__in=NOTICE_STATES,
                                       notice__starts_on__lte=timezone.localdate())
            .select_related("village__town", "notice", "cycle")
            .order_by("-notice__starts_on", "-notice_id", "village__code"))


def _page(request, county, form=None, form_for=None, status=200):
    page = Paginator(_published(county), PAGE_SIZE).get_page(request.GET.get("page"))
    groups = [(notice, list(rows)) for notice, rows in
              groupby(page.object_list, key=attrgetter("notice"))]
    return render(request, "reviews/public_notice.html", {
        "county": county, "notices": groups, "page": page, "form": form,
        "form_for": form_for, "limit": OBJECTION_LIMIT}, status=status)


@login_not_required
@require_GET
def notice_board(request, code):
    return _page(request, _county(code))


def _throttled(request) -> bool:
    """Count this attempt for the client address; True once it is over the limit."""
    key = f"public-objection:{client_ip(request) or 'unknown'}"
    cache.add(key, 0, OBJECTION_WINDOW)
    try:
        return cache.incr(key) > OBJECTION_LIMIT
    except ValueError:  # expired between add and incr
        cache.set(key, 1, OBJECTION_WINDOW)
        return False


@login_not_required
@require_POST
def public_objection(request, code, pk):
    county = _county(code)
    application = _published(county).filter(pk=pk).first()
    if application is None:
        raise Http404(_("This application is not in a public notice of the county."))
    if not awarding.may_object(request.user, application):
        raise PermissionDenied(_("Your role does not allow this action here."))
    if _throttled(request):
        messages.error(request, _("Too many objections from your address; please try "
                                  "again in an hour, or contact the county directly."))
        return _page(request, county, status=429)
    form = PublicObjectionForm(request.POST, stars=application.approved_stars,
                               anonymous=not request.user.is_authenticated)
    try:
        if not form.is_valid():
            raise ValidationError([f"{form.fields[f].label}：{e}" if f in form.fields else e
                                   for f, errors in form.errors.items() for e in errors])
        awarding.file_objection(application, request.user, form.cleaned_data["text"],
                                form.cleaned_data["star"], name=form.cleaned_data["name"],
                                contact=form.cleaned_data["contact"])
    except ValidationError as error:
        for text in error.messages:
            messages.error(request, text)
        return _page(request, county, form=form, form_for=application.pk, status=400)
    messages.success(request, _("Your objection was received; the county will look into "
                                "it and answer you."))
    return redirect("reviews:public_notice", code=code)
