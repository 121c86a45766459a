"""A cache outage degrades to computing: with Redis unreachable, cache reads miss, writes
are dropped, and pages answer as usual (never a 500)."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from tests import factories
from tests.dashboards.conftest import NOV, assess, refresh

# Nothing listens on port 1: every connection is refused, as with Redis stopped.
DEAD_REDIS = {"default": {"BACKEND": "wuxing.cache.DegradingRedisCache",
                          "LOCATION": "redis://127.0.0.1:1/0",
                          "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 1}}}


@pytest.fixture
def redis_down(settings):
    settings.CACHES = DEAD_REDIS
    yield
    cache.close()


@pytest.mark.usefixtures("redis_down")
def test_reads_miss_and_writes_are_dropped_while_redis_is_down():
    cache.set("k", 1)
    assert cache.get("k", "missing") == "missing"
    assert cache.get_many(["a", "b"]) == {}
    assert cache.get_or_set("k", lambda: 42) == 42
    with pytest.raises(ValueError):
        cache.incr("k")


@pytest.mark.django_db
@pytest.mark.usefixtures("redis_down")
def test_the_town_dashboard_is_computed_while_redis_is_down(client, town_a, ruleset):
    village = factories.VillageFactory(town=town_a, name="东村")
    assess(village, NOV, ["industry"], ruleset)
    refresh([village])
    leader = factories.user_with_role("town_leader", unit=town_a)
    client.force_login(leader)
    response = client.get(reverse("dashboards:town", args=[town_a.code]), {"month": "2026-11"})
    assert response.status_code == 200
    assert "东村" in response.content.decode()
