import io

import pytest

from tests.browser.conftest import log_in

pytestmark = pytest.mark.django_db(transaction=True)


def _load_demo():
    """`load_demo`: the demo county, its users, and twelve months of entries that give
    瓦屋村 three stars this month (industry, ecology, safety)."""
    import importlib

    from django.apps import apps
    from django.core.management import call_command

    # An earlier transactional test may have flushed the five Star rows of the migration.
    importlib.import_module("scoring.migrations.0002_the_five_stars").create_stars(apps, None)
    call_command("load_demo", stdout=io.StringIO())


def test_the_wawu_secretary_sees_three_stars_and_what_the_fourth_needs_on_a_phone(
        live_server, phone):
    from django.conf import settings

    _load_demo()
    page = phone.new_page()
    log_in(page, live_server, "wawu", settings.WUXING_DEMO_PASSWORD)

    assert "/dashboards/village/" in page.url  # the star card is the start page
    assert "瓦屋村" in page.locator("h1").inner_text()
    assert page.locator("#live-result [data-earned='1']").count() == 3
    assert "三星" in page.locator("#level").inner_text()
    assert "尚未评定" in page.locator("#awarded").inner_text()
    earned = page.locator("#live-result [data-earned='1']").all_inner_texts()
    next_steps = page.locator("#next-steps")
    closest = next_steps.locator("h2").first.inner_text()
    # The fourth star closest first: an unearned star, with what it still needs.
    assert closest.split()[0] not in " ".join(earned)
    assert "还需" in closest
    first_gap = next_steps.locator("ul.gap-list").first.locator("li")
    assert first_gap.count() >= 1 and first_gap.first.inner_text().strip()
    page.screenshot(path="/tmp/wawu-card.png", full_page=True)
    wide = page.evaluate("""Array.from(document.querySelectorAll('body *')).filter(
        e => e.getBoundingClientRect().right > 391).map(e => e.tagName + '.' + e.className
        + '#' + e.id).slice(0, 8)""")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, wide
