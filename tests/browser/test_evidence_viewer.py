"""The county reviewer opens a photo from the application page in the viewer, arrows (or
swipes, on a phone) to the next one and closes it with Esc."""

import io
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from tests.browser.conftest import log_in

pytestmark = pytest.mark.django_db(transaction=True)


def _jpeg(colour) -> bytes:
    from PIL import Image
    out = io.BytesIO()
    Image.new("RGB", (640, 480), colour).save(out, "JPEG")
    return out.getvalue()


def _photo(entry, name, colour, **fields):
    from scoring.progress.models import Evidence
    data = _jpeg(colour)
    evidence = Evidence(entry=entry, kind="photo", original_name=name, size=len(data),
                        content_type="image/jpeg", **fields)
    evidence.file.save("file.jpg", ContentFile(data), save=False)
    evidence.thumbnail.save("thumb.jpg", ContentFile(data), save=False)
    evidence.save()
    return evidence


@pytest.fixture
def application(settings, tmp_path):
    from django.contrib.auth import get_user_model

    from scoring.reviews import services
    from scoring.rulesets import load_reference
    from tests import factories
    from tests.reviews.fixtures import ensure_stars, make_cycle
    from villages import demo
    from villages.models import AdminUnit, Village
    settings.MEDIA_ROOT = tmp_path / "media"
    ensure_stars()
    demo.load_tree_and_users()
    county = AdminUnit.objects.get(code="410902000000")
    ruleset = load_reference(county, year=timezone.localdate().year)
    cycle = make_cycle(county, ruleset)
    village = Village.objects.get(name="瓦岗村")
    entry = factories.enter(village, ruleset, "garbage_cleanup",
                            timezone.localdate().replace(day=1), True)
    _photo(entry, "整治前.jpg", "red",
           taken_at=datetime(2026, 5, 3, 9, 30, tzinfo=ZoneInfo("Asia/Shanghai")),
           latitude=Decimal("35.760000"), longitude=Decimal("115.016667"))
    _photo(entry, "整治后.jpg", "green")
    users = get_user_model().objects
    app = services.apply(users.get(username="wagang"), cycle, village, ["ecology"],
                         {"ecology": "人居环境整治已完成"})
    services.pass_step(app.pk, users.get(username="yuecun"))
    return app


SWIPE = """(dx) => {
  const box = document.querySelector('#evidence-viewer');
  const touch = (x) => new Touch({identifier: 1, target: box, clientX: x, clientY: 300});
  box.dispatchEvent(new TouchEvent('touchstart', {touches: [touch(200)],
                                                  changedTouches: [touch(200)]}));
  box.dispatchEvent(new TouchEvent('touchend', {touches: [],
                                                changedTouches: [touch(200 + dx)]}));
}"""


@pytest.mark.parametrize("viewport", [{"width": 1366, "height": 768},
                                      {"width": 390, "height": 844}])
def test_a_photo_opens_in_the_viewer_arrows_to_the_next_and_esc_closes(
        browser, live_server, application, viewport):
    from django.conf import settings
    phone = viewport["width"] < 768
    context = browser.new_context(viewport=viewport, locale="zh-CN", has_touch=phone,
                                  is_mobile=phone)
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        log_in(page, live_server, "county", settings.WUXING_DEMO_PASSWORD)
        page.goto(f"{live_server.url}/reviews/applications/{application.pk}/")
        page.wait_for_selector("#review-actions")
        page.locator("a[data-viewer]").first.click()
        viewer = page.locator("#evidence-viewer")
        assert viewer.is_visible()
        caption = viewer.locator(".viewer-caption")
        assert caption.inner_text() == "1 / 2 · 整治前.jpg"
        assert "拍摄时间：2026-05-03 09:30" in viewer.locator(".viewer-meta").inner_text()
        assert "拍摄地点：35.76000, 115.01667" in viewer.locator(".viewer-meta").inner_text()
        page.wait_for_function(
            "document.querySelector('#evidence-viewer img').naturalWidth === 640")
        page.keyboard.press("ArrowRight")
        assert caption.inner_text() == "2 / 2 · 整治后.jpg"
        page.keyboard.press("ArrowRight")  # wraps round
        assert caption.inner_text() == "1 / 2 · 整治前.jpg"
        page.keyboard.press("ArrowLeft")
        assert caption.inner_text() == "2 / 2 · 整治后.jpg"
        if phone:  # a swipe to the left shows the next photo (wrapping round)
            page.evaluate(SWIPE, -120)
            assert caption.inner_text() == "1 / 2 · 整治前.jpg"
        page.keyboard.press("Escape")
        assert viewer.is_hidden()
        assert page.url.endswith(f"/reviews/applications/{application.pk}/")
    finally:
        context.close()
