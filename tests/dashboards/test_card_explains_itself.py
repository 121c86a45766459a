"""The star card names its rule set and version, shows each indicator's inputs, prints,
and names stars in the reader's language."""

from datetime import date
from pathlib import Path

import pytest
import time_machine
from django.contrib.staticfiles import finders
from django.urls import reverse

from scoring import services
from scoring.stars import StarCode
from tests import factories
from tests.dashboards.builders import earn
from villages.models import Village

pytestmark = pytest.mark.django_db
NOV = date(2026, 11, 1)


def _card(client, user, village, **headers):
    client.force_login(user)
    with time_machine.travel("2026-11-20 10:00 +0800", tick=False):
        response = client.get(reverse("dashboards:village", args=[village.code]),
                              {"month": "2026-11"}, **headers)
    assert response.status_code == 200
    return response


@pytest.fixture
def assessed(ruleset, village_a):
    earn(village_a, ruleset, NOV, ["industry", "ecology", "safety"])
    services.recompute(Village.objects.filter(pk=village_a.pk), NOV)
    return village_a


def test_the_english_star_card_names_the_stars_in_english(client, assessed, secretary_a):
    page = _card(client, secretary_a, assessed, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    for code in StarCode.values:
        with_english = str(StarCode(code).label)
        assert with_english in page
    for chinese in ("支部过硬星", "产业兴旺星", "生态宜居星", "平安法治星", "文明幸福星"):
        assert chinese not in page


def test_the_chinese_star_card_names_the_stars_in_chinese(client, assessed, secretary_a):
    page = _card(client, secretary_a, assessed,
                 HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "产业兴旺星" in page and "Thriving industry star" not in page


def test_the_card_names_the_rule_set_and_version_it_was_judged_by(client, assessed,
                                                                  secretary_a, ruleset):
    ruleset.refresh_from_db()
    page = _card(client, secretary_a, assessed).content.decode()
    assert 'id="judged-by"' in page
    assert ruleset.name in page and f"第 {ruleset.version} 版" in page


def test_each_indicator_shows_the_months_values_and_evidence_it_was_judged_on(
        client, assessed, secretary_a, ruleset):
    # every_month gate: ten monthly zeros combined; the service centre: two photos.
    response = _card(client, secretary_a, assessed)
    rows = {r["code"]: r for s in response.context["card"].stars() for r in s["indicators"]}
    criminal = rows["criminal_cases"]
    assert [i["month"] for i in criminal["inputs"]] == [f"2026-{m:02d}" for m in range(1, 12)]
    assert criminal["combine"] and criminal["inputs"][0]["value"].startswith("0")
    assert rows["collective_income"]["evidence_counted"] == "1 份文件"
    page = response.content.decode()
    assert '<details class="trace" data-indicator="criminal_cases">' in page
    assert "所用数据" in page and "计入的佐证" in page


def test_a_draft_is_among_the_inputs_of_the_preview_only(client, assessed, official_a,
                                                        ruleset):
    factories.enter(assessed, ruleset, "legal_publicity", date(2026, 10, 1), 7,
                    status="draft")
    official = _card(client, official_a, assessed).context["card"]
    assert "2026-10" not in [i.month.strftime("%Y-%m") for i in official.inputs["legal_publicity"]]
    with time_machine.travel("2026-11-20 10:00 +0800", tick=False):
        preview = client.get(reverse("dashboards:village", args=[assessed.code]),
                             {"month": "2026-11", "kind": "preview"}).context["card"]
    assert "2026-10" in [i.month.strftime("%Y-%m") for i in preview.inputs["legal_publicity"]]


def test_the_printout_opens_the_inputs_and_fits_a4(client, assessed, secretary_a):
    page = _card(client, secretary_a, assessed).content.decode()
    assert 'data-print id="print-card"' in page and "wuxing/dashboards.css" in page
    css = Path(finders.find("wuxing/dashboards.css")).read_text(encoding="utf-8")
    assert "@page { size: A4" in css and "details.trace::details-content" in css
    js = Path(finders.find("wuxing/dashboards.js")).read_text(encoding="utf-8")
    assert "beforeprint" in js and "details.trace" in js
