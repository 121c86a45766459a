"""Every dashboard page runs the same number of SQL queries for 10 and for 200 villages."""

import re
from datetime import date

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from scoring import services, todo
from scoring.dashboards.models import Pairing, PairingActivity, PointsLedger
from tests import factories
from tests.dashboards.conftest import NOV, assess, refresh
from villages.models import Village
from wuxing.accounts.access import scopes_of
from wuxing.accounts.models import User

pytestmark = pytest.mark.django_db
STARS = ["industry", "ecology", "safety", "civility", "branch"]


def _add_villages(town, ruleset, count: int, start: int) -> None:
    villages = [factories.VillageFactory(town=town, code=f"{town.prefix}{start + n:03d}")
                for n in range(count)]
    for n, village in enumerate(villages):
        assess(village, NOV, STARS[: n % 6], ruleset)
        assess(village, date(2026, 8, 1), STARS[: n % 4], ruleset)
        PointsLedger.objects.create(town=town, village=village, date=date(2026, 10, 9),
                                    points=3, reason="测试")
    refresh(villages)
    refresh(villages, date(2026, 8, 1))
    # the first village's card shows a real engine result
    services.recompute(Village.objects.filter(pk=villages[0].pk), NOV)
    first, second = villages[0], villages[1]
    pairing = Pairing.objects.create(town=town, village=first, partner=second,
                                     started=date(2026, 10, 1), stars="industry")
    PairingActivity.objects.create(pairing=pairing, date=date(2026, 10, 2), title="互学")


def _count(client, url) -> tuple[int, int]:
    """Queries of the page computed afresh, then of the same page again (cached)."""
    client.get(url)  # warm the session
    cache.clear()
    counts = []
    for _attempt in range(2):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, url
        counts.append(len(queries))
    return tuple(counts)


def _pages(town, village, pairing) -> dict[str, str]:
    county = town.parent
    return {
        "star card": reverse("dashboards:village", args=[village.code]) + "?month=2026-11",
        "town": reverse("dashboards:town", args=[town.code]) + "?month=2026-11",
        "county": reverse("dashboards:unit", args=[county.code]) + "?month=2026-11",
        "bulletin": reverse("dashboards:bulletin", args=[town.code, "2026Q4"]),
        "county bulletin": reverse("dashboards:bulletin", args=[county.code, "2026Q4"]),
        "excel": reverse("dashboards:bulletin_xlsx", args=[town.code, "2026Q4"]),
        "points form": reverse("dashboards:points_add", args=[town.code]),
        "pairing form": reverse("dashboards:pairing_add", args=[town.code]),
        "pairing": reverse("dashboards:pairing", args=[pairing.pk]),
    }


@time_machine.travel("2026-11-20 10:00 +0800", tick=False)
def test_no_page_grows_its_query_count_with_villages(client, town_a, ruleset):
    admin = factories.UserFactory(is_superuser=True, is_staff=True)
    client.force_login(admin)
    _add_villages(town_a, ruleset, 10, 200)
    village, pairing = town_a.villages.order_by("code").first(), Pairing.objects.get()
    few = {name: _count(client, url) for name, url in _pages(town_a, village, pairing).items()}
    _add_villages(town_a, ruleset, 190, 300)
    many = {name: _count(client, url) for name, url in _pages(town_a, village, pairing).items()}
    assert many == few
    assert max(cold for cold, _warm in few.values()) <= 20, few
    assert few["town"][1] < few["town"][0] and few["county"][1] < few["county"][0]


def _cursorless(sql: str) -> str:
    return re.sub(r"_django_curs_\d+_\w+", "_django_curs", sql)


@time_machine.travel("2026-11-20 10:00 +0800", tick=False)
def test_cached_dashboards_query_only_the_session_the_user_and_the_unit(client, leader_a,
                                                                        town_a, ruleset):
    _add_villages(town_a, ruleset, 10, 200)
    reviewer = factories.user_with_role("county_reviewer", unit=town_a.parent)
    pages = {leader_a: reverse("dashboards:town", args=[town_a.code]),
             reviewer: reverse("dashboards:unit", args=[town_a.parent.code])}
    for user, url in pages.items():
        client.force_login(user)
        client.get(url, {"month": "2026-11"})  # computes and caches the sections
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url, {"month": "2026-11"}).status_code == 200
        # The person's to-do is live by nature (scoring/todo.py, pinned in tests/todo);
        # beyond it the cached page reads only the session, the user and the unit.
        fresh = User.objects.get(pk=user.pk)
        scopes_of(fresh)
        with CaptureQueriesContext(connection) as own_work:
            todo.for_user(fresh)
        # PostgreSQL names each server-side cursor (QuerySet.iterator) anew.
        page = [_cursorless(q["sql"]) for q in queries]
        for sql in (_cursorless(q["sql"]) for q in own_work):
            page.remove(sql)
        tables = {table for sql in page for table in re.findall(r'FROM "(\w+)"', sql)}
        assert tables == {"django_session", "accounts_user", "accounts_membership",
                          "villages_adminunit"}, (url, tables)
