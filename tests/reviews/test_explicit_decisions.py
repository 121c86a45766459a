"""The county decides every star explicitly; approving a star the engine marks not met
needs a written reason, kept on the application, the notice and the award."""

import re
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from scoring.reviews import awarding, services
from scoring.reviews.models import AppState, PublicNotice
from tests.reviews.fixtures import decisions, make_application

pytestmark = pytest.mark.django_db


def _approve_form(html: str) -> str:
    return re.search(r'<form[^>]*id="approve-form".*?</form>', html, re.S).group(0)


def test_no_decision_control_is_pre_selected(client, app_county, reviewer_a):
    client.force_login(reviewer_a)
    form = _approve_form(client.get(reverse("reviews:detail", args=[app_county.pk]))
                         .content.decode())
    radios = re.findall(r'<input[^>]*type="radio"[^>]*>', form)
    assert len(radios) == 4  # approve / do not approve for each of the two stars
    assert not any("checked" in radio for radio in radios)
    assert "checkbox" not in form


def test_the_form_is_invalid_until_every_star_is_decided(client, app_county, reviewer_a):
    client.force_login(reviewer_a)
    data = decisions(app_county.state)
    del data["decision_ecology"]
    response = client.post(reverse("reviews:approve", args=[app_county.pk]), data)
    assert response.status_code == 400
    assert "请决定这颗星：批准或不批准。" in response.content.decode()
    app_county.refresh_from_db()
    assert app_county.state == AppState.COUNTY and app_county.approved_stars == []


def test_a_star_not_met_cannot_be_approved_without_a_reason(client, app_county, reviewer_a):
    client.force_login(reviewer_a)
    data = decisions(app_county.state)
    data["why_industry"] = "  "
    response = client.post(reverse("reviews:approve", args=[app_county.pk]), data)
    assert response.status_code == 400
    assert "产业兴旺星：系统评定未达标，请写明批准的理由。" in response.content.decode()
    app_county.refresh_from_db()
    assert app_county.state == AppState.COUNTY
    # The service holds the same rule for any caller.
    with pytest.raises(ValidationError):
        services.approve(app_county.pk, reviewer_a, ["industry"], {"ecology": "材料不全"})
    app_county.refresh_from_db()
    assert app_county.state == AppState.COUNTY


def test_a_star_the_engine_marks_met_is_approved_without_a_reason(cycle_a, village_a,
                                                                 secretary_a, reviewer_a):
    application = make_application(cycle_a, village_a, secretary_a, AppState.COUNTY,
                                   earned=["industry"])
    services.approve(application.pk, reviewer_a, ["industry"], {"ecology": "材料不全"})
    application.refresh_from_db()
    assert application.approved_stars == ["industry"]
    assert application.approval_reasons == {}


def test_the_reason_is_kept_and_shown_to_later_steps_the_notice_and_the_award(
        client, app_county, reviewer_a, secretary_a):
    client.force_login(reviewer_a)
    data = decisions(app_county.state, why="合作社分红已兑现，账目待年底审计")
    assert client.post(reverse("reviews:approve", args=[app_county.pk]),
                       data).status_code == 302
    app_county.refresh_from_db()
    assert app_county.approved_stars == ["industry"]
    assert app_county.approval_reasons == {"industry": "合作社分红已兑现，账目待年底审计"}
    assert app_county.star_decisions == {"ecology": "材料不全"}

    client.force_login(secretary_a)
    page = client.get(reverse("reviews:detail", args=[app_county.pk])).content.decode()
    assert "产业兴旺星 系统评定未达标仍予批准：合作社分红已兑现，账目待年底审计" in page
    assert "生态宜居星 未予批准：材料不全" in page

    today = timezone.localdate()
    awarding.publish_notice(app_county.cycle, reviewer_a, today)
    board = client.get(reverse("reviews:public_notice",
                               args=[app_county.village.code[:6]])).content.decode()
    assert "合作社分红已兑现，账目待年底审计" in board
    cycle_notice = client.get(reverse("reviews:notice", args=[app_county.cycle_id]))
    assert "合作社分红已兑现，账目待年底审计" in cycle_notice.content.decode()

    PublicNotice.objects.update(starts_on=today - timedelta(days=9),
                                ends_on=today - timedelta(days=2))
    awarding.award(app_county.pk, reviewer_a)
    award = app_county.awards.get()
    assert award.approval_reason == "合作社分红已兑现，账目待年底审计"
    certificate = client.get(reverse("reviews:certificate", args=[award.pk]))
    assert "合作社分红已兑现，账目待年底审计" in certificate.content.decode()
