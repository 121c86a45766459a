"""Three people, three browsers: a village secretary, the town leader and the county
reviewer take one application to award through the public notice, and another one
through return and resubmission."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.browser.conftest import PHONE, log_in

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def people(browser, live_server):
    from django.conf import settings

    from scoring.rulesets import load_reference
    from tests.reviews.fixtures import ensure_stars, make_cycle
    from villages import demo
    ensure_stars()
    from villages.models import AdminUnit
    demo.load_tree_and_users()
    county = AdminUnit.objects.get(code="410902000000")
    make_cycle(county, load_reference(county, year=2026))
    pages = {}
    contexts = []
    for username, viewport in (("wagang", PHONE), ("wawu", PHONE),
                               ("yuecun", {"width": 1280, "height": 900}),
                               ("county", {"width": 1280, "height": 900})):
        context = browser.new_context(viewport=viewport, locale="zh-CN")
        context.set_default_timeout(15_000)
        page = context.new_page()
        page.on("dialog", lambda dialog: dialog.accept())  # data-confirm
        log_in(page, live_server, username, settings.WUXING_DEMO_PASSWORD)
        pages[username] = page
        contexts.append(context)
    yield pages
    for context in contexts:
        context.close()


def _apply(page, url, village, star_label, why):
    page.goto(f"{url}/reviews/mine/")
    page.click(f"text=为{village}申报星级")
    page.get_by_role("checkbox", name=star_label, exact=True).check()
    page.locator(f"textarea[name=why_{STAR_CODES[star_label]}]").fill(why)
    page.click("text=提交申报")
    assert "待乡镇初审" in page.locator("#application-state").inner_text()


STAR_CODES = {"产业兴旺星": "industry", "生态宜居星": "ecology"}


def _decide(page, code, reason):
    """The county decides the star explicitly (nothing is pre-selected): approve, and
    since the engine marks it not met, write why."""
    decision = page.locator(f"#decision-{code}")
    assert not decision.locator("input[type=radio]:checked").count()
    decision.get_by_label("批准", exact=True).check()
    decision.locator("textarea").fill(reason)
    page.click("#approve-button")


def _open_from_queue(page, url, village):
    page.goto(f"{url}/reviews/")
    page.locator("#queue-table").get_by_role("link", name=village).click()
    page.wait_for_selector("#review-actions")


def test_an_application_goes_to_award_through_the_public_notice(people, live_server):
    from scoring.reviews.models import Application, PublicNotice
    url = live_server.url
    village, town, county = people["wagang"], people["yuecun"], people["county"]

    _apply(village, url, "瓦岗村", "产业兴旺星", "合作社分红已兑现，账目已公开")
    _open_from_queue(town, url, "瓦岗村")
    town.click("#pass-button")
    assert "已通过，转入下一环节" in town.content()

    _open_from_queue(county, url, "瓦岗村")
    county.click("#approve-button")  # undecided: the browser does not even send it
    assert county.locator("#decision-industry input[type=radio]:invalid").count() == 2
    assert Application.objects.get(village__name="瓦岗村").state == "county_review"
    _decide(county, "industry", "经实地核查，合作社分红已兑现")
    county.goto(f"{url}/reviews/cycles/")
    county.locator("#cycle-list a").first.click()
    county.click("#publish-form button")
    assert "瓦岗村" in county.locator(".public-notice").inner_text()

    # During the notice anyone who sees the village may object; the county answers.
    application = Application.objects.get(village__name="瓦岗村")
    town.goto(f"{url}/reviews/applications/{application.pk}/")
    town.fill("#objection-text", "合作社分红名单未张贴")
    town.click("text=提交异议")
    county.goto(f"{url}/reviews/applications/{application.pk}/")
    county.locator(".objection select[name=status]").select_option("dismissed")
    county.fill(".objection input[name=resolution]", "经核查，名单已于村务公开栏张贴")
    county.click(".objection button[type=submit]")
    assert county.locator("#award-button").is_disabled()  # the notice still runs

    # Five working days pass.
    today = timezone.localdate()
    PublicNotice.objects.update(starts_on=today - timedelta(days=9),
                                ends_on=today - timedelta(days=2))
    county.reload()
    county.click("#award-button")
    assert "已授星" in county.locator("#application-state").inner_text()

    village.goto(f"{url}/reviews/mine/")
    village.locator("#award-list").get_by_role("link", name="授星通知").click()
    assert "产业兴旺星" in village.locator("#certificate").inner_text()
    assert village.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_an_application_is_returned_fixed_and_resubmitted(people, live_server):
    from scoring.reviews.models import Application
    url = live_server.url
    village, town, county = people["wawu"], people["yuecun"], people["county"]

    _apply(village, url, "瓦屋村", "生态宜居星", "人居环境整治已完成")
    _open_from_queue(town, url, "瓦屋村")
    town.fill("textarea[name=star_ecology]", "缺少人居环境整治前后对比照片")
    town.click("#return-button")

    application = Application.objects.get(village__name="瓦屋村")
    village.goto(f"{url}/reviews/applications/{application.pk}/")
    assert "缺少人居环境整治前后对比照片" in village.locator("#star-ecology").inner_text()
    village.click("text=整改后重新提交")
    village.locator("#resubmit-form textarea").fill("已补充上传整治前后对比照片 6 张")
    village.click("#resubmit-form >> text=重新提交")
    assert "待乡镇初审" in village.locator("#application-state").inner_text()

    _open_from_queue(town, url, "瓦屋村")
    assert "已补充上传整治前后对比照片" in town.locator("#star-ecology").inner_text()
    town.click("#pass-button")
    _open_from_queue(county, url, "瓦屋村")
    _decide(county, "ecology", "整治前后对比照片齐全")
    village.reload()
    assert "已审核通过，待公示" in village.locator("#application-state").inner_text()
    history = village.locator("#history").inner_text()
    assert "已退回村" in history and "第 2 轮" in history  # both rounds kept
