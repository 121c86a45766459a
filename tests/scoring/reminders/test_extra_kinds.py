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


def test_administrators_hear_of_waiting_applications_but_never_one_who_submitted_it(
        app_town, leader_a, town_a):
    from scoring.reviews.models import ReviewLog
    from tests import factories

    admin = factories.user_with_role("admin", unit=town_a.parent)
    other_leader = factories.user_with_role("town_leader", unit=town_a)
    # The leader once submitted this application for the village: they may not review it.
    ReviewLog.objects.create(application=app_town, actor=leader_a, action="resubmit",
                             from_state="returned", to_state=app_town.state)
    waiting_since(app_town, 6)
    run_dispatch(timezone.localdate())
    assert kinds_of(admin) == [ReminderKind.REVIEW_WAITING]
    assert kinds_of(other_leader) == [ReminderKind.REVIEW_WAITING]
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


def test_an_entry_sent_back_again_after_a_correction_is_told_again(
        ruleset, village_a, secretary_a, official_a, leader_a):
    from scoring.progress import workflow
    indicator = ruleset.indicators.filter(cadence=Cadence.MONTHLY, kind="bool").first()
    with time_machine.travel("2026-11-20 10:00 +0800"):
        entry = workflow.save_value(official_a, village_a, indicator, date(2026, 11, 1),
                                    "yes", 0).entry
        entry = workflow.submit(official_a, entry, entry.version)
        entry = workflow.send_back(leader_a, entry, "照片不清晰", entry.version)
        run_dispatch(date(2026, 11, 20))
    with time_machine.travel("2026-11-21 10:00 +0800"):
        entry = workflow.save_value(official_a, village_a, indicator, date(2026, 11, 1),
                                    "yes", entry.version).entry  # corrected ...
        entry = workflow.submit(official_a, entry, entry.version)
        workflow.send_back(leader_a, entry, "仍缺会议记录", entry.version)  # ... and again
        run_dispatch(date(2026, 11, 21))
        run_dispatch(date(2026, 11, 22))  # nothing new: nothing more
    notes = list(Notification.objects.filter(recipient=secretary_a).order_by("pk")
                 .values_list("body", flat=True))
    assert len(notes) == 2
    assert "照片不清晰" in notes[0] and "仍缺会议记录" in notes[1]
