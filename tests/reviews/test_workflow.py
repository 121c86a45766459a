"""Applying, snapshots, return and resubmission, notice, objections, awards, revocation."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from scoring.reviews import awarding, services, signals
from scoring.reviews.models import (
    AppState,
    Award,
    AwardStatus,
    ObjectionStatus,
    PublicNotice,
    ReviewLog,
)
from scoring.reviews.workdays import add_working_days
from tests import factories
from tests.reviews.fixtures import decisions, make_cycle
from wuxing.accounts.models import AuditEvent

pytestmark = pytest.mark.django_db


def _month():
    return timezone.localdate().replace(day=1)


def test_applying_for_an_unearned_star_needs_a_justification(cycle_a, village_a, secretary_a):
    with pytest.raises(ValidationError) as error:
        services.apply(secretary_a, cycle_a, village_a, ["industry"], {})
    assert "申报说明" in " ".join(error.value.messages)
    application = services.apply(secretary_a, cycle_a, village_a, ["industry"],
                                 {"industry": "合作社分红账目已公开"})
    assert application.state == AppState.TOWN
    assert application.justifications == {"industry": "合作社分红账目已公开"}


def test_applying_outside_the_window_or_twice_is_refused(cycle_a, village_a, secretary_a):
    why = {"industry": "说明"}
    services.apply(secretary_a, cycle_a, village_a, ["industry"], why)
    with pytest.raises(ValidationError):
        services.apply(secretary_a, cycle_a, village_a, ["industry"], why)
    cycle_a.closes_on = timezone.localdate() - timedelta(days=1)
    cycle_a.save()
    other = factories.VillageFactory(town=village_a.town)
    secretary = factories.user_with_role("village_secretary", village=other)
    with pytest.raises(ValidationError):
        services.apply(secretary, cycle_a, other, ["industry"], why)


def test_a_secretary_cannot_apply_for_another_village(cycle_a, village_a, village_b,
                                                      secretary_a):
    with pytest.raises(PermissionDenied):
        services.apply(secretary_a, cycle_a, village_b, ["industry"], {"industry": "x"})


def test_the_snapshot_does_not_change_when_entries_are_edited_later(
        client, cycle_a, ruleset, village_a, secretary_a):
    indicator = ruleset.indicators.filter(kind="count").first()
    entry = factories.enter(village_a, ruleset, indicator.code, _month(), 3)
    application = services.apply(secretary_a, cycle_a, village_a, [indicator.star_id],
                                 {indicator.star_id: "说明"})
    snapshot = application.snapshots.get()
    frozen = (snapshot.result, snapshot.entries, snapshot.evidence)
    assert [e["value"] for e in snapshot.entries] == ["3"]

    entry.set_value(864213)  # distinctive: no id or generated name contains it
    entry.save()
    factories.enter(village_a, ruleset, ruleset.indicators.exclude(pk=indicator.pk)
                    .first().code, _month(), 1)
    snapshot.refresh_from_db()
    assert (snapshot.result, snapshot.entries, snapshot.evidence) == frozen
    client.force_login(secretary_a)
    page = client.get(reverse("reviews:detail", args=[application.pk])).content.decode()
    assert "864213" not in page and "864,213" not in page


def test_return_and_resubmission_keep_every_round(client, cycle_a, village_a, secretary_a,
                                                  leader_a, ruleset):
    application = services.apply(secretary_a, cycle_a, village_a, ["industry", "ecology"],
                                 {"industry": "说明", "ecology": "说明"})
    indicator = ruleset.indicators.filter(star_id="industry").first()
    services.send_back(application.pk, leader_a,
                       {"stars": {"ecology": "缺少人居环境整治照片"},
                        "indicators": {indicator.code: "收入凭证不清"}},
                       expected_state=AppState.TOWN)
    client.force_login(secretary_a)
    page = client.get(reverse("reviews:detail", args=[application.pk])).content.decode()
    assert "缺少人居环境整治照片" in page and "收入凭证不清" in page
    form = client.get(reverse("reviews:resubmit", args=[application.pk])).context["form"]
    assert sorted(form.fields) == sorted([f"fix_indicator:{indicator.code}",
                                          "fix_star:ecology"])
    with pytest.raises(ValidationError):  # every flagged item needs an answer
        services.resubmit(application.pk, secretary_a, {"star:ecology": "已补拍"})
    services.resubmit(application.pk, secretary_a,
                      {"star:ecology": "已补拍", f"indicator:{indicator.code}": "已补凭证"})
    application.refresh_from_db()
    assert application.state == AppState.TOWN  # back to the step that returned it
    assert application.round == 2
    assert list(application.snapshots.values_list("round", flat=True)) == [1, 2]
    assert application.snapshots.get(round=2).responses["star:ecology"] == "已补拍"
    assert list(ReviewLog.objects.filter(application=application).values_list(
        "action", "round")) == [("submit", 1), ("send_back", 1), ("resubmit", 1)]


def test_no_one_reviews_an_application_they_submitted(cycle_a, village_a, town_a):
    # A town official who is also a town leader applies for the village ...
    both = factories.user_with_role("town_official", unit=town_a)
    from wuxing.accounts.models import Membership
    Membership.objects.create(user=both, role="town_leader", unit=town_a)
    application = services.apply(both, cycle_a, village_a, ["industry"], {"industry": "x"})
    with pytest.raises(PermissionDenied):
        services.pass_step(application.pk, both)
    assert application not in services.queue_for(both)
    # ... and another town leader reviews it.
    other = factories.user_with_role("town_leader", unit=town_a)
    assert application in services.queue_for(other)
    services.pass_step(application.pk, other)


def test_an_earlier_rounds_resubmitter_does_not_review_it_either(cycle_a, village_a, town_a,
                                                                  secretary_a, leader_a):
    from wuxing.accounts.models import Membership
    both = factories.user_with_role("town_official", unit=town_a)
    Membership.objects.create(user=both, role="town_leader", unit=town_a)
    flags = {"stars": {"industry": "凭证不清"}}
    application = services.apply(secretary_a, cycle_a, village_a, ["industry"],
                                 {"industry": "x"})
    services.send_back(application.pk, leader_a, flags)
    services.resubmit(application.pk, both, {"star:industry": "已补"})  # round 2: `both`
    services.send_back(application.pk, leader_a, flags)
    services.resubmit(application.pk, secretary_a, {"star:industry": "再补"})  # round 3
    application.refresh_from_db()
    assert application.resubmitted_by == secretary_a  # `both` is only in the log now
    assert application not in services.queue_for(both)
    with pytest.raises(PermissionDenied):
        services.pass_step(application.pk, both)
    assert application in services.queue_for(leader_a)
    services.pass_step(application.pk, leader_a)


def test_each_level_acts_only_at_its_own_step(cycle_a, village_a, secretary_a, town_a,
                                              app_county):
    city = factories.TownFactory(code="410900000000", name="濮阳市", level="city",
                                 parent=None)
    city_reviewer = factories.user_with_role("county_reviewer", unit=city)
    with pytest.raises(PermissionDenied):  # a city reviewer is not the county step
        services.approve(app_county.pk, city_reviewer, ["industry"], {})
    assert app_county not in services.queue_for(city_reviewer)


def test_a_city_step_sits_between_town_and_county(cycle_a, town_a, leader_a, reviewer_a):
    city = factories.TownFactory(code="410900000000", name="濮阳市", level="city",
                                 parent=None)
    city_reviewer = factories.user_with_role("county_reviewer", unit=city)
    cycle_a.chain = ["town", "city", "county"]
    cycle_a.full_clean()
    cycle_a.save()
    village = factories.VillageFactory(town=town_a)
    secretary = factories.user_with_role("village_secretary", village=village)
    application = services.apply(secretary, cycle_a, village, ["industry"], {"industry": "x"})
    services.pass_step(application.pk, leader_a)
    application.refresh_from_db()
    assert application.state == AppState.CITY
    with pytest.raises(PermissionDenied):
        services.pass_step(application.pk, reviewer_a)  # the county waits its turn
    services.pass_step(application.pk, city_reviewer)
    application.refresh_from_db()
    assert application.state == AppState.COUNTY


def test_a_chain_without_the_town_goes_straight_to_the_county(cycle_a, village_a,
                                                              secretary_a):
    cycle_a.chain = ["county"]
    cycle_a.save()
    application = services.apply(secretary_a, cycle_a, village_a, ["industry"],
                                 {"industry": "x"})
    assert application.state == AppState.COUNTY


def test_invalid_chains_are_refused(cycle_a):
    for chain in (["county", "town"], ["town"], [], ["town", "town", "county"], ["x"]):
        cycle_a.chain = chain
        with pytest.raises(ValidationError):
            cycle_a.full_clean()


def test_notice_lasts_working_days_skipping_weekends_and_holidays():
    friday = date(2026, 11, 6)  # a week without statutory holidays (see test_workdays)
    assert add_working_days(friday, 5) == date(2026, 11, 12)
    assert add_working_days(friday, 5, [date(2026, 11, 9)]) == date(2026, 11, 13)
    assert add_working_days(date(2026, 11, 7), 1) == date(2026, 11, 9)  # Saturday start


def test_objections_then_award_with_an_upheld_objection_dropping_its_star(
        cycle_a, village_a, secretary_a, reviewer_a, official_a, app_approved,
        django_capture_on_commit_callbacks):
    notice = awarding.publish_notice(cycle_a, reviewer_a, timezone.localdate())
    app_approved.refresh_from_db()
    assert app_approved.state == AppState.NOTICE and app_approved.notice == notice
    objection = awarding.file_objection(app_approved, official_a, "分红账目未公开",
                                        "industry")
    awarding.file_objection(app_approved, reviewer_a, "电话反映", "", offline=True,
                            source="电话")
    PublicNotice.objects.filter(pk=notice.pk).update(
        starts_on=timezone.localdate() - timedelta(days=10),
        ends_on=timezone.localdate() - timedelta(days=1))
    app_approved.notice.refresh_from_db()
    with pytest.raises(ValidationError):  # objections pending
        awarding.award(app_approved.pk, reviewer_a)
    with pytest.raises(ValidationError):  # the notice is over
        awarding.file_objection(app_approved, official_a, "太晚了")
    awarding.resolve_objection(objection.pk, reviewer_a, ObjectionStatus.UPHELD, "属实")
    offline = app_approved.objections.get(offline=True)
    awarding.resolve_objection(offline.pk, reviewer_a, ObjectionStatus.DISMISSED, "不属实")
    with pytest.raises(services.AlreadyHandled):
        awarding.resolve_objection(offline.pk, reviewer_a, ObjectionStatus.UPHELD, "再议")
    sent = []
    signals.award_changed.connect(lambda **kw: sent.append(kw["action"]), weak=False,
                                  dispatch_uid="test-award")
    with django_capture_on_commit_callbacks(execute=True):
        awarding.award(app_approved.pk, reviewer_a)
    signals.award_changed.disconnect(dispatch_uid="test-award")
    app_approved.refresh_from_db()
    assert app_approved.state == AppState.AWARDED
    assert list(Award.objects.values_list("star", flat=True)) == ["ecology"]
    assert sent == ["awarded"]


def test_revocation_and_reinstatement_keep_everything(client, award_a, reviewer_a, village_a,
                                                      secretary_a):
    awarding.revoke(award_a.pk, reviewer_a, "发生刑事案件（平安法治星一票否决）")
    assert services.awarded_stars(village_a, award_a.cycle.year) == []
    with pytest.raises(services.AlreadyHandled):
        awarding.revoke(award_a.pk, reviewer_a, "again")
    client.force_login(secretary_a)
    page = client.get(reverse("reviews:mine")).content.decode()
    assert "发生刑事案件" in page
    awarding.reinstate(award_a.pk, reviewer_a, "经复查，案件与村干部无关")
    award_a.refresh_from_db()
    assert award_a.status == AwardStatus.ACTIVE and award_a.revoked_on is None
    assert services.awarded_stars(village_a, award_a.cycle.year) == ["safety"]
    assert award_a.history.count() == 3  # created, revoked, reinstated
    assert list(ReviewLog.objects.filter(award=award_a).values_list("action", flat=True)) \
        == ["revoked", "reinstated"]
    assert AuditEvent.objects.filter(kind="approval").count() == 2


def test_transitions_are_audited_and_signalled(cycle_a, village_a, secretary_a, leader_a,
                                               django_capture_on_commit_callbacks):
    seen = []
    signals.application_transitioned.connect(
        lambda **kw: seen.append((kw["action"], kw["log"].to_state)), weak=False,
        dispatch_uid="test-transition")
    with django_capture_on_commit_callbacks(execute=True):
        application = services.apply(secretary_a, cycle_a, village_a, ["industry"],
                                     {"industry": "x"})
        services.pass_step(application.pk, leader_a)
    signals.application_transitioned.disconnect(dispatch_uid="test-transition")
    assert seen == [("submit", AppState.TOWN), ("pass_step", AppState.COUNTY)]
    assert AuditEvent.objects.filter(kind="approval").count() == 2


def test_a_county_reviewer_of_another_county_gets_404(client, app_county):
    other_county = factories.CountyFactory(code="410922000000", name="清丰县")
    stranger = factories.user_with_role("county_reviewer", unit=other_county)
    client.force_login(stranger)
    assert client.get(reverse("reviews:detail", args=[app_county.pk])).status_code == 404
    response = client.post(reverse("reviews:approve", args=[app_county.pk]),
                           decisions(app_county.state))
    assert response.status_code == 404
    other_cycle = make_cycle(other_county)
    client.force_login(factories.user_with_role("county_reviewer",
                                                unit=app_county.village.town.parent))
    assert client.get(reverse("reviews:cycle", args=[other_cycle.pk])).status_code == 404
