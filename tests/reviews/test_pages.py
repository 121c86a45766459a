"""The queue, bulk approval after viewing, and query counts that do not grow with rows."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from scoring.reviews.models import Application, AppState
from tests import factories
from tests.reviews.fixtures import make_application

pytestmark = pytest.mark.django_db


def _applications(cycle, town, count, state=AppState.COUNTY, earned=()):
    made = []
    for _ in range(count):
        village = factories.VillageFactory(town=town)
        secretary = factories.user_with_role("village_secretary", village=village)
        made.append(make_application(cycle, village, secretary, state, earned=earned))
    return made


def test_the_queue_is_oldest_first_and_highlights_long_waits(client, cycle_a, town_a,
                                                            reviewer_a):
    older, newer = _applications(cycle_a, town_a, 2)
    Application.objects.filter(pk=older.pk).update(
        state_since=timezone.now() - timedelta(days=cycle_a.overdue_days + 1))
    client.force_login(reviewer_a)
    response = client.get(reverse("reviews:queue"))
    rows = list(response.context["page"].object_list)
    assert [a.pk for a in rows] == [older.pk, newer.pk]
    page = response.content.decode()
    assert page.count("overdue") == 1 and "等待过久" in page


def test_a_town_leader_sees_only_the_town_step_of_their_town(client, cycle_a, town_a,
                                                            town_b, leader_a):
    mine = _applications(cycle_a, town_a, 1, AppState.TOWN)[0]
    _applications(cycle_a, town_a, 1, AppState.COUNTY)
    _applications(cycle_a, town_b, 1, AppState.TOWN)
    client.force_login(leader_a)
    rows = list(client.get(reverse("reviews:queue")).context["page"].object_list)
    assert rows == [mine]


def test_bulk_approval_takes_only_the_applications_the_reviewer_opened(client, cycle_a,
                                                                      town_a, reviewer_a):
    opened, unopened = _applications(cycle_a, town_a, 2, earned=["industry", "ecology"])
    client.force_login(reviewer_a)
    assert client.get(reverse("reviews:detail", args=[opened.pk])).status_code == 200
    response = client.post(reverse("reviews:bulk"), {"ids": [opened.pk, unopened.pk],
                                                     "confirm": "1"}, follow=True)
    opened.refresh_from_db()
    unopened.refresh_from_db()
    assert opened.state == AppState.APPROVED
    assert opened.approved_stars == ["industry", "ecology"]
    assert unopened.state == AppState.COUNTY
    assert "请先打开查看" in response.content.decode()


def test_a_new_round_must_be_opened_again_before_bulk_approval(client, cycle_a, town_a,
                                                              leader_a):
    from scoring.reviews import services
    application = _applications(cycle_a, town_a, 1, AppState.TOWN)[0]
    client.force_login(leader_a)
    client.get(reverse("reviews:detail", args=[application.pk]))
    services.send_back(application.pk, leader_a, {"stars": {"industry": "缺凭证"}})
    services.resubmit(application.pk, application.submitted_by, {"star:industry": "已补"})
    client.post(reverse("reviews:bulk"), {"ids": [application.pk], "confirm": "1"})
    application.refresh_from_db()
    assert application.state == AppState.TOWN


def _queries(client, user, name, **kwargs) -> int:
    client.force_login(user)
    url = reverse(name, kwargs=kwargs)
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("name, user", [("reviews:queue", "reviewer_a"),
                                        ("reviews:mine", "official_a")])
def test_list_query_counts_do_not_grow_with_applications(client, request, cycle_a, town_a,
                                                         name, user):
    user = request.getfixturevalue(user)
    _applications(cycle_a, town_a, 2)
    few = _queries(client, user, name)
    _applications(cycle_a, town_a, 8)
    assert _queries(client, user, name) == few
    assert few <= 12


def test_the_notice_page_query_count_does_not_grow(client, cycle_a, town_a, reviewer_a,
                                                   official_a):
    from scoring.reviews import awarding
    _applications(cycle_a, town_a, 2, AppState.APPROVED)
    awarding.publish_notice(cycle_a, reviewer_a, timezone.localdate())
    few = _queries(client, official_a, "reviews:notice", pk=cycle_a.pk)
    _applications(cycle_a, town_a, 6, AppState.APPROVED)
    awarding.publish_notice(cycle_a, reviewer_a, timezone.localdate())
    assert _queries(client, official_a, "reviews:notice", pk=cycle_a.pk) == few


def test_the_notice_page_is_paginated(client, cycle_a, town_a, reviewer_a, official_a):
    from scoring.reviews import awarding
    from scoring.reviews.views.cycles import NOTICE_PAGE_SIZE
    _applications(cycle_a, town_a, NOTICE_PAGE_SIZE + 1, AppState.APPROVED)
    awarding.publish_notice(cycle_a, reviewer_a, timezone.localdate())
    client.force_login(official_a)
    url = reverse("reviews:notice", kwargs={"pk": cycle_a.pk})
    first = client.get(url)
    assert len(first.context["notices"][0][1]) == NOTICE_PAGE_SIZE
    assert "第 1 页，共 2 页" in first.content.decode()
    second = client.get(url, {"page": 2})
    assert len(second.context["notices"][0][1]) == 1


def test_the_certificate_is_a_printable_chinese_a4_page(client, award_a, secretary_a):
    client.force_login(secretary_a)
    page = client.get(reverse("reviews:certificate", args=[award_a.pk])).content.decode()
    assert "授星通知" in page and "平安法治星" in page
    assert "reviews.css" in page and "data-print" in page


def test_the_county_edits_its_cycle_and_bad_input_changes_nothing(client, cycle_a,
                                                                  reviewer_a):
    client.force_login(reviewer_a)
    url = reverse("reviews:cycle_edit", args=[cycle_a.pk])
    data = {"year": cycle_a.year, "opens_on": "2026-03-01", "closes_on": "2026-02-01",
            "notice_days": 5, "overdue_days": 7, "chain_text": "town,city,county",
            "holidays_text": "2026-10-01\n2026-10-02"}
    response = client.post(url, data)
    assert response.status_code == 200
    cycle_a.refresh_from_db()
    assert cycle_a.chain == ["town", "county"]
    data["closes_on"] = "2026-12-31"
    assert client.post(url, data).status_code == 302
    cycle_a.refresh_from_db()
    assert cycle_a.chain == ["town", "city", "county"]
    assert cycle_a.holidays == ["2026-10-01", "2026-10-02"]


def test_the_cycle_page_shows_the_county_targets(client, cycle_a, reviewer_a):
    from scoring.dashboards.models import CountyTarget
    client.force_login(reviewer_a)
    url = reverse("reviews:cycle", args=[cycle_a.pk])
    assert "county-target" not in client.get(url).content.decode()
    CountyTarget.objects.create(county=cycle_a.county, year=cycle_a.year, min_level_all=3,
                                share_four_plus=40, share_five=10)
    page = client.get(url).content.decode()
    assert "county-target" in page and "40%" in page
