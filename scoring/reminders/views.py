"""The town leader's settings page: reminders, and the reporting deadline they count from."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from scoring.progress.models import TownPeriodSetting
from villages.models import AdminUnit, WorkingGroup
from wuxing.accounts.access import can, require
from wuxing.accounts.models import AuditEvent, AuditKind

from .forms import PeriodSettingForm, ReminderPolicyForm
from .models import ReminderPolicy

PAGE_SIZE = 25


def town_list(request):
    towns = (AdminUnit.objects.towns().visible_to(request.user)
             .select_related("reminder_policy", "parent").order_by("code"))
    page = Paginator(towns, PAGE_SIZE).get_page(request.GET.get("page"))
    if page.paginator.count == 1:
        return redirect("reminders:policy", code=page[0].code)
    return render(request, "reminders/town_list.html", {"page": page, "query": ""})


@require_http_methods(["GET", "POST"])
def policy(request, code):
    town = AdminUnit.objects.towns().fetch_for(request.user, code=code)
    setting = _period_of(town)
    instance = _policy_of(town, setting)
    if request.method == "POST":
        require(request.user, "manage_reminders", town.code)
    form = ReminderPolicyForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        form.instance.updated_by = request.user
        form.save()
        messages.success(request, _("The reminder settings of %(town)s were saved.")
                         % {"town": town.name})
        return redirect("reminders:policy", code=town.code)
    return _page(request, town, form, PeriodSettingForm(instance=setting))


@require_POST
def period(request, code):
    """The town's reporting deadline and evidence limit, posted from the same page."""
    town = AdminUnit.objects.towns().fetch_for(request.user, code=code)
    require(request.user, "manage_periods", town.code)
    setting = _period_of(town)
    before = (setting.deadline_day, setting.evidence_limit)
    form = PeriodSettingForm(request.POST, instance=setting)
    if not form.is_valid():
        # A fresh setting: validation has put the refused values on the form's instance.
        saved = _policy_of(town, _period_of(town))
        return _page(request, town, ReminderPolicyForm(instance=saved), form)
    with transaction.atomic():
        form.save()
        AuditEvent.record(AuditKind.SETTINGS, user=request.user, request=request,
                          target=town.code, setting="reporting_period",
                          before=list(before), after=[setting.deadline_day,
                                                      setting.evidence_limit])
    messages.success(request, _("The reporting deadline of %(town)s is now day %(day)d of "
                                "the next month.") % {"town": town.name,
                                                      "day": setting.deadline_day})
    return redirect("reminders:policy", code=town.code)


def _policy_of(town, setting: TownPeriodSetting) -> ReminderPolicy:
    instance = ReminderPolicy.objects.filter(town=town).first() or ReminderPolicy(town=town)
    instance.deadline_day = setting.deadline_day
    return instance


def _period_of(town) -> TownPeriodSetting:
    return TownPeriodSetting.objects.of(town.pk)


def _page(request, town, form, period_form):
    groups = (WorkingGroup.objects.filter(town=town).select_related("leader")
              .prefetch_related("robots").order_by("kind", "star", "name"))
    return render(request, "reminders/policy.html", {
        "town": town, "form": form, "period_form": period_form, "groups": groups,
        "schedule": form.instance.schedule(timezone.localdate()),
        "deadline_day": form.instance.deadline_day,
        "can_manage": can(request.user, "manage_reminders", town.code),
        "can_manage_periods": can(request.user, "manage_periods", town.code),
        "can_manage_groups": can(request.user, "manage_groups", town.code),
    })
