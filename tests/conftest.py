"""Shared fixtures: the trio of users (official of town A, observer of town A, official
of town B), service checks that skip locally but fail under CI=true, eager Celery."""

import os

import pytest

from tests import factories

IN_CI = os.environ.get("CI", "").lower() == "true"

pytest_plugins = ["tests.reviews.fixtures"]


def need_service(available: bool, reason: str) -> None:
    """Skip a test whose service is missing on this machine; fail it under CI."""
    if available:
        return
    if IN_CI:
        pytest.fail(f"CI=true but {reason}")
    pytest.skip(reason)


@pytest.fixture(autouse=True, scope="session")
def _celery_eager():
    # Unit tests run tasks in-process; the Celery integration test starts a real worker.
    from wuxing.celery import app
    # The app reads Django settings with the CELERY_ namespace: the prefixed key wins
    # over `app.conf.task_always_eager`, which alone would silently not apply.
    app.conf.CELERY_TASK_ALWAYS_EAGER = True
    app.conf.CELERY_TASK_EAGER_PROPAGATES = True
    assert app.conf.task_always_eager and app.conf.task_eager_propagates
    yield


@pytest.fixture(autouse=True)
def _no_cross_test_cache(settings):
    from django.core.cache import cache

    from scoring import services
    cache.clear()
    services.clear_caches()
    yield


@pytest.fixture
def town_a(db):
    return factories.TownFactory(name="甲镇")


@pytest.fixture
def town_b(db):
    return factories.TownFactory(name="乙镇")


@pytest.fixture
def village_a(town_a):
    return factories.VillageFactory(town=town_a, name="甲村")


@pytest.fixture
def village_b(town_b):
    return factories.VillageFactory(town=town_b, name="乙村")


@pytest.fixture
def official_a(town_a):
    return factories.user_with_role("town_official", unit=town_a)


@pytest.fixture
def observer_a(town_a):
    return factories.user_with_role("observer", unit=town_a)


@pytest.fixture
def official_b(town_b):
    return factories.user_with_role("town_official", unit=town_b)


@pytest.fixture
def leader_a(town_a):
    return factories.user_with_role("town_leader", unit=town_a)


@pytest.fixture
def secretary_a(village_a):
    return factories.user_with_role("village_secretary", village=village_a)


@pytest.fixture
def demo(db):
    """The demo county of `load_demo` (tree and users)."""
    from villages import demo as demo_module
    return demo_module.load_tree_and_users()


@pytest.fixture
def ruleset(town_a):
    """The reference rule set, published by town A's county for 2026."""
    from scoring.rulesets import load_reference
    return load_reference(town_a.parent, year=2026)


# Fixtures of the reminder and notification tests (mocked robot endpoint, star groups).
from tests.reminders_fixtures import missing, star_groups, webhook  # noqa: E402, F401
