import pytest

from tests.browser.conftest import log_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_town_official_on_a_phone_sees_only_their_towns_villages(live_server, phone):
    from django.conf import settings

    from villages import demo
    demo.load_tree_and_users()
    page = phone.new_page()
    log_in(page, live_server, "yuecun-official", settings.WUXING_DEMO_PASSWORD)

    assert page.url.endswith("/villages/")
    table = page.locator("#village-table")
    assert "瓦岗村" in table.inner_text()
    assert page.get_by_text("孟轲村").count() == 0
    page.get_by_role("button", name="下一页").count()  # no crash on pagination
    assert page.locator("h1").inner_text().startswith("村庄")
    # 29 villages of 岳村镇 on two pages; 孟轲乡 appears on neither.
    page.click("text=下一页")
    assert "孟轲" not in page.locator("#village-table").inner_text()
    page_width = page.evaluate("document.documentElement.scrollWidth")
    assert page_width <= 390, "the page must not scroll sideways on a phone"
