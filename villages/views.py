from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from scoring import todo
from wuxing.accounts.access import can

from .forms import VillageFactsForm, VillageFilterForm
from .models import Village, WorkingGroup

PAGE_SIZE = 25


def village_list(request):
    form = VillageFilterForm(request.GET or None, user=request.user)
    villages = form.apply(Village.objects.visible_to(request.user).for_list())
    page = Paginator(villages, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    month = timezone.localdate().replace(day=1)
    todo.mark_states(page.object_list, month)
    return render(request, "villages/village_list.html", {
        "form": form, "page": page, "query": query.urlencode(), "month": month,
        "todo": todo.for_user(request.user)})


def village_detail(request, code):
    village = Village.objects.for_list().fetch_for(request.user, code=code)
    groups = (WorkingGroup.objects.covering(village)
              .select_related("leader", "area").prefetch_related("members"))
    return render(request, "villages/village_detail.html", {
        "village": village,
        "groups": groups,
        "can_edit": can(request.user, "edit_village", village.code),
    })


@require_http_methods(["GET", "POST"])
def village_edit(request, code):
    village = Village.objects.fetch_for(request.user, "edit_village", code=code)
    form = VillageFactsForm(request.POST or None, instance=village)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("The village's facts were saved."))
        return redirect("villages:detail", code=village.code)
    return render(request, "villages/village_edit.html", {"village": village, "form": form})
