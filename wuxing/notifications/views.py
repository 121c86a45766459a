"""The notification centre and the reminder history: every user's own rows only."""

from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from .models import Delivery, Notification

PAGE_SIZE = 20


def notification_list(request):
    notifications = Notification.objects.visible_to(request.user).order_by("-created_at",
                                                                           "-id")
    if request.GET.get("unread"):
        notifications = notifications.unread()
    page = Paginator(notifications, PAGE_SIZE).get_page(request.GET.get("page"))
    query = "unread=1" if request.GET.get("unread") else ""
    return render(request, "notifications/notification_list.html", {
        "page": page, "query": query, "only_unread": bool(query),
        "unread": Notification.objects.visible_to(request.user).unread().exists()})


def badge(request):
    """The navigation's unread count, loaded and refreshed by htmx."""
    count = Notification.objects.visible_to(request.user).unread().count()
    return render(request, "notifications/badge.html", {"count": count})


@require_POST
def mark_read(request, pk):
    notification = Notification.objects.fetch_for(request.user, pk=pk)
    Notification.objects.filter(pk=notification.pk).mark_read()
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()},
                                                  request.is_secure()):
        return redirect(target)
    return redirect("notifications:list")


@require_POST
def mark_all_read(request):
    Notification.objects.visible_to(request.user).mark_read()
    return redirect("notifications:list")


def history(request):
    rows = Delivery.objects.visible_to(request.user).for_history()
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "notifications/history.html", {"page": page, "query": ""})
