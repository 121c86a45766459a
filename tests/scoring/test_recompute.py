"""Assessments follow entries: receivers on save/delete, and the recompute and star_report
commands."""

import csv
import io
from datetime import date

import pytest
import time_machine
from django.core.management import CommandError, call_command

from scoring import receivers, services
from scoring.models import Assessment
from scoring.progress.models import Evidence
from tests.factories import VillageFactory, enter
from villages.models import Village

pytestmark = pytest.mark.django_db
MARCH, APRIL, MAY = date(2026, 3, 1), date(2026, 4, 1), date(2026, 5, 1)


def _recomputes(callbacks):
    # Other apps queue their own on-commit work on entry saves; count only recomputes.
    return [c for c in callbacks if isinstance(c, services._QueuedRecompute)]


def _official(village, month):
    return Assessment.objects.official().get(village=village, month=month)


def test_saving_an_entry_recomputes_its_month_on_commit(ruleset, village_a,
                                                        django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        enter(village_a, ruleset, "criminal_cases", MARCH, 0)
    assert len(_recomputes(callbacks)) == 1
    assert _official(village_a, MARCH).result["indicators"]["criminal_cases"]["reported"]


def test_a_march_change_also_recomputes_later_months_that_have_assessments(
        ruleset, village_a, django_capture_on_commit_callbacks):
    entry = enter(village_a, ruleset, "criminal_cases", MARCH, 0)
    services.recompute(Village.objects.all(), APRIL)
    assert _official(village_a, APRIL).result["indicators"]["criminal_cases"][
        "veto_hit"] is False
    assert receivers.months_to_recompute(village_a.pk, MARCH) == [MARCH, APRIL]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        entry.value_number = 2
        entry.save()
    # March and April, not May (no assessments there)
    assert [c.key for c in _recomputes(callbacks)] == [(village_a.pk, MARCH),
                                                        (village_a.pk, APRIL)]
    april = _official(village_a, APRIL)
    assert april.result["indicators"]["criminal_cases"]["veto_hit"] is True
    assert not Assessment.objects.filter(month=MAY).exists()


def test_months_of_another_cycle_are_left_alone(ruleset, village_a):
    services.recompute(Village.objects.all(), date(2027, 1, 1))
    assert receivers.months_to_recompute(village_a.pk, MARCH) == [MARCH]


def test_evidence_saved_and_deleted_recompute_the_entry_month(
        ruleset, village_a, django_capture_on_commit_callbacks):
    entry = enter(village_a, ruleset, "civilised_households", MARCH, 85)
    services.recompute(Village.objects.all(), MARCH)
    assert _official(village_a, MARCH).result["indicators"]["civilised_households"][
        "evidence_missing"] == {"document": 1}
    with django_capture_on_commit_callbacks(execute=True):
        evidence = Evidence.objects.create(entry=entry, kind="document", file="x.pdf")
    assert _official(village_a, MARCH).result["indicators"]["civilised_households"][
        "evidence_missing"] == {}
    with django_capture_on_commit_callbacks(execute=True):
        evidence.delete()
    assert _official(village_a, MARCH).result["indicators"]["civilised_households"][
        "evidence_missing"] == {"document": 1}


def test_deleting_an_entry_recomputes(ruleset, village_a, django_capture_on_commit_callbacks):
    entry = enter(village_a, ruleset, "criminal_cases", MARCH, 3)
    services.recompute(Village.objects.all(), MARCH)
    assert _official(village_a, MARCH).result["indicators"]["criminal_cases"]["veto_hit"]
    with django_capture_on_commit_callbacks(execute=True):
        entry.delete()
    assert not _official(village_a, MARCH).result["indicators"]["criminal_cases"]["reported"]


@time_machine.travel("2026-05-20 10:00 +0800", tick=False)
def test_recompute_command_defaults_to_the_cycle_months_with_entries(ruleset, village_a,
                                                                     village_b):
    enter(village_a, ruleset, "criminal_cases", MARCH, 0)
    enter(village_b, ruleset, "criminal_cases", APRIL, 0)
    enter(village_a, ruleset, "criminal_cases", date(2025, 12, 1), 0)  # last cycle
    out = io.StringIO()
    call_command("recompute", stdout=out)
    assert sorted(set(Assessment.objects.values_list("month", flat=True))) == [MARCH, APRIL]
    assert "2026-03" in out.getvalue() and "2026-04" in out.getvalue()


def test_recompute_command_limits_to_a_division_and_month(ruleset, village_a, village_b):
    enter(village_a, ruleset, "criminal_cases", MARCH, 0)
    call_command("recompute", division=village_a.town.code[:9], month="2026-03",
                 stdout=io.StringIO())
    assert list(Assessment.objects.values_list("village", flat=True).distinct()) == [
        village_a.pk]


def test_recompute_command_refuses_an_unknown_division_and_a_bad_month(ruleset):
    with pytest.raises(CommandError, match="999999"):
        call_command("recompute", division="999999")
    with pytest.raises(CommandError, match="2026-13"):
        call_command("recompute", month="2026-13")


def _report(**kwargs) -> list[list[str]]:
    out = io.StringIO()
    call_command("star_report", format="csv", stdout=out, **kwargs)
    return list(csv.reader(io.StringIO(out.getvalue())))


def _earn_safety(village, ruleset, month):
    for code, value in [("criminal_cases", 0), ("petitions_beyond", 0),
                        ("casualty_accidents", 0), ("dispute_resolution_rate", 100),
                        ("legal_publicity", 4), ("rule_of_law_village", "县级")]:
        enter(village, ruleset, code, month, value)
    entry = enter(village, ruleset, "fire_station", month, True)
    Evidence.objects.create(entry=entry, kind="photo", file="x.jpg")


def test_star_report_csv_lists_every_village_of_the_unit_with_codes_in_star_order(
        ruleset, village_a, town_a):
    other = VillageFactory(town=town_a, name="丙村")
    _earn_safety(village_a, ruleset, MARCH)
    enter(other, ruleset, "criminal_cases", MARCH, 1)
    rows = _report(division=town_a.prefix)
    assert rows[0] == ["code", "name", "level", "stars"]
    assert rows[1:] == sorted([[village_a.code, "甲村", "1", "safety"],
                               [other.code, "丙村", "0", ""]])


def test_star_report_uses_the_latest_month_with_entries_and_only_verified_ones(
        ruleset, village_a, town_a):
    _earn_safety(village_a, ruleset, MARCH)
    enter(village_a, ruleset, "criminal_cases", APRIL, 1, status="draft")
    rows = _report(division=town_a.code)
    assert rows[1] == [village_a.code, "甲村", "1", "safety"]  # April, the draft ignored
    assert Assessment.objects.official().get(village=village_a).month == APRIL
    assert _report(division=town_a.code, month="2026-02")[1][2:] == ["0", ""]


def test_star_report_table_names_the_stars(ruleset, village_a, town_a):
    _earn_safety(village_a, ruleset, MARCH)
    out = io.StringIO()
    call_command("star_report", division=town_a.prefix, stdout=out)
    assert "甲村" in out.getvalue() and "平安法治星" in out.getvalue()
