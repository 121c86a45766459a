import pytest

from tests.browser.conftest import log_in

pytestmark = pytest.mark.django_db(transaction=True)


def _three_stars_for_wawu():
    """The demo tree and users, and entries that give 瓦屋村 three stars this month.

    Until load_demo brings its own entries, they are built here through the real rule
    set and engine: industry, ecology and safety, nothing yet for civility or branch.
    """
    # An earlier transactional test may have flushed the five Star rows of the migration.
    import importlib

    from django.apps import apps

    from scoring import services
    from scoring.dashboards.periods import this_month
    from scoring.rulesets import load_reference
    from tests.dashboards.builders import earn
    from villages import demo
    from villages.models import AdminUnit, Village
    importlib.import_module("scoring.migrations.0002_the_five_stars").create_stars(apps, None)
    demo.load_tree_and_users()
    month = this_month()
    ruleset = load_reference(AdminUnit.objects.get(code="410902000000"), year=month.year)
    wawu = Village.objects.get(name="瓦屋村")
    earn(wawu, ruleset, month, ["industry", "ecology", "safety"])
    services.recompute(Village.objects.filter(pk=wawu.pk), month)


def test_the_wawu_secretary_sees_three_stars_and_what_the_fourth_needs_on_a_phone(
        live_server, phone):
    from django.conf import settings

    _three_stars_for_wawu()
    page = phone.new_page()
    log_in(page, live_server, "wawu", settings.WUXING_DEMO_PASSWORD)

    assert "/dashboards/village/" in page.url  # the star card is the start page
    assert "瓦屋村" in page.locator("h1").inner_text()
    assert page.locator("#live-result [data-earned='1']").count() == 3
    assert "三星" in page.locator("#level").inner_text()
    assert "尚未评定" in page.locator("#awarded").inner_text()
    next_steps = page.locator("#next-steps")
    assert next_steps.locator("h2").first.inner_text().startswith("文明幸福星")
    first_gap = next_steps.locator("ul.gap-list").first.inner_text()
    assert "星级文明户覆盖率" in first_gap and "1 份文件" in first_gap
    page.screenshot(path="/tmp/wawu-card.png", full_page=True)
    wide = page.evaluate("""Array.from(document.querySelectorAll('body *')).filter(
        e => e.getBoundingClientRect().right > 391).map(e => e.tagName + '.' + e.className
        + '#' + e.id).slice(0, 8)""")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, wide
