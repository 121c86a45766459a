import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests import factories
from wuxing.notifications.models import Channel, Delivery, Message, Notification

pytestmark = pytest.mark.django_db


def notify(user, n=1, **fields):
    return [Notification.objects.create(recipient=user, title=f"提醒{i}", body="正文",
                                        url="/villages/", **fields) for i in range(n)]


def test_the_navigation_loads_the_unread_count(client, official_a):
    notify(official_a, 3)
    client.force_login(official_a)
    page = client.get(reverse("villages:list")).content.decode()
    assert f'hx-get="{reverse("notifications:badge")}" hx-trigger="load, every 60s"' in page
    badge = client.get(reverse("notifications:badge")).content.decode()
    assert 'class="badge rounded-pill bg-light text-danger" title="未读">3</span>' in badge


def test_no_count_without_unread_notifications(client, official_a):
    client.force_login(official_a)
    assert client.get(reverse("notifications:badge")).content.decode().strip().endswith(
        'hx-swap="outerHTML"></span>')


def test_a_user_sees_only_their_own_notifications(client, official_a, official_b):
    notify(official_b)[0].title = "乙的提醒"
    Notification.objects.filter(recipient=official_b).update(title="乙的提醒")
    notify(official_a)
    client.force_login(official_a)
    page = client.get(reverse("notifications:list")).content.decode()
    assert "提醒0" in page and "乙的提醒" not in page


def test_marking_one_as_read_clears_it_from_the_badge(client, official_a):
    first, second = notify(official_a, 2)
    client.force_login(official_a)
    response = client.post(reverse("notifications:read", args=[first.pk]))
    assert response.status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.is_read and not second.is_read
    assert ">1</span>" in client.get(reverse("notifications:badge")).content.decode()


def test_marking_read_follows_a_local_next_link_only(client, official_a):
    [note] = notify(official_a)
    client.force_login(official_a)
    response = client.post(reverse("notifications:read", args=[note.pk]),
                           {"next": "https://evil.example.com/"})
    assert response["Location"] == reverse("notifications:list")
    response = client.post(reverse("notifications:read", args=[note.pk]),
                           {"next": "/villages/"})
    assert response["Location"] == "/villages/"


def test_marking_needs_a_post(client, official_a):
    [note] = notify(official_a)
    client.force_login(official_a)
    assert client.get(reverse("notifications:read", args=[note.pk])).status_code == 405


def test_another_users_notification_cannot_be_marked(client, official_a, official_b):
    [note] = notify(official_b)
    client.force_login(official_a)
    assert client.post(reverse("notifications:read", args=[note.pk])).status_code == 404
    note.refresh_from_db()
    assert not note.is_read


def test_mark_all_as_read(client, official_a, official_b):
    notify(official_a, 3)
    notify(official_b, 1)
    client.force_login(official_a)
    client.post(reverse("notifications:read_all"))
    assert not Notification.objects.visible_to(official_a).unread().exists()
    assert Notification.objects.visible_to(official_b).unread().count() == 1


def test_the_unread_filter_and_pagination(client, official_a):
    notify(official_a, 25)
    Notification.objects.filter(title="提醒0").update(read_at="2026-01-01T00:00:00Z")
    client.force_login(official_a)
    response = client.get(reverse("notifications:list"))
    assert len(response.context["page"].object_list) == 20
    assert "第 1 页，共 2 页" in response.content.decode()
    response = client.get(reverse("notifications:list"), {"unread": "1"})
    assert response.context["page"].paginator.count == 24


def _queries(client, user, url) -> int:
    client.force_login(user)
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_notification_list_query_count_does_not_grow(client, official_a):
    notify(official_a, 2)
    few = _queries(client, official_a, reverse("notifications:list"))
    notify(official_a, 18)
    assert _queries(client, official_a, reverse("notifications:list")) == few <= 10


def _deliveries(user, n):
    for i in range(n):
        message = Message.objects.create(kind="overdue", period="2026-11", topic=f"x{i}{n}",
                                         subject=f"逾期{i}")
        Delivery.objects.create(message=message, channel=Channel.EMAIL, user=user,
                                recipient_key=f"user:{user.pk}")


def test_the_history_shows_the_users_deliveries_only(client, official_a, official_b):
    _deliveries(official_a, 2)
    _deliveries(official_b, 1)
    client.force_login(official_a)
    response = client.get(reverse("notifications:history"))
    assert response.context["page"].paginator.count == 2
    assert "电子邮件" in response.content.decode()


def test_the_history_query_count_does_not_grow(client, official_a):
    _deliveries(official_a, 2)
    few = _queries(client, official_a, reverse("notifications:history"))
    _deliveries(official_a, 18)
    assert _queries(client, official_a, reverse("notifications:history")) == few <= 10


def test_anyone_signed_in_has_a_notification_centre(client):
    user = factories.UserFactory()  # even without a membership
    client.force_login(user)
    assert client.get(reverse("notifications:list")).status_code == 200
