"""Two county reviewers approve the same application at once: one transition, one 409."""

import threading

import pytest
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from scoring.reviews.models import AppState, ReviewLog
from tests.conftest import need_service
from tests.reviews.fixtures import decisions


def test_a_second_approval_of_a_handled_application_gets_a_friendly_409(
        db, client, app_county, reviewer_a, town_a):
    from tests import factories
    other = factories.user_with_role("county_reviewer", unit=town_a.parent)
    url = reverse("reviews:approve", args=[app_county.pk])
    data = decisions(AppState.COUNTY)
    client.force_login(reviewer_a)
    assert client.post(url, data).status_code == 302
    client.force_login(other)
    response = client.post(url, data)
    assert response.status_code == 409
    assert "已由他人办理" in response.content.decode()
    assert ReviewLog.objects.filter(application=app_county, action="approve").count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_reviewers_approving_at_the_same_moment_yield_one_transition(town_a, village_a):
    need_service(connection.vendor == "postgresql",
                 "the row lock needs PostgreSQL (set DATABASE_URL)")
    from scoring.rulesets import load_reference
    from tests import factories
    from tests.reviews.fixtures import ensure_stars, make_application, make_cycle
    ensure_stars()
    ruleset = load_reference(town_a.parent, year=2026)
    submitter = factories.user_with_role("village_secretary", village=village_a)
    reviewers = [factories.user_with_role("county_reviewer", unit=town_a.parent)
                 for _ in range(2)]
    application = make_application(make_cycle(town_a.parent, ruleset), village_a, submitter,
                                   AppState.COUNTY)
    url = reverse("reviews:approve", args=[application.pk])
    start = threading.Barrier(2)
    codes = []

    def approve(user):
        # Each thread has its own database connection, hence its own transaction.
        try:
            client = Client()
            client.force_login(user)
            start.wait()
            codes.append(client.post(url, decisions(AppState.COUNTY)).status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=approve, args=(user,)) for user in reviewers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(codes) == [302, 409]
    application.refresh_from_db()
    assert application.state == AppState.APPROVED
    assert ReviewLog.objects.filter(application=application, action="approve").count() == 1
