"""The town leader's group robots: one WeCom and one DingTalk webhook per working group."""

from django.contrib import messages
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from villages.models import GroupKind, WorkingGroup
from wuxing.accounts.access import can, require
from wuxing.accounts.models import AuditEvent, AuditKind
from wuxing.notifications.models import GroupRobot

from .forms import RobotForm


@require_http_methods(["GET", "POST"])
def group_robots(request, pk):
    # Anyone who sees the town sees its robots (webhooks masked); changing them is the
    # town leader's. Reminders go to the star working groups (一星一专班) only, so only
    # they have robots here.
    group = (WorkingGroup.objects.filter(kind=GroupKind.STAR).select_related("town")
             .fetch_for(request.user, pk=pk))
    if request.method == "POST":
        require(request.user, "manage_groups", group.town.code)
    form = RobotForm(request.POST or None, instance=_robot_for(group, request.POST))
    if request.method == "POST" and form.is_valid():
        added = form.instance.pk is None
        with transaction.atomic():
            robot = form.save()
            _record(request, robot, "add" if added else "update")
        messages.success(request, _("The %(kind)s robot of %(group)s was saved.")
                         % {"kind": robot.get_kind_display(), "group": group.name})
        return redirect("reminders:robots", pk=group.pk)
    return render(request, "reminders/robots.html", {
        "group": group, "town": group.town, "form": form,
        "robots": GroupRobot.objects.filter(group=group).order_by("kind"),
        "can_manage": can(request.user, "manage_groups", group.town.code)})


@require_POST
def delete_robot(request, pk):
    robot = GroupRobot.objects.select_related("group__town").fetch_for(
        request.user, "manage_groups", pk=pk)
    with transaction.atomic():
        _record(request, robot, "delete")
        robot.delete()
    messages.success(request, _("The %(kind)s robot of %(group)s was removed.")
                     % {"kind": robot.get_kind_display(), "group": robot.group.name})
    return redirect("reminders:robots", pk=robot.group_id)


def _robot_for(group, data) -> GroupRobot:
    """The group's robot of the posted kind, so that posting a kind again replaces it."""
    kind = data.get("kind") if data else None
    existing = GroupRobot.objects.filter(group=group, kind=kind).first() if kind else None
    return existing or GroupRobot(group=group)


def _record(request, robot: GroupRobot, action: str) -> None:
    # Neither the webhook (its key) nor the secret goes into the audit trail.
    AuditEvent.record(AuditKind.SETTINGS, user=request.user, request=request,
                      target=robot.group.town.code, setting="group_robot", action=action,
                      group=robot.group_id, robot_kind=robot.kind, enabled=robot.enabled)
