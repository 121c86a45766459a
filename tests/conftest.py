"""Shared fixtures: the trio of users (official of town A, observer of town A, official
of town B), service checks that skip locally but fail under CI=true, eager Celery."""

import os

import pytest

from tests import factories

IN_CI = os.environ.get("CI", "").lower() == "true"

pytest_plugins = ["tests.reviews.fixtures", "tests.reminders_fixtures", "tests.s3_fixtures"]


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
def _default_language():
    # A request with another Accept-Language leaves its language active in the thread
    # (LocaleMiddleware activates, nothing deactivates); the next test, a command's
    # output say, must not inherit it.
    from django.conf import settings
    from django.utils import translation
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # Full-strength PBKDF2 costs a large part of a second per user; tests need no strength.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


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


# --- monthly progress (scoring.progress) ---------------------------------------------------

@pytest.fixture
def progress_may(ruleset):
    """20 May 2026 in Shanghai, with the reference rule set: May is open for entries."""
    from datetime import date, datetime
    from zoneinfo import ZoneInfo

    import time_machine
    with time_machine.travel(datetime(2026, 5, 20, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")),
                             tick=False):
        yield date(2026, 5, 1)


@pytest.fixture
def submitted_entry_a(progress_may, village_a, ruleset, official_a):
    return factories.enter(village_a, ruleset, "member_points_rate", progress_may, 92,
                           status="submitted", entered_by=official_a)


@pytest.fixture
def evidence_a(submitted_entry_a, settings, tmp_path):
    from django.core.files.base import ContentFile

    from scoring.progress.models import Evidence
    settings.MEDIA_ROOT = tmp_path / "media"
    evidence = Evidence(entry=submitted_entry_a, kind="photo", original_name="会议.jpg",
                        content_type="image/jpeg", size=9)
    evidence.file.save("file.jpg", ContentFile(b"\xff\xd8\xff\xe0 photo"), save=False)
    evidence.thumbnail.save("thumb.jpg", ContentFile(b"\xff\xd8\xff\xe0 thumb"), save=False)
    evidence.save()
    return evidence


@pytest.fixture
def star_group_a(town_a, village_a):
    from villages.models import GroupKind, WorkingGroup
    group = WorkingGroup.objects.create(town=town_a, kind=GroupKind.STAR, star="branch",
                                        name="支部过硬星专班")
    group.villages.add(village_a)
    return group


@pytest.fixture
def pending_sheet_a(progress_may, official_a, town_a, village_a, ruleset):
    from scoring.progress.models import PendingSheet
    indicator = ruleset.indicators.get(code="member_points_rate")
    return PendingSheet.objects.create(user=official_a, town=town_a, month=progress_may,
                                       changes=[{"village_id": village_a.pk, "village": "甲村",
                                                 "indicator_id": indicator.pk,
                                                 "indicator": indicator.name, "old": "—",
                                                 "new": "90", "raw": "90", "version": 0}])


@pytest.fixture
def admin_a(db):
    """An administrator (superuser: every place, every action)."""
    return factories.UserFactory(is_superuser=True, is_staff=True)
