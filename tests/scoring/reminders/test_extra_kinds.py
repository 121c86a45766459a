"""Applications waiting for review (weekly, to the reviewers of the step) and entries
sent back (to the village secretary)."""

from datetime import date, timedelta

import pytest
import time_machine
from django.utils import timezone

from scoring.models import Cadence
from scoring.progress.models import Entry, EntryStatus
from scoring.reminders.kinds import ReminderKind
from scoring.reminders.models import ReminderPolicy
from scoring.reviews.models import Application
from tests.reminders_fixtures import run_dispatch
from wuxing.notifications.models import Notification

pytestmark = pytest.mark.django_db


def waiting_since(application, days):
    Application.objects.filter(pk=application.pk).update(
        state_since=timezone.now() - timedelta(days=days))


def kinds_of(user):
    return list(Notification.objects.filter(recipient=user)
                .values_list("message__kind", flat=True))


def test_the_town_leader_hears_of_applications_waiting_too_long(app_town, leader_a,
                                                                reviewer_a, official_a):
    waiting_since(app_town, 5)
    run_dispatch(timezone.localdate())
    assert ReminderKind.REVIEW_WAITING not in kinds_of(leader_a)
    waiting_since(app_town, 6)
    run_dispatch(timezone.localdate())
    note = Notification.objects.get(recipient=leader_a, message__kind="review_waiting")
    assert note.title == "1 份星级申报等待您审核" and "甲村：已等待 6 天" in note.body
    assert kinds_of(reviewer_a) == [] and kinds_of(official_a) == []
    run_dispatch(timezone.localdate())  # once a week at most
    assert kinds_of(leader_a).count(ReminderKind.REVIEW_WAITING) == 1


def test_the_county_reviewer_hears_of_the_county_step(app_county, leader_a, reviewer_a,
                                                      town_a):
    ReminderPolicy.objects.create(town=town_a, review_waiting_days=2)
    waiting_since(app_county, 3)
    run_dispatch(timezone.localdate())
    assert kinds_of(reviewer_a) == [ReminderKind.REVIEW_WAITING]
    assert ReminderKind.REVIEW_WAITING not in kinds_of(leader_a)


def test_the_secretary_hears_of_entries_sent_back(ruleset, village_a, secretary_a,
                                                  official_a):
    indicator = ruleset.indicators.filter(cadence=Cadence.MONTHLY).first()
    with time_machine.travel("2026-11-20 10:00 +0800"):
        Entry.objects.create(village=village_a, indicator=indicator,
                             month=date(2026, 11, 1), status=EntryStatus.RETURNED,
                             return_reason="照片不清晰")
        run_dispatch(date(2026, 11, 20))
        run_dispatch(date(2026, 11, 21))
    note = Notification.objects.get(recipient=secretary_a)
    assert note.title == "【甲村】1 项进展被退回"
    assert f"{indicator.name}（2026-11）：照片不清晰" in note.body
    assert note.url == f"/progress/village/{village_a.code}/2026-11/"
