"""Bulk approval lists what it will do and approves only stars the engine marks met;
certificates carry a number per county and year, never a database id."""

import threading

import pytest
from django.db import connection, connections
from django.urls import reverse
from django.utils import timezone

from scoring.reviews.models import Application, AppState, Award, CertificateCounter
from tests import factories
from tests.conftest import need_service
from tests.reviews.fixtures import make_application, make_cycle

pytestmark = pytest.mark.django_db


def _opened(client, reviewer, cycle, town, earned, name):
    village = factories.VillageFactory(town=town, name=name)
    secretary = factories.user_with_role("village_secretary", village=village)
    application = make_application(cycle, village, secretary, AppState.COUNTY,
                                   earned=earned)
    client.get(reverse("reviews:detail", args=[application.pk]))
    return application


def test_bulk_approval_first_lists_what_it_will_approve_and_changes_nothing(
        client, cycle_a, town_a, reviewer_a):
    client.force_login(reviewer_a)
    met = _opened(client, reviewer_a, cycle_a, town_a, ["industry", "ecology"], "达标村")
    mixed = _opened(client, reviewer_a, cycle_a, town_a, ["industry"], "半达标村")
    response = client.post(reverse("reviews:bulk"), {"ids": [met.pk, mixed.pk]})
    assert response.status_code == 200
    page = response.content.decode()
    assert "确认批量审核" in page
    rows = {item.application.pk: item for item in response.context["plan"]}
    assert (rows[met.pk].outcome, rows[met.pk].stars) == ("approve", ["industry", "ecology"])
    assert (rows[mixed.pk].outcome, rows[mixed.pk].waiting) == ("undecided", ["ecology"])
    assert "系统评定未达标：生态宜居星" in page
    assert f'name="ids" value="{met.pk}"' in page
    assert f'name="ids" value="{mixed.pk}"' not in page
    assert set(Application.objects.values_list("state", flat=True)) == {AppState.COUNTY}


def test_bulk_approval_approves_only_stars_the_engine_marks_met(client, cycle_a, town_a,
                                                               reviewer_a):
    client.force_login(reviewer_a)
    met = _opened(client, reviewer_a, cycle_a, town_a, ["industry", "ecology"], "达标村")
    mixed = _opened(client, reviewer_a, cycle_a, town_a, ["industry"], "半达标村")
    response = client.post(reverse("reviews:bulk"), {"ids": [met.pk, mixed.pk],
                                                     "confirm": "1"}, follow=True)
    met.refresh_from_db()
    mixed.refresh_from_db()
    assert met.state == AppState.APPROVED and met.approved_stars == ["industry", "ecology"]
    assert mixed.state == AppState.COUNTY and mixed.approved_stars == []
    assert "半达标村" in response.content.decode()  # told why it was not approved


def test_the_queue_button_opens_the_confirmation_not_a_blind_approval(client, cycle_a,
                                                                     town_a, reviewer_a):
    client.force_login(reviewer_a)
    _opened(client, reviewer_a, cycle_a, town_a, ["industry"], "甲一村")
    page = client.get(reverse("reviews:queue")).content.decode()
    assert 'id="bulk-button"' in page and "data-confirm" not in page.split("bulk-button")[1][:80]


def test_awards_get_a_number_by_county_year_and_sequence(cycle_a, village_a, town_a):
    first = Award.objects.create(cycle=cycle_a, village=village_a, star="industry",
                                 awarded_on=timezone.localdate())
    second = Award.objects.create(cycle=cycle_a, village=village_a, star="ecology",
                                  awarded_on=timezone.localdate())
    county = village_a.code[:6]
    assert first.number == f"{county}-{cycle_a.year}-0001"
    assert second.number == f"{county}-{cycle_a.year}-0002"
    other_year = make_cycle(town_a.parent, year=cycle_a.year + 1)
    assert Award.objects.create(cycle=other_year, village=village_a, star="industry",
                                awarded_on=timezone.localdate()).number == \
        f"{county}-{cycle_a.year + 1}-0001"
    first.status = "revoked"
    first.save()
    first.refresh_from_db()
    assert first.number == f"{county}-{cycle_a.year}-0001"  # kept on every later save


def test_the_certificate_shows_its_number_not_the_database_id(client, award_a,
                                                             secretary_a):
    client.force_login(secretary_a)
    page = client.get(reverse("reviews:certificate", args=[award_a.pk])).content.decode()
    assert f"证书编号 {award_a.number}" in page
    assert award_a.number.endswith("-0001") and award_a.number.startswith(
        award_a.village.code[:6])


@pytest.mark.django_db(transaction=True)
def test_concurrent_awards_never_share_a_number(town_a):
    need_service(connection.vendor == "postgresql",
                 "the counter row lock needs PostgreSQL (set DATABASE_URL)")
    cycle = make_cycle(town_a.parent)
    villages = [factories.VillageFactory(town=town_a) for _ in range(6)]
    start = threading.Barrier(len(villages))
    errors = []

    def award(village):
        try:
            start.wait()
            Award.objects.create(cycle=cycle, village=village, star="industry",
                                 awarded_on=timezone.localdate())
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=award, args=(v,)) for v in villages]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    numbers = sorted(Award.objects.values_list("number", flat=True))
    county = town_a.code[:6]
    assert numbers == [f"{county}-{cycle.year}-{n:04d}" for n in range(1, 7)]
    assert CertificateCounter.objects.get(county_code=county, year=cycle.year).last == 6
