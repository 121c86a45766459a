"""The public 公示 board: no login, only published notices, an objection form for anyone
(throttled per client address, bad input refused with a message and nothing stored)."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from scoring.reviews import awarding
from scoring.reviews.models import AppState, Objection, PublicNotice
from scoring.reviews.views.public import OBJECTION_LIMIT
from tests import factories
from tests.reviews.fixtures import make_application

pytestmark = pytest.mark.django_db

OBJECTION = {"name": "张三", "contact": "13800000000", "star": "industry",
             "text": "合作社分红名单未张贴"}


def _board(app):
    return reverse("reviews:public_notice", args=[app.village.code[:6]])


def _object(app):
    return reverse("reviews:public_object", args=[app.village.code[:6], app.pk])


def test_the_board_answers_without_login_and_shows_only_published_notices(
        client, app_notice, cycle_a, town_a, secretary_a, reviewer_a, app_approved):
    today = timezone.localdate()
    later = make_application(
        cycle_a, factories.VillageFactory(town=town_a, name="未开始村"), secretary_a,
        AppState.NOTICE, approved_stars=["ecology"],
        notice=PublicNotice.objects.create(cycle=cycle_a, starts_on=today + timedelta(days=3),
                                           ends_on=today + timedelta(days=9),
                                           published_by=reviewer_a))
    response = client.get(_board(app_notice))
    assert response.status_code == 200
    page = response.content.decode()
    assert f'id="public-application-{app_notice.pk}"' in page
    assert "产业兴旺星、生态宜居星" in page and "公示期" in page
    assert "如何" in page or "异议" in page  # how to object
    assert f'id="public-application-{later.pk}"' not in page  # not yet published
    assert f'id="public-application-{app_approved.pk}"' not in page  # approved, no notice
    assert 'name="csrfmiddlewaretoken"' in page


def test_an_unknown_county_is_404(client):
    assert client.get(reverse("reviews:public_notice", args=["999999"])).status_code == 404
    assert client.get(reverse("reviews:public_notice", args=["abc"])).status_code == 404


def test_anyone_may_object_and_the_county_finds_it_with_the_contact(client, app_notice,
                                                                   reviewer_a):
    response = client.post(_object(app_notice), OBJECTION, follow=True)
    assert "您的异议已收到" in response.content.decode()
    objection = Objection.objects.get()
    assert (objection.application, objection.star, objection.text, objection.name,
            objection.contact, objection.filed_by) == (
        app_notice, "industry", "合作社分红名单未张贴", "张三", "13800000000", None)
    client.force_login(reviewer_a)
    page = client.get(reverse("reviews:detail", args=[app_notice.pk])).content.decode()
    assert "群众：张三，13800000000" in page and "reviews/objections/" in page


@pytest.mark.parametrize("field, value, message", [
    ("name", "", "您的姓名"), ("contact", " ", "联系电话或地址"), ("text", "", "异议"),
    ("star", "branch", "选择一个有效的选项"), ("text", "长" * 2001, "异议"),
])
def test_bad_input_is_refused_with_a_message_and_nothing_is_stored(client, app_notice,
                                                                  field, value, message):
    response = client.post(_object(app_notice), {**OBJECTION, field: value})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Objection.objects.exists()


def test_objections_outside_the_running_notice_are_refused(client, app_notice_over,
                                                          app_approved):
    response = client.post(_object(app_notice_over), OBJECTION)
    assert response.status_code == 400 and "公示期内" in response.content.decode()
    assert client.post(_object(app_approved), OBJECTION).status_code == 404
    assert not Objection.objects.exists()


def test_objections_are_throttled_per_client_address(client, app_notice):
    for _ in range(OBJECTION_LIMIT):
        assert client.post(_object(app_notice), OBJECTION).status_code == 302
    response = client.post(_object(app_notice), OBJECTION)
    assert response.status_code == 429 and "异议过多" in response.content.decode()
    assert Objection.objects.count() == OBJECTION_LIMIT
    other = client.post(_object(app_notice), OBJECTION, REMOTE_ADDR="203.0.113.9")
    assert other.status_code == 302  # another address is not affected


def test_the_objection_form_needs_the_csrf_token(app_notice):
    assert Client(enforce_csrf_checks=True).post(_object(app_notice),
                                                 OBJECTION).status_code == 403
    assert not Objection.objects.exists()


def test_the_cycle_notice_links_to_the_public_board(client, app_notice, official_b):
    # An official of another town used to get 404 from the notice's "object here" link.
    client.force_login(official_b)
    page = client.get(reverse("reviews:notice", args=[app_notice.cycle_id])).content.decode()
    assert _board(app_notice) in page
    assert client.get(_board(app_notice)).status_code == 200


def test_observers_never_object_logged_in_or_through_the_service(client, app_notice,
                                                                observer_a):
    client.force_login(observer_a)
    assert client.post(_object(app_notice), OBJECTION).status_code == 403
    assert client.post(reverse("reviews:object", args=[app_notice.pk]),
                       {"star": "", "text": "异议"}).status_code == 403
    with pytest.raises(PermissionDenied):
        awarding.file_objection(app_notice, observer_a, "异议")
    page = client.get(reverse("reviews:detail", args=[app_notice.pk])).content.decode()
    assert 'id="objection-form"' not in page
    assert not Objection.objects.exists()


def test_a_logged_in_official_objects_through_the_same_service(client, app_notice,
                                                              official_a):
    client.force_login(official_a)
    assert client.post(_object(app_notice), {"star": "", "text": "名单未张贴"}
                       ).status_code == 302
    assert Objection.objects.get().filed_by == official_a


def test_the_board_query_count_does_not_grow_with_villages(client, app_notice, cycle_a,
                                                           town_a, secretary_a):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(_board(app_notice)).status_code == 200
        return len(queries)

    before = count()
    for n in range(5):
        make_application(cycle_a, factories.VillageFactory(town=town_a, name=f"公示{n}村"),
                         secretary_a, AppState.NOTICE, approved_stars=["industry"],
                         notice=app_notice.notice)
    assert count() == before
