"""The demo looks real: every evidence file and thumbnail answers, no date lies in the
future, there is an application at every stage, and the portal has a favicon."""

import io

import pytest
import time_machine
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from scoring.progress.models import Entry, Evidence
from scoring.reviews.models import Application, AppState, Award, ReviewLog
from wuxing.accounts.models import User

pytestmark = pytest.mark.django_db


# Three days into a month: evidence of the current month must not be dated later.
@time_machine.travel("2026-12-03 09:00 +0800", tick=False)
def test_the_demo_has_real_files_past_dates_and_every_stage(settings, tmp_path, client):
    settings.MEDIA_ROOT = tmp_path
    call_command("load_demo", stdout=io.StringIO())
    now, today = timezone.now(), timezone.localdate()

    client.force_login(User.objects.get(username="admin"))
    photos = list(Evidence.objects.filter(kind="photo").values_list("pk", flat=True))
    documents = list(Evidence.objects.filter(kind="document").values_list("pk", flat=True))
    assert len(photos) > 100 and documents
    for pk in photos:
        response = client.get(reverse("progress:evidence_thumbnail", args=[pk]))
        assert response.status_code == 200, pk
        assert b"".join(response.streaming_content)[:2] == b"\xff\xd8"
    for pk in documents[:20]:
        response = client.get(reverse("progress:evidence_file", args=[pk]))
        assert response.status_code == 200, pk

    assert not Evidence.objects.filter(taken_at__gt=now).exists()
    assert not Evidence.objects.filter(uploaded_at__gt=now).exists()
    assert not Entry.objects.filter(month__gt=today.replace(day=1)).exists()
    assert not Award.objects.filter(awarded_on__gt=today).exists()
    assert not Application.objects.filter(state_since__gt=now).exists()
    assert not ReviewLog.objects.filter(at__gt=now).exists()

    states = dict(Application.objects.values_list("village__name", "state"))
    assert states == {"瓦屋村": AppState.TOWN, "东田村": AppState.COUNTY,
                      "高庄村": AppState.NOTICE, "邢庄村": AppState.AWARDED,
                      "瓦岗村": AppState.RETURNED}
    assert Application.objects.get(village__name="高庄村").objections.filter(
        status="pending").exists()

    counts = (Application.objects.count(), Award.objects.count(), Evidence.objects.count())
    call_command("load_demo", stdout=io.StringIO())
    assert (Application.objects.count(), Award.objects.count(),
            Evidence.objects.count()) == counts


def test_the_portal_has_a_favicon(client, official_a):
    assert finders.find("wuxing/favicon.svg") and finders.find("wuxing/favicon.ico")
    client.force_login(official_a)
    assert 'rel="icon"' in client.get(reverse("villages:list")).content.decode()
