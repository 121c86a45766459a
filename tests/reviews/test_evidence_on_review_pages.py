"""Evidence is opened where it is judged: photo thumbnails for the viewer with capture
time and place, documents in a new tab, always through the authorising file view."""

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from scoring.progress.models import Evidence
from scoring.reviews import services
from tests import factories

pytestmark = pytest.mark.django_db


def _evidence(entry, kind, name, **fields):
    evidence = Evidence(entry=entry, kind=kind, original_name=name, size=9,
                        content_type="image/jpeg" if kind == "photo" else "application/pdf",
                        **fields)
    evidence.file.save("file.jpg" if kind == "photo" else "file.pdf",
                       ContentFile(b"\xff\xd8\xff\xe0 data"), save=False)
    if kind == "photo":
        evidence.thumbnail.save("thumb.jpg", ContentFile(b"\xff\xd8\xff\xe0 t"), save=False)
    evidence.save()
    return evidence


@pytest.fixture
def with_evidence(cycle_a, village_a, secretary_a, ruleset, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    entry = factories.enter(village_a, ruleset, "garbage_cleanup",
                            timezone.localdate().replace(day=1), True)
    taken = datetime(2026, 5, 3, 9, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
    photo = _evidence(entry, "photo", "整治前.jpg", taken_at=taken,
                      latitude=Decimal("35.760000"), longitude=Decimal("115.016667"))
    second = _evidence(entry, "photo", "整治后.jpg")
    document = _evidence(entry, "document", "台账.pdf")
    application = services.apply(secretary_a, cycle_a, village_a, ["ecology"],
                                 {"ecology": "说明"})
    return application, photo, second, document


def test_the_application_page_opens_photos_in_the_viewer_and_documents_in_a_tab(
        client, with_evidence, reviewer_a, leader_a):
    application, photo, second, document = with_evidence
    client.force_login(leader_a)
    page = client.get(reverse("reviews:detail", args=[application.pk])).content.decode()
    photo_url = reverse("progress:evidence_file", args=[photo.pk])
    assert f'href="{photo_url}" class="evidence-photo" data-viewer' in page
    assert reverse("progress:evidence_thumbnail", args=[second.pk]) in page
    assert 'data-taken="2026-05-03 09:30"' in page
    assert 'data-place="35.76000, 115.01667"' in page
    assert (f'href="{reverse("progress:evidence_file", args=[document.pk])}" '
            'target="_blank" rel="noopener"') in page
    assert "wuxing/viewer.js" in page
    # The same authorising view serves the file to the reviewers of the application.
    assert client.get(photo_url).status_code == 200


def test_the_month_page_uses_the_same_viewer(client, with_evidence, leader_a, village_a):
    _application, photo, _second, _document = with_evidence
    client.force_login(leader_a)
    month = photo.entry.month.strftime("%Y-%m")
    page = client.get(reverse("progress:month", args=[village_a.code, month])
                      ).content.decode()
    assert f'href="{reverse("progress:evidence_file", args=[photo.pk])}" ' \
           'class="evidence-photo" data-viewer' in page
    assert "wuxing/viewer.js" in page
