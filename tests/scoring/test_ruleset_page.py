"""The rule set in force, as a page: stars with pass marks, indicators by star, and the
reference banner."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from scoring import rulesets, services
from scoring.models import Indicator

pytestmark = pytest.mark.django_db
BANNER = "参考示例，须替换为本县评星细则"


def _page(client, user, code):
    client.force_login(user)
    return client.get(reverse("rulesets:in_force", args=[code]))


def test_a_secretary_reads_the_rule_set_in_force_with_the_reference_banner(
        client, secretary_a, village_a, ruleset):
    page = _page(client, secretary_a, village_a.code).content.decode()
    assert BANNER in page
    for text in ("支部过硬星", "文明幸福星", "村集体经济收入", "刑事案件和重大治安案件",
                 "一票否决", "不低于 80%", "不低于 50,000 元", "照片 2 张"):
        assert text in page, text
    assert page.count("及格分 80 分（满分 100 分）") >= 5


def test_a_county_rule_set_shows_no_banner(client, official_a, town_a, ruleset):
    draft = rulesets.new_version(ruleset)
    draft.reference = False
    draft.save()
    rulesets.publish_ruleset(draft)
    assert BANNER not in _page(client, official_a, town_a.code).content.decode()


def test_no_rule_set_in_force_is_said_plainly(client, official_a, town_a):
    page = _page(client, official_a, town_a.code).content.decode()
    assert "没有生效的评星标准" in page


def test_the_nav_link_leads_to_the_users_own_place(client, secretary_a, village_a):
    client.force_login(secretary_a)
    response = client.get(reverse("rulesets:mine"))
    assert response.url == reverse("rulesets:in_force", args=[village_a.code])


def test_the_page_query_count_does_not_grow_with_indicators(client, official_a, town_a,
                                                             ruleset):
    def count():
        services.clear_caches()
        client.force_login(official_a)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("rulesets:in_force", args=[town_a.code])).status_code \
                == 200
        return len(queries)

    few = count()
    draft = rulesets.new_version(ruleset)
    Indicator.objects.bulk_create(
        Indicator(ruleset=draft, star_id="civility", code=f"extra_{n}", name=f"说明{n}",
                  kind="count", role="info", comparison="", order=100 + n)
        for n in range(15))
    rulesets.publish_ruleset(draft)
    assert count() == few
    assert few <= 12
