"""The reminder kinds and when each is due relative to a town's monthly deadline."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ReminderKind(models.TextChoices):
    ENTRY_DUE = "entry_due", _("Entries due")
    OVERDUE = "overdue", _("Entries overdue")
    OVERDUE_LEADER = "overdue_leader", _("Overdue, to the group leader")
    OVERDUE_TOWN = "overdue_town", _("Overdue, to the town leader")
    MONTHLY_SUMMARY = "monthly_summary", _("Monthly summary")
    REVIEW_WAITING = "review_waiting", _("Applications waiting for review")
    VILLAGE_NOTICE = "village_notice", _("Village notice")
    ENTRY_RETURNED = "entry_returned", _("Entries returned")


# Kinds computed from the villages' missing and returned entries of a month.
ENTRY_KINDS = (ReminderKind.ENTRY_DUE, ReminderKind.OVERDUE, ReminderKind.OVERDUE_LEADER,
               ReminderKind.OVERDUE_TOWN, ReminderKind.MONTHLY_SUMMARY)
