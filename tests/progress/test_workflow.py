"""Workflow, periods and optimistic locking of entries."""

from datetime import date, datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from scoring import services
from scoring.progress import periods, workflow
from scoring.progress.models import Entry, EntryStatus, MonthReopen, TownPeriodSetting
from tests import factories
from tests.progress.conftest import MAY, SHANGHAI
from villages.models import GroupKind, WorkingGroup
from wuxing.accounts.models import AuditEvent

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}


def _save_url(village, code="member_points_rate", month="2026-05"):
    return reverse("progress:save", args=[village.code, month, code])


def _indicator(ruleset, code="member_points_rate"):
    return ruleset.indicators.get(code=code)


# --- workflow -------------------------------------------------------------------------------


def test_an_entry_goes_from_draft_to_submitted_to_verified(official_a, leader_a, village_a,
                                                           ruleset, in_may):
    saved = workflow.save_value(official_a, village_a, _indicator(ruleset), MAY, "91", 0)
    assert saved.created and saved.entry.status == EntryStatus.DRAFT
    assert workflow.submit_month(official_a, village_a, MAY) == 1
    entry = Entry.objects.get()
    assert entry.status == EntryStatus.SUBMITTED
    workflow.verify(leader_a, entry, entry.version)
    entry.refresh_from_db()
    assert entry.status == EntryStatus.VERIFIED
    assert AuditEvent.objects.filter(kind="approval", detail__action="verify").exists()


def test_only_verified_entries_make_the_official_result(official_a, leader_a, village_a,
                                                        ruleset, in_may):
    workflow.save_value(official_a, village_a, _indicator(ruleset), MAY, "95", 0)
    assert services.evaluate_village(village_a, MAY, official=True).stars["branch"].score == 0
    assert services.evaluate_village(village_a, MAY, official=False).stars["branch"].score \
        == 25
    workflow.submit_month(official_a, village_a, MAY)
    workflow.verify(leader_a, Entry.objects.get())
    assert services.evaluate_village(village_a, MAY, official=True).stars["branch"].score \
        == 25


def test_a_returned_entry_needs_a_reason_and_shows_it_on_the_page(
        client, official_a, leader_a, secretary_a, village_a, ruleset, in_may):
    workflow.save_value(official_a, village_a, _indicator(ruleset), MAY, "91", 0)
    workflow.submit_month(official_a, village_a, MAY)
    entry = Entry.objects.get()
    with pytest.raises(ValidationError):
        workflow.send_back(leader_a, entry, "  ")
    workflow.send_back(leader_a, entry, "积分台账与上报数不一致")
    entry.refresh_from_db()
    assert entry.status == EntryStatus.RETURNED
    for user in (official_a, secretary_a):
        client.force_login(user)
        page = client.get(reverse("progress:month", args=[village_a.code, "2026-05"]))
        assert "积分台账与上报数不一致" in page.content.decode()
        assert 'id="returned-items"' in page.content.decode()


def test_a_returned_entry_is_not_in_the_preview_until_corrected(official_a, leader_a,
                                                                village_a, ruleset, in_may):
    workflow.save_value(official_a, village_a, _indicator(ruleset), MAY, "95", 0)
    workflow.submit_month(official_a, village_a, MAY)
    workflow.send_back(leader_a, Entry.objects.get(), "数据有误")
    assert services.evaluate_village(village_a, MAY, official=False).stars["branch"].score \
        == 0
    workflow.save_value(official_a, village_a, _indicator(ruleset), MAY, "96", 3)
    entry = Entry.objects.get()
    assert entry.status == EntryStatus.DRAFT and entry.version == 4


def test_the_star_group_leader_may_verify_but_another_official_may_not(
        official_a, town_a, village_a, ruleset, in_may):
    group_leader = factories.user_with_role("town_official", unit=town_a)
    WorkingGroup.objects.create(town=town_a, kind=GroupKind.STAR, star="branch",
                                name="支部专班", leader=group_leader)
    workflow.save_value(official_a, village_a, _indicator(ruleset), MAY, "91", 0)
    workflow.submit_month(official_a, village_a, MAY)
    entry = Entry.objects.get()
    with pytest.raises(PermissionDenied):
        workflow.verify(official_a, entry)
    other_star = workflow.save_value(official_a, village_a, _indicator(ruleset, "trees_planted"),
                                     MAY, "5", 0).entry
    workflow.submit(official_a, other_star)
    with pytest.raises(PermissionDenied):
        workflow.verify(group_leader, other_star)  # ecology, not their star
    workflow.verify(group_leader, entry)
    assert Entry.objects.get(pk=entry.pk).status == EntryStatus.VERIFIED


def test_a_verified_entry_cannot_be_edited(official_a, leader_a, village_a, ruleset, in_may):
    workflow.save_value(official_a, village_a, _indicator(ruleset), MAY, "91", 0)
    workflow.submit_month(official_a, village_a, MAY)
    workflow.verify(leader_a, Entry.objects.get())
    with pytest.raises(workflow.EntryRefused, match="已核实"):
        workflow.save_value(official_a, village_a, _indicator(ruleset), MAY, "50", 3)
    assert Entry.objects.get().value_number == 91


# --- carry forward vs missing in the engine ----------------------------------------------


def test_a_carried_value_counts_as_reported_and_a_missing_one_does_not(
        official_a, village_a, ruleset, in_may):
    factories.enter(village_a, ruleset, "member_points_rate", date(2026, 4, 1), 95)
    result = services.evaluate_village(village_a, MAY, official=False)
    assert MAY in result.indicators["member_points_rate"].months_missing
    workflow.carry_forward(official_a, village_a, _indicator(ruleset), MAY, 0)
    entry = Entry.objects.get(month=MAY)
    assert entry.carried and entry.value_number == 95
    result = services.evaluate_village(village_a, MAY, official=False)
    assert MAY not in result.indicators["member_points_rate"].months_missing
    assert result.indicators["member_points_rate"].reported


# --- periods ---------------------------------------------------------------------------------


def _at(*args):
    return time_machine.travel(datetime(*args, tzinfo=SHANGHAI), tick=False)


def test_a_month_is_open_through_the_fifth_of_the_next_month(official_a, village_a,
                                                              ruleset):
    with _at(2026, 6, 5, 23, 59):
        workflow.save_value(official_a, village_a, _indicator(ruleset), MAY, "91", 0)
    with _at(2026, 6, 6, 0, 0), pytest.raises(periods.MonthLocked, match="已于截止时间"):
        workflow.save_value(official_a, village_a, _indicator(ruleset), MAY, "92", 1)
    assert Entry.objects.get().value_number == 91


def test_the_deadline_is_a_per_town_setting(official_a, village_a, ruleset):
    TownPeriodSetting.objects.create(town=village_a.town, deadline_day=10)
    with _at(2026, 6, 9, 12, 0):
        workflow.save_value(official_a, village_a, _indicator(ruleset), MAY, "91", 0)
    with _at(2026, 6, 11, 0, 0), pytest.raises(periods.MonthLocked):
        workflow.save_value(official_a, village_a, _indicator(ruleset), MAY, "92", 1)


def test_a_month_that_has_not_begun_is_not_open(official_a, village_a, ruleset, in_may):
    with pytest.raises(periods.MonthLocked, match="尚未开始"):
        workflow.save_value(official_a, village_a, _indicator(ruleset), date(2026, 6, 1),
                            "91", 0)


def test_a_locked_month_refuses_writes_on_the_page_with_a_message(client, official_a,
                                                                 village_a, ruleset):
    client.force_login(official_a)
    with _at(2026, 6, 7, 9, 0):
        body = client.post(_save_url(village_a), {"value": "90", "version": "0"},
                           **HX).content.decode()
        page = client.get(reverse("progress:month", args=[village_a.code, "2026-05"]))
    assert "已于截止时间 2026-06-06 00:00 锁定" in body
    assert not Entry.objects.exists()
    assert 'name="value"' not in page.content.decode()


def test_a_town_leader_reopens_a_month_with_a_reason_logged(client, official_a, leader_a,
                                                           village_a, ruleset):
    with _at(2026, 6, 10, 9, 0):
        client.force_login(leader_a)
        url = reverse("progress:reopen", args=[village_a.code, "2026-05"])
        client.post(url, {"reason": " "})
        assert not MonthReopen.objects.exists()
        client.post(url, {"reason": "村里补交了5月的会议记录"})
        reopen = MonthReopen.objects.get()
        assert reopen.reopened_by == leader_a
        event = AuditEvent.objects.get(kind="reopen")
        assert event.detail["reason"] == "村里补交了5月的会议记录"
        assert event.target == f"{village_a.code} 2026-05"
        workflow.save_value(official_a, village_a, _indicator(ruleset), MAY, "91", 0)
    with _at(2026, 6, 18, 9, 0), pytest.raises(periods.MonthLocked):
        workflow.save_value(official_a, village_a, _indicator(ruleset), MAY, "92", 1)


def test_an_official_may_not_reopen(client, official_a, village_a, ruleset):
    client.force_login(official_a)
    with _at(2026, 6, 10, 9, 0):
        response = client.post(reverse("progress:reopen", args=[village_a.code, "2026-05"]),
                               {"reason": "想改"})
    assert response.status_code == 403
    assert not MonthReopen.objects.exists()


# --- optimistic locking ------------------------------------------------------------------


def test_a_stale_save_is_refused_showing_the_other_value_and_keeping_the_input(
        official_a, village_a, ruleset, town_a, in_may):
    other = factories.user_with_role("town_official", unit=town_a, name="李四")
    first, second = Client(), Client()
    first.force_login(other)
    second.force_login(official_a)
    # Both opened the page before any entry existed: both forms carry version 0.
    assert first.post(_save_url(village_a), {"value": "80", "version": "0"},
                      **HX).status_code == 200
    body = second.post(_save_url(village_a), {"value": "85", "version": "0"},
                       **HX).content.decode()
    assert "李四" in body and "“80”" in body and "2026-05-20 10:00" in body
    assert 'value="85"' in body  # what the second person typed is kept
    assert 'name="version" value="1"' in body  # saving again replaces knowingly
    entry = Entry.objects.get()
    assert entry.value_number == 80 and entry.entered_by == other
    second.post(_save_url(village_a), {"value": "85", "version": "1"}, **HX)
    assert Entry.objects.get().value_number == 85


def test_a_transition_from_a_stale_page_is_refused(official_a, leader_a, village_a, ruleset,
                                                   in_may):
    workflow.save_value(official_a, village_a, _indicator(ruleset), MAY, "91", 0)
    workflow.submit_month(official_a, village_a, MAY)
    entry = Entry.objects.get()
    with pytest.raises(workflow.StaleEntry):
        workflow.verify(leader_a, entry, version=1)
