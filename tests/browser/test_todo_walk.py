"""Each role's month in a browser, on an old PC's screen and on a phone: log in, follow
the first item of the to-do, do it, and see the count go down."""

import io

import pytest

from tests.browser.conftest import PHONE, log_in

pytestmark = pytest.mark.django_db(transaction=True)
DESKTOP = {"width": 1366, "height": 768}


def _load_demo(settings, tmp_path):
    import importlib

    from django.apps import apps
    from django.core.management import call_command

    settings.MEDIA_ROOT = tmp_path
    # An earlier transactional test may have flushed the five Star rows of the migration.
    importlib.import_module("scoring.migrations.0002_the_five_stars").create_stars(apps, None)
    call_command("load_demo", stdout=io.StringIO())


def _count(page, section: str) -> int:
    return int(page.locator(f"#todo [data-section={section}] .todo-section-count")
               .inner_text())


def _enter_the_missing_value(page):
    """The official's month page opens at the item the to-do links to, its tab shown."""
    card = page.locator("#" + page.url.split("#", 1)[1])
    card.wait_for(state="visible")
    pane = card.evaluate("e => e.closest('.tab-pane').id")
    field = card.locator("[name=value]")
    if field.evaluate("e => e.tagName") == "SELECT":
        field.select_option(index=1)
    else:
        field.fill("1")
    card.get_by_role("button", name="保存").click()
    page.wait_for_selector(f"#{pane} .entry-ok")


def _verify_the_first_row(page):
    page.locator("#verification-list button[value^='verify:']").first.click()
    page.wait_for_load_state("networkidle")
    assert "已核实 1 条" in page.content()


def _answer_the_return(page):
    page.click("text=整改后重新提交")
    for box in page.locator("#resubmit-form textarea").all():
        box.fill("已补充本年度“三会一课”会议记录扫描件")
    page.locator("#resubmit-form button[type=submit]").click()
    assert "待乡镇初审" in page.locator("#application-state").inner_text()


def _approve_at_the_county(page):
    # Nothing is pre-selected: each star is decided, with a reason where one is needed.
    for decision in page.locator("fieldset.star-decision").all():
        decision.get_by_label("批准", exact=True).check()
        decision.locator("textarea").fill("经县委组织部实地核查，材料属实。")
    page.click("#approve-button")
    page.wait_for_load_state("networkidle")


WALKS = [("yuecun-official", "missing", _enter_the_missing_value),
         ("yuecun", "verify", _verify_the_first_row),
         ("wagang", "applications", _answer_the_return),
         ("county", "county_review", _approve_at_the_county)]


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1366x768", "390x844"])
def test_each_role_does_the_first_to_do_item_and_sees_the_count_go_down(
        browser, live_server, settings, tmp_path, viewport):
    _load_demo(settings, tmp_path)
    phone = viewport == PHONE
    for username, section, do in WALKS:
        context = browser.new_context(viewport=viewport, locale="zh-CN", is_mobile=phone,
                                      has_touch=phone)
        context.set_default_timeout(15_000)
        page = context.new_page()
        page.on("dialog", lambda dialog: dialog.accept())
        log_in(page, live_server, username, settings.WUXING_DEMO_PASSWORD)
        # The to-do opens the start page, above the page's own heading.
        assert page.locator("#todo").bounding_box()["y"] < page.locator("h1").first \
            .bounding_box()["y"], username
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        before = _count(page, section)
        assert before > 0, (username, section)
        page.locator(f"#todo [data-section={section}] .todo-item a").first.click()
        page.wait_for_load_state("networkidle")
        do(page)
        page.goto(f"{live_server.url}/")
        assert _count(page, section) == before - 1, (username, section)
        context.close()
