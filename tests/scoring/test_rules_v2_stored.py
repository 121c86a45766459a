"""Format 2 rule sets stored, read back and scored with village facts, history, quotas."""

import io
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from scoring import engine, models, quotas, rulefile, rulesets, services
from scoring.models import RuleSet
from scoring.reviews.models import Award
from tests import factories
from tests.reviews.fixtures import make_cycle

pytestmark = pytest.mark.django_db
EXAMPLES = sorted(rulesets.REFERENCE_FILE.parent.glob("county-*.yaml"))


@pytest.fixture
def county(db):
    return factories.CountyFactory()


@pytest.fixture(autouse=True)
def fresh_caches():
    services.clear_caches()
    yield
    services.clear_caches()


def _example(name: str) -> str:
    return next(p for p in EXAMPLES if name in p.name).read_text(encoding="utf-8")


@pytest.mark.parametrize("name", ["stars", "bands"])
def test_a_v2_file_imports_and_exports_the_same_bytes(county, name):
    text = _example(name)
    ruleset = rulesets.import_text(text, issuer=county, publish=True)
    assert ruleset.format_version == 2
    exported = rulesets.export_text(ruleset)
    assert exported == text.replace(f'issuer: "{rulefile.parse_ruleset(text).issuer_code}"',
                                    'issuer: "410902"')
    assert services.spec_of(ruleset) == rulefile.parse_ruleset(exported, ruleset_id=ruleset.pk)


def test_a_bad_v2_file_imports_nothing_and_names_the_line(county, tmp_path):
    text = _example("stars").replace('"collective_income / population"',
                                     '"collective_income / poor_households"')
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_ruleset", str(path), issuer="410902", stderr=err,
                     stdout=io.StringIO())
    line = next(n for n, t in enumerate(text.splitlines(), 1) if "poor_households" in t)
    assert f"第 {line} 行：计算公式除以“poor_households”" in err.getvalue()
    assert RuleSet.objects.count() == 0 and models.Indicator.objects.count() == 0


def test_the_admin_validation_keeps_format_2_rows(county):
    ruleset = rulesets.import_text(_example("bands"), issuer=county)
    assert rulesets.validate_ruleset(ruleset) == []
    copy = rulesets.new_version(ruleset)
    assert rulesets.export_text(copy).replace("\nversion: 2\n", "\nversion: 1\n") == \
        rulesets.export_text(ruleset)


def _village(county, **facts):
    # One town per county: every new town uses up a number of the shared town sequence.
    town = county.children.filter(level="town").first() or factories.TownFactory(parent=county)
    return factories.VillageFactory(town=town, **facts)


def test_a_village_is_scored_with_its_own_facts_and_award_history(county):
    ruleset = rulesets.import_text(_example("stars"), issuer=county, publish=True)
    village = _village(county, population=2000, households=400, category="城郊村")
    from tests.factories import enter
    enter(village, ruleset, "collective_income", date(2026, 3, 1), 90000)
    result = services.evaluate_village(village, date(2026, 6, 1))
    income = result.indicators["collective_income"]
    # 城郊村: the threshold is 100,000, not the general 50,000.
    assert (income.value, income.met) == (Decimal(90000), False)
    assert result.indicators["income_per_capita"].value == Decimal(45)  # 90,000 / 2,000
    village.category = "传统农业村"
    village.save()
    assert services.evaluate_village(village, date(2026, 6, 1)).indicators[
        "collective_income"].met is True


def test_award_history_reaches_the_engine_in_bulk(county, django_assert_num_queries):
    ruleset = rulesets.import_text(_example("bands"), issuer=county, publish=True)
    villages = [_village(county) for _ in range(3)]
    cycle = make_cycle(county, year=2025)
    for star in ("branch", "industry", "ecology", "safety"):
        Award.objects.create(cycle=cycle, village=villages[0], star=star,
                             awarded_on=timezone.localdate())
    spec = services.spec_of(ruleset)
    with django_assert_num_queries(2):  # the facts, the awards: not one per village
        context = services.village_context(spec, [v.pk for v in villages], 2026)
    assert context[villages[0].pk]["history"] == {2025: 4}
    assert context[villages[1].pk]["history"] == {}


def test_a_format_1_rule_set_loads_no_facts_or_history(county, django_assert_num_queries):
    ruleset = rulesets.load_reference(county)
    village = _village(county)
    spec = services.spec_of(ruleset)
    with django_assert_num_queries(0):
        assert services.village_context(spec, [village.pk], 2026) == {village.pk: {}}


def test_quota_use_counts_the_villages_at_a_level_in_the_county(county):
    ruleset = rulesets.import_text(_example("bands"), issuer=county, publish=True)
    villages = [_village(county) for _ in range(20)]  # 10 % of 20: 2 五星 villages
    cycle = make_cycle(county, ruleset=ruleset)
    for village in villages[:2]:
        for star in engine.STAR_CODES:
            Award.objects.create(cycle=cycle, village=village, star=star,
                                 awarded_on=timezone.localdate())
    five = quotas.quota_use(county, cycle, 5)
    assert (five.villages, five.limit, five.used, five.after, five.exceeded) == (
        20, 2, 2, 3, True)
    Award.objects.filter(village=villages[1], star="branch").update(status="revoked")
    exactly_full = quotas.quota_use(county, cycle, 5)
    assert (exactly_full.used, exactly_full.after, exactly_full.exceeded) == (1, 2, False)
    four = quotas.quota_use(county, cycle, 4)
    assert (four.limit, four.used) == (6, 1)
    assert quotas.quota_use(county, cycle, 3) is None  # no quota for 三星


def test_the_engine_tuples_and_the_model_choices_are_the_same():
    from scoring.stars import StarCode
    assert tuple(models.ValueKind.values) == engine.KINDS
    assert tuple(models.IndicatorRole.values) == engine.ALL_ROLES
    assert tuple(models.Comparison.values) == engine.COMPARISONS
    assert tuple(models.Cadence.values) == engine.CADENCES
    assert tuple(models.Combine.values) == engine.COMBINES
    assert tuple(models.BranchRule.values) == engine.BRANCH_RULES
    assert tuple(StarCode.values) == engine.STAR_CODES
    from scoring.models.standards import STAR_ROWS
    assert {code: zh for code, zh, _en in STAR_ROWS} == engine.STAR_NAMES
