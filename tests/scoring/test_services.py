"""The bridge between rows and the engine: spec round trip, bulk inputs, stored results."""

from datetime import date

import pytest

from scoring import rulefile, services
from scoring.models import Assessment
from scoring.rulesets import REFERENCE_FILE
from tests.factories import enter

pytestmark = pytest.mark.django_db
MARCH = date(2026, 3, 1)


def test_a_saved_rule_set_reads_back_as_the_same_file(ruleset):
    spec = services.spec_of(ruleset)
    original = REFERENCE_FILE.read_text(encoding="utf-8")
    assert rulefile.dump_ruleset(spec) == original.replace('issuer: "41"', 'issuer: "410902"')


def test_the_rule_set_in_force_is_the_most_specific_published_one(ruleset, village_a):
    assert services.ruleset_for(village_a.code, 2026) == ruleset
    assert services.ruleset_for(village_a.code, 2025) is None


def test_drafts_count_in_the_preview_but_not_in_the_official_result(ruleset, village_a):
    enter(village_a, ruleset, "criminal_cases", MARCH, 0, status="verified")
    enter(village_a, ruleset, "petitions_beyond", MARCH, 0, status="draft")
    official = services.evaluate_village(village_a, MARCH, official=True)
    preview = services.evaluate_village(village_a, MARCH, official=False)
    assert "petitions_beyond" in official.not_reported
    assert "petitions_beyond" not in preview.not_reported


def test_recompute_stores_official_and_preview_rows_and_is_idempotent(ruleset, village_a):
    enter(village_a, ruleset, "criminal_cases", MARCH, 0)
    from villages.models import Village
    assert services.recompute(Village.objects.all(), MARCH) == 2
    assert services.recompute(Village.objects.all(), MARCH) == 2
    rows = Assessment.objects.filter(village=village_a, month=MARCH)
    assert sorted(rows.values_list("kind", flat=True)) == ["official", "preview"]
    assert rows.get(kind="official").result["trace"]["ruleset_id"] == ruleset.pk


def test_a_rule_set_can_be_saved_after_the_star_rows_were_flushed(town_a):
    from scoring.models import Star
    from scoring.rulesets import load_reference
    Star.objects.all().delete()
    ruleset = load_reference(town_a.parent, year=2026)
    assert list(Star.objects.values_list("code", flat=True)) == [
        "branch", "industry", "ecology", "safety", "civility"]
    assert ruleset.stars.count() == 5
