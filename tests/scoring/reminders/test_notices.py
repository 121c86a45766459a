"""Village notices: the secretary hears of the decisions on the village's application."""

import pytest
from django.core import mail

from scoring.reviews import services
from tests.reminders_fixtures import committed
from wuxing.notifications.models import Notification

pytestmark = pytest.mark.django_db


def test_a_sent_back_application_notifies_the_village_secretary(app_town, leader_a,
                                                               secretary_a, official_a):
    secretary_a.email = "secretary@example.com"
    secretary_a.save()
    with committed():
        services.run(app_town.pk, leader_a, "send_back", {"stars": {"industry": "缺凭证"}},
                     reason="缺少合作社分红凭证")
    note = Notification.objects.get(recipient=secretary_a)
    assert note.title.startswith("【甲村】星级申报（产业兴旺星、生态宜居星）：")
    assert "缺少合作社分红凭证" in note.body
    assert note.url == f"/reviews/applications/{app_town.pk}/"
    assert [m.to for m in mail.outbox] == [["secretary@example.com"]]
    assert not Notification.objects.filter(recipient=official_a).exists()


def test_a_submission_is_no_news_to_the_village(cycle_a, village_a, secretary_a):
    from scoring.reviews.models import AppState
    from tests.reviews.fixtures import make_application
    application = make_application(cycle_a, village_a, secretary_a, AppState.RETURNED,
                                   returned_step="town")
    with committed():
        services.run(application.pk, secretary_a, "resubmit")
    assert not Notification.objects.exists()
