"""Objections during the notice, the award, its certificate, revocation and reinstatement."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from scoring.reviews import awarding, steps
from scoring.reviews.forms import ObjectionForm, OfflineObjectionForm, ReasonForm, ResolveForm
from scoring.reviews.models import Application, Award, Objection

from .common import action


def _back(request, pk):
    return reverse("reviews:detail", kwargs={"pk": pk})


def _require_county(user, code: str, what: str = "publish_notice") -> None:
    if not steps.county_acts(user, what, code):
        raise PermissionDenied(_("Only the county reviewer may do this."))


@action(_back)
def file_objection(request, pk):
    application = Application.objects.select_related("notice", "village").fetch_for(
        request.user, "file_objection", pk=pk)
    form = ObjectionForm(request.POST, stars=application.approved_stars)
    if not form.is_valid():
        raise ValidationError(_("Write the objection."))
    awarding.file_objection(application, request.user, form.cleaned_data["text"],
                            form.cleaned_data["star"])
    messages.success(request, _("Your objection was recorded; the county will answer it."))
    return redirect("reviews:detail", pk=pk)


@action(_back)
def record_objection(request, pk):
    application = Application.objects.select_related("notice", "village").fetch_for(
        request.user, "publish_notice", pk=pk)
    _require_county(request.user, application.village.code)
    form = OfflineObjectionForm(request.POST, stars=application.approved_stars)
    if not form.is_valid():
        raise ValidationError(_("Write the objection and where it came from."))
    awarding.file_objection(application, request.user, form.cleaned_data["text"],
                            form.cleaned_data["star"], offline=True,
                            source=form.cleaned_data["source"])
    messages.success(request, _("The objection received offline was recorded."))
    return redirect("reviews:detail", pk=pk)


def _objection_back(request, pk):
    application_id = Objection.objects.filter(pk=pk).values_list(
        "application_id", flat=True).first()
    return reverse("reviews:detail", kwargs={"pk": application_id}) if application_id \
        else reverse("reviews:queue")


@action(_objection_back)
def resolve_objection(request, pk):
    objection = Objection.objects.select_related("application__village").fetch_for(
        request.user, "publish_notice", pk=pk)
    _require_county(request.user, objection.division_code)
    form = ResolveForm(request.POST)
    if not form.is_valid():
        raise ValidationError(_("Write how the objection was resolved."))
    awarding.resolve_objection(objection.pk, request.user, form.cleaned_data["status"],
                               form.cleaned_data["resolution"])
    messages.success(request, _("The objection was resolved."))
    return redirect("reviews:detail", pk=objection.application_id)


@action(_back)
def award(request, pk):
    application = Application.objects.select_related("village").fetch_for(
        request.user, "award", pk=pk)
    application = awarding.award(application.pk, request.user)
    messages.success(request, _("Stars awarded: %(stars)s") % {
        "stars": "、".join(str(a.get_star_display()) for a in application.awards.all())
        or _("none")})
    return redirect("reviews:detail", pk=pk)


def certificate(request, pk):
    record = Award.objects.select_related("village__town", "cycle__county",
                                          "application").fetch_for(request.user, pk=pk)
    return render(request, "reviews/certificate.html", {"award": record})


def _award_back(request, pk):
    return reverse("reviews:mine")


def _change(request, pk, change, done):
    record = Award.objects.select_related("village").fetch_for(request.user, "revoke", pk=pk)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        raise ValidationError(_("Give the reason."))
    change(record.pk, request.user, form.cleaned_data["reason"])
    messages.success(request, done)
    if record.application_id:
        return redirect("reviews:detail", pk=record.application_id)
    return redirect("reviews:cycle", pk=record.cycle_id)


@action(_award_back)
def revoke(request, pk):
    return _change(request, pk, awarding.revoke, _("The star was revoked."))


@action(_award_back)
def reinstate(request, pk):
    return _change(request, pk, awarding.reinstate, _("The star was reinstated."))
