"""The verification page across villages and its one action (row or selection)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from . import periods, verification, workflow

PAGE_SIZE = 30


def verification_page(request, status=200, error=""):
    village = request.GET.get("village", "")[:12]
    entries = verification.waiting_for(request.user, village)
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "progress/verification.html", {
        "page": page, "rows": verification.rows_for(page.object_list), "village": village,
        "query": f"village={village}" if village else "",
        "error": error}, status=status)


def _back(request) -> str:
    village = request.POST.get("village", "")[:12]
    url = reverse("progress:verification")
    return f"{url}?village={village}" if village.isdigit() else url


@require_POST
def verification_act(request):
    try:
        asked = verification.parse(request.POST)
        count = verification.act(request.user, asked, request=request)
    except workflow.StaleEntry as exc:
        return verification_page(request, status=409, error=str(exc))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(_back(request))
    except (workflow.EntryRefused, periods.MonthLocked) as exc:
        messages.error(request, str(exc))
        return redirect(_back(request))
    if asked.action == verification.VERIFY:
        text = ngettext("%(n)d entry verified.", "%(n)d entries verified.", count)
    else:
        text = ngettext("%(n)d entry returned with the reason.",
                        "%(n)d entries returned with the reason.", count)
    messages.success(request, text % {"n": count})
    return redirect(_back(request))
