"""Draft → published → archived; a published rule set cannot change; new versions and
copies; the admin validates rows as the file format does and is read-only once published."""

import json

import pytest
from django.utils import translation

from scoring import rulefile, rulesets, services
from scoring.models import ImmutableRuleSet, Indicator, RuleSet, RuleSetStar
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_published_rule_set_refuses_every_change(ruleset):
    indicator = ruleset.indicators.get(code="collective_income")
    star = ruleset.stars.get(star="industry")
    with translation.override("zh-hans"), pytest.raises(ImmutableRuleSet, match="已发布"):
        ruleset.name = "改名"
        ruleset.save()
    for change in (lambda: setattr(indicator, "points", 5) or indicator.save(),
                   indicator.delete, lambda: star.save(),
                   lambda: Indicator.objects.create(ruleset=ruleset, star_id="branch",
                                                    code="x", name="x", kind="bool",
                                                    role="info"),
                   star.delete, ruleset.delete):
        with pytest.raises(ImmutableRuleSet):
            change()
    ruleset.refresh_from_db()
    assert ruleset.name != "改名" and ruleset.indicators.count() == 31


def test_a_draft_can_be_edited_and_published_which_archives_the_older_version(ruleset):
    draft = rulesets.new_version(ruleset)
    assert (draft.version, draft.status, draft.previous) == (2, "draft", ruleset)
    income = draft.indicators.get(code="poor_household_income")
    income.threshold = 12000
    income.save()
    rulesets.publish_ruleset(draft)
    ruleset.refresh_from_db()
    assert ruleset.status == "archived" and draft.is_published
    assert services.ruleset_for("410902101201", 2026) == draft
    with pytest.raises(ImmutableRuleSet):
        rulesets.publish_ruleset(draft)
    rulesets.archive_ruleset(draft)
    assert RuleSet.objects.get(pk=draft.pk).status == "archived"


def test_copy_to_next_year_makes_a_draft_with_the_same_indicators(ruleset):
    copy = rulesets.copy_to_next_year(ruleset)
    assert (copy.year, copy.version, copy.status, copy.previous) == (2027, 1, "draft", ruleset)
    assert rulesets.export_text(copy) == rulesets.export_text(ruleset).replace(
        "year: 2026", "year: 2027")


def test_an_invalid_draft_is_not_published_and_problems_point_at_the_row(ruleset):
    draft = rulesets.new_version(ruleset)
    veto = draft.indicators.get(code="criminal_cases")
    veto.points = 10
    veto.save()
    with pytest.raises(rulefile.RuleSetFileError) as caught:
        rulesets.publish_ruleset(draft)
    assert [p.code for p in caught.value.problems] == ["veto_with_points"]
    assert RuleSet.objects.get(pk=draft.pk).is_draft
    problems = rulesets.validate_ruleset(draft)
    codes = [row["code"] for row in rulesets.rows_of(draft)[2]]
    (target, field, _problem), = problems
    assert target == ("indicator", codes.index("criminal_cases")) and field == "points"


# ------------------------------------------------------------------------- admin


@pytest.fixture
def admin_client(client, db):
    user = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(user)
    return client


def _form_data(ruleset: RuleSet, **indicator_changes) -> dict:
    data = {"name": ruleset.name, "issuer": ruleset.issuer_id, "year": ruleset.year,
            "version": ruleset.version, "branch_rule": ruleset.branch_rule,
            "risk_margin": str(ruleset.risk_margin),
            "level_labels": json.dumps(ruleset.level_labels, ensure_ascii=False),
            "reference": "on" if ruleset.reference else ""}
    stars = list(ruleset.stars.all())
    data.update({"stars-TOTAL_FORMS": len(stars), "stars-INITIAL_FORMS": len(stars),
                 "stars-MIN_NUM_FORMS": 0, "stars-MAX_NUM_FORMS": 5})
    for i, star in enumerate(stars):
        data.update({f"stars-{i}-id": star.pk, f"stars-{i}-ruleset": ruleset.pk,
                     f"stars-{i}-star": star.star_id, f"stars-{i}-pass_mark": star.pass_mark,
                     f"stars-{i}-max_points": star.max_points})
    indicators = list(ruleset.indicators.order_by("star__order", "order", "code"))
    data.update({"indicators-TOTAL_FORMS": len(indicators),
                 "indicators-INITIAL_FORMS": len(indicators),
                 "indicators-MIN_NUM_FORMS": 0, "indicators-MAX_NUM_FORMS": 1000})
    for i, ind in enumerate(indicators):
        row = {f: getattr(ind, f) for f in rulesets.INDICATOR_FIELDS}
        row.update(indicator_changes.get(ind.code, {}))
        for json_field in ("threshold", "choices", "steps"):
            row[json_field] = json.dumps(row[json_field], ensure_ascii=False)
        data.update({f"indicators-{i}-{k}": ("" if v is None else v) for k, v in row.items()})
        data.update({f"indicators-{i}-id": ind.pk, f"indicators-{i}-ruleset": ruleset.pk,
                     f"indicators-{i}-star": ind.star_id, f"indicators-{i}-order": ind.order})
    return data


def test_the_admin_saves_a_valid_draft(admin_client, ruleset):
    draft = rulesets.new_version(ruleset)
    data = _form_data(draft, poor_household_income={"threshold": 12000})
    response = admin_client.post(f"/admin/scoring/ruleset/{draft.pk}/change/", data)
    assert response.status_code == 302, response.context["errors"] if response.context else ""
    assert draft.indicators.get(code="poor_household_income").threshold == 12000


def test_the_admin_shows_file_validation_problems_on_the_row_and_saves_nothing(
        admin_client, ruleset):
    draft = rulesets.new_version(ruleset)
    data = _form_data(draft, criminal_cases={"points": 10},
                      poor_household_income={"threshold": 12000})
    response = admin_client.post(f"/admin/scoring/ruleset/{draft.pk}/change/", data)
    assert response.status_code == 200
    assert "一票否决指标不能设置分值" in response.content.decode()
    assert draft.indicators.get(code="poor_household_income").threshold == 10000
    assert draft.indicators.get(code="criminal_cases").points == 0


def test_the_admin_shows_a_published_rule_set_read_only(admin_client, ruleset):
    page = admin_client.get(f"/admin/scoring/ruleset/{ruleset.pk}/change/").content.decode()
    assert 'name="name"' not in page and 'name="indicators-0-code"' not in page
    assert admin_client.get("/admin/scoring/ruleset/").status_code == 200


def test_admin_actions_make_copies_and_refuse_to_publish_twice(admin_client, ruleset):
    admin_client.post("/admin/scoring/ruleset/", {
        "action": "copy_to_next_year", "_selected_action": [ruleset.pk]})
    copy = RuleSet.objects.get(year=2027)
    assert copy.is_draft and copy.indicators.count() == 31
    response = admin_client.post("/admin/scoring/ruleset/", {
        "action": "publish", "_selected_action": [ruleset.pk, copy.pk]}, follow=True)
    assert RuleSet.objects.get(pk=copy.pk).is_published
    assert "只能发布草稿状态的评星标准" in response.content.decode()
    assert RuleSetStar.objects.filter(ruleset=copy).count() == 5
