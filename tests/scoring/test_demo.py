"""`load_demo` reproduces the article through `star_report`, and leaves the current month
lively for the completeness pages."""

import csv
import io

import pytest
import time_machine
from django.core.management import call_command

from scoring.models import Assessment
from scoring.progress.models import Entry, EntryStatus, Evidence

pytestmark = pytest.mark.django_db
THREE_STARS = {"东田村", "瓦屋村", "高庄村", "邢庄村"}


@time_machine.travel("2026-11-29 09:00 +0800", tick=False)
def test_load_demo_reproduces_the_article_through_star_report(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    call_command("load_demo", stdout=io.StringIO())

    out = io.StringIO()
    call_command("star_report", division="410902101", format="csv", stdout=out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert out.getvalue().splitlines()[0] == "code,name,level,stars"
    assert len(rows) == 29
    by_name = {r["name"]: r for r in rows}
    assert by_name["瓦岗村"]["level"] == "5"
    assert by_name["瓦岗村"]["stars"] == "branch+industry+ecology+safety+civility"
    assert {n for n, r in by_name.items() if r["level"] == "3"} == THREE_STARS
    assert all(int(r["level"]) < 3 for n, r in by_name.items()
               if n not in THREE_STARS | {"瓦岗村"})
    assert "safety" in by_name["石佛店村"]["stars"].split("+")
    for r in rows:
        assert len(r["stars"].split("+")) == int(r["level"]) or r["stars"] == ""

    # The current month has gaps to chase, in villages the article does not name.
    november = Entry.objects.filter(month="2026-11-01")
    assert november.filter(status=EntryStatus.DRAFT, village__name="大猛村").exists()
    assert november.filter(status=EntryStatus.RETURNED).exclude(return_reason="").exists()
    assert not november.filter(village__name="南田村").exists()
    assert Assessment.objects.official().filter(month="2026-11-01").count() == 34
    assert Assessment.objects.filter(month="2025-12-01").exists()
    evidence = Evidence.objects.first()
    assert (tmp_path / evidence.file.name).read_bytes()[:2] in (b"\xff\xd8", b"%P")

    counts = (Entry.objects.count(), Evidence.objects.count())
    call_command("load_demo", stdout=io.StringIO())
    assert (Entry.objects.count(), Evidence.objects.count()) == counts
