"""The town leader's reminder settings."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from scoring.progress import periods
from villages.models import AdminUnit, WorkingGroup
from wuxing.accounts.access import can, require

from .forms import ReminderPolicyForm
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
    instance = ReminderPolicy.objects.filter(town=town).first() or ReminderPolicy(town=town)
    instance.deadline_day = periods.deadline_day(town)
    if request.method == "POST":
        require(request.user, "manage_reminders", town.code)
    form = ReminderPolicyForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        form.instance.updated_by = request.user
        form.save()
        messages.success(request, _("The reminder settings of %(town)s were saved.")
                         % {"town": town.name})
        return redirect("reminders:policy", code=town.code)
    groups = (WorkingGroup.objects.filter(town=town).select_related("leader")
              .prefetch_related("robots").order_by("kind", "star", "name"))
    return render(request, "reminders/policy.html", {
        "town": town, "form": form, "groups": groups,
        "schedule": instance.schedule(timezone.localdate()),
        "deadline_day": instance.deadline_day,
        "can_manage": can(request.user, "manage_reminders", town.code),
    })
