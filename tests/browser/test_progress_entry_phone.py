"""A town official enters a village's month on a phone; a stale second page conflicts."""

import io

import pytest
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from tests import factories
from tests.browser.conftest import PHONE, log_in

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def setup(settings, tmp_path):
    from importlib import import_module

    from scoring.models import Star
    from scoring.rulesets import load_reference
    # An earlier transactional test flushed the rows the data migration made.
    for code, zh, en, order in import_module("scoring.migrations.0002_the_five_stars").STARS:
        Star.objects.update_or_create(code=code, defaults={"name_zh": zh, "name_en": en,
                                                           "order": order})
    settings.MEDIA_ROOT = tmp_path / "media"
    month = timezone.localdate().replace(day=1)
    town = factories.TownFactory(name="岳村镇")
    village = factories.VillageFactory(town=town, name="瓦岗村")
    load_reference(town.parent, year=month.year)
    official = factories.user_with_role("town_official", unit=town, username="wang",
                                        name="王干事")
    photo = tmp_path / "garbage.jpg"
    image = Image.new("RGB", (1200, 900), "green")
    out = io.BytesIO()
    image.save(out, "JPEG")
    photo.write_bytes(out.getvalue())
    return {"village": village, "month": f"{month:%Y-%m}", "official": official,
            "photo": photo}


def test_an_official_enters_values_attaches_a_photo_and_submits_on_a_phone(
        live_server, phone, browser, setup):
    url = f"{live_server.url}/progress/village/{setup['village'].code}/{setup['month']}/"
    stale = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True,
                                has_touch=True)
    stale.set_default_timeout(15_000)
    other = stale.new_page()
    log_in(other, live_server, "wang", factories.DEMO_PASSWORD)
    other.goto(url)  # opened before anything is saved: its forms carry version 0

    page = phone.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    log_in(page, live_server, "wang", factories.DEMO_PASSWORD)
    page.goto(url)
    branch = page.locator('#star-preview [data-star="branch"]')
    expect(branch).to_have_attribute("data-score", "0")

    card = page.locator("#ind-member_points_rate")
    card.locator("input[name=value]").fill("95")
    card.get_by_role("button", name="保存", exact=True).click()
    expect(branch).to_have_attribute("data-score", "25")  # the preview changed in place
    expect(page.locator("#ind-member_points_rate .entry-ok")).to_have_text("已保存。")

    page.get_by_role("tab", name="生态宜居星").click()
    card = page.locator("#ind-garbage_cleanup")
    card.locator("select[name=value]").select_option("yes")
    card.get_by_role("button", name="保存", exact=True).click()
    expect(page.locator("#ind-garbage_cleanup [data-status=draft]")).to_be_visible()
    photo_input = page.locator('#ind-garbage_cleanup input[type=file][accept="image/*"]')
    assert photo_input.get_attribute("capture") == "environment"
    photo_input.set_input_files(str(setup["photo"]))
    expect(page.locator("#ind-garbage_cleanup .evidence-list img")).to_have_count(1)

    page.locator("#submit-month").click()
    page.wait_for_load_state("networkidle")
    # Back on the tab the official was on, with its entry submitted.
    assert page.url.endswith("?tab=ecology")
    expect(page.locator("#tab-ecology")).to_have_attribute("aria-selected", "true")
    expect(page.locator("#ind-garbage_cleanup [data-status=submitted]")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    stale_card = other.locator("#ind-member_points_rate")
    stale_card.locator("input[name=value]").fill("80")
    stale_card.get_by_role("button", name="保存", exact=True).click()
    error = other.locator("#ind-member_points_rate .entry-error")
    expect(error).to_contain_text("王干事")
    expect(error).to_contain_text("“95”")
    expect(other.locator("#ind-member_points_rate input[name=value]")).to_have_value("80")
    stale.close()

    from scoring.progress.models import Entry
    entry = Entry.objects.get(indicator__code="member_points_rate")
    assert entry.value_number == 95 and entry.status == "submitted"
