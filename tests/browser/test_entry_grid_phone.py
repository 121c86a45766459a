"""The working-group grid on a 360 px phone: the page never pans sideways, cells say
saved or error where a screen reader hears it."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests import factories
from tests.browser.conftest import log_in
from villages.models import GroupKind, WorkingGroup

pytestmark = pytest.mark.django_db(transaction=True)
NARROW = {"width": 360, "height": 740}


@pytest.fixture
def grid_setup():
    from importlib import import_module

    from scoring.models import Star
    from scoring.rulesets import load_reference
    for code, zh, en, order in import_module("scoring.migrations.0002_the_five_stars").STARS:
        Star.objects.update_or_create(code=code, defaults={"name_zh": zh, "name_en": en,
                                                           "order": order})
    month = timezone.localdate().replace(day=1)
    town = factories.TownFactory(name="岳村镇")
    villages = [factories.VillageFactory(town=town, name=name)
                for name in ("瓦岗村", "东田村", "瓦屋村")]
    ruleset = load_reference(town.parent, year=month.year)
    # Entries in the far-right columns: their cells carry visually-hidden status texts,
    # absolutely positioned, which once widened the whole page.
    for village in villages:
        for indicator in ruleset.indicators.filter(kind="count").order_by("-order")[:3]:
            factories.enter(village, ruleset, indicator.code, month, 1, status="submitted")
    factories.user_with_role("town_official", unit=town, username="wang", name="王干事")
    group = WorkingGroup.objects.create(town=town, kind=GroupKind.PROMOTION, name="第一推进组")
    group.villages.add(*villages)
    return {"url": f"/progress/group/{group.pk}/{month:%Y-%m}/", "first": villages[0]}


def test_the_grid_scrolls_in_its_box_and_cells_say_saved_or_error_at_360_px(
        live_server, browser, grid_setup):
    context = browser.new_context(viewport=NARROW, locale="zh-CN", is_mobile=True,
                                  has_touch=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    log_in(page, live_server, "wang", factories.DEMO_PASSWORD)
    page.goto(live_server.url + grid_setup["url"])
    assert page.evaluate("document.documentElement.scrollWidth") <= NARROW["width"]
    assert page.evaluate("window.innerWidth") == NARROW["width"]  # not zoomed out to fit
    box = page.locator(".grid-box")
    assert box.evaluate("b => b.scrollWidth > b.clientWidth")  # it scrolls, not the page

    row = page.locator(f'tr[data-village="{grid_setup["first"].code}"]')
    cell = row.locator("td.grid-cell").filter(has=page.locator("input[name=value]")).first
    cell.locator("input[name=value]").fill("5")
    cell.locator("input[name=value]").press("Tab")
    saved = row.locator('td.grid-cell[data-state="saved"]')
    expect(saved).to_have_count(1)
    expect(saved.locator('[role="status"]')).to_have_text("已保存")

    page.route("**/save/**", lambda route: route.abort())
    cell = row.locator("td.grid-cell").filter(has=page.locator("input[name=value]")).nth(1)
    cell.locator("input[name=value]").fill("7")
    cell.locator("input[name=value]").press("Tab")
    failed = row.locator('td.grid-cell[data-state="error"]')
    expect(failed).to_have_count(1)
    expect(failed.locator('[role="status"]')).to_contain_text("未保存")
    assert page.evaluate("document.documentElement.scrollWidth") <= NARROW["width"]
    context.close()
