"""County reviewers start a recompute run from the star rules page and watch its bar."""

from datetime import date

import pytest
import time_machine
from django.urls import reverse

from scoring import runs
from scoring.models import Assessment, RecomputeRun, RunState
from tests.factories import enter

pytestmark = pytest.mark.django_db
MARCH = date(2026, 3, 1)


@pytest.fixture
def entered(ruleset, village_a, village_b):
    enter(village_a, ruleset, "cooperatives_led", MARCH, 1)
    enter(village_b, ruleset, "cooperatives_led", MARCH, 1)


@time_machine.travel("2026-05-20 10:00 +0800", tick=False)
def test_a_reviewer_starts_a_run_of_the_county_and_sees_it_finish(
        client, reviewer_a, town_a, village_b, entered, django_capture_on_commit_callbacks):
    county = town_a.parent
    client.force_login(reviewer_a)
    page = client.get(reverse("rulesets:in_force", args=[county.code])).content.decode()
    assert 'id="recompute"' in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("rulesets:recompute", args=[county.code]))
    run = RecomputeRun.objects.get()
    assert response.url == reverse("rulesets:run", args=[run.pk])
    assert (run.scope, run.months, run.started_by) == (county.prefix, ["2026-03-01"],
                                                       reviewer_a)
    run.refresh_from_db()
    assert run.state == RunState.DONE
    # town B lies in the same county: the run covered both towns
    assert Assessment.objects.filter(village=village_b, month=MARCH).exists()
    body = client.get(response.url).content.decode()
    assert 'aria-valuenow="100"' in body and 'data-state="done"' in body
    assert "every 2s" not in body  # finished: the bar stops polling


def test_a_running_run_polls_its_bar_in_place(client, reviewer_a, town_a, entered):
    run = runs.start(town_a.parent.prefix, [MARCH], queue=False)
    client.force_login(reviewer_a)
    part = client.get(reverse("rulesets:run", args=[run.pk]), HTTP_HX_REQUEST="true")
    body = part.content.decode()
    assert not body.lstrip().startswith("<!DOCTYPE")  # the partial only
    assert 'hx-trigger="every 2s"' in body and 'aria-valuenow="0"' in body


def test_only_reviewers_see_the_recompute_button(client, official_a, town_a, entered):
    client.force_login(official_a)
    page = client.get(reverse("rulesets:in_force", args=[town_a.code])).content.decode()
    assert 'id="recompute"' not in page
    assert client.post(reverse("rulesets:recompute", args=[town_a.code])).status_code == 403
    assert not RecomputeRun.objects.exists()
