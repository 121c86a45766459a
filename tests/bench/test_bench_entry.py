"""Entry benchmarks (issue 4): saving one entry with its star preview; a 12 MP photo.

Run by `make bench` on PostgreSQL; writes the "## Entry" section of docs/PERFORMANCE.md.
"""

import io
import random
import statistics
import time
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.urls import reverse
from PIL import Image

from scoring.progress.models import Entry, EntryStatus
from tests.conftest import need_service
from villages.models import AdminUnit, PartyBranch, UnitLevel, Village

pytestmark = [pytest.mark.bench, pytest.mark.django_db]
PERFORMANCE = Path(settings.BASE_DIR) / "docs" / "PERFORMANCE.md"
MAY = date(2026, 5, 1)
SAVES = 60
P95_TARGET_MS = 150
PHOTO_TARGET_S = 1.0


def write_section(title: str, body: str) -> None:
    """Replace (or add) one "## title" section of docs/PERFORMANCE.md, keeping the others."""
    text = PERFORMANCE.read_text(encoding="utf-8") if PERFORMANCE.exists() else "# Performance\n"
    heading = f"## {title}"
    lines = text.rstrip("\n").split("\n")
    out, skipping = [], False
    for line in lines:
        if line.startswith("## "):
            skipping = line.strip() == heading
        if not skipping:
            out.append(line)
    PERFORMANCE.write_text("\n".join(out).rstrip("\n") + f"\n\n{heading}\n\n{body.strip()}\n",
                           encoding="utf-8")


def _county_with_1000_villages(ruleset, town):
    """Nine more towns beside `town`, 100 villages each, and a cycle of entries for all."""
    county = town.parent
    towns = [town] + AdminUnit.objects.bulk_create(
        AdminUnit(code=f"{county.prefix}{300 + n:03d}000", name=f"基准镇{n}",
                  level=UnitLevel.TOWN, parent=county) for n in range(9))
    villages = Village.objects.bulk_create(
        Village(code=f"{t.prefix}{200 + n:03d}", name=f"基准村{t.pk}-{n}", town=t)
        for t in towns for n in range(100))
    PartyBranch.objects.bulk_create(PartyBranch(village=v, name=f"{v.name}党支部")
                                    for v in villages)
    monthly = list(ruleset.indicators.filter(cadence="monthly"))
    rng = random.Random(4)
    entries = []
    for village in villages:
        for month in range(1, 5):
            for ind in monthly:
                entry = Entry(village=village, indicator=ind, month=date(2026, month, 1),
                              status=EntryStatus.VERIFIED)
                entry.set_value(True if ind.kind == "bool" else rng.randrange(0, 100),
                                ind.kind)
                entries.append(entry)
    Entry.objects.bulk_create(entries, batch_size=5000)
    return villages


def test_saving_an_entry_with_its_star_preview(client, ruleset, town_a, official_a):
    need_service(connection.vendor == "postgresql", "the entry benchmark needs PostgreSQL")
    villages = _county_with_1000_villages(ruleset, town_a)
    village = next(v for v in villages if v.town_id == town_a.pk)
    assert Village.objects.filter(code__startswith=town_a.parent.prefix).count() >= 1000
    client.force_login(official_a)
    url = reverse("progress:save", args=[village.code, "2026-05", "member_points_rate"])
    timings = []
    with time_machine.travel(datetime(2026, 5, 20, 10, tzinfo=ZoneInfo("Asia/Shanghai"))):
        for n in range(SAVES + 5):
            started = time.perf_counter()
            response = client.post(url, {"value": str(80 + n % 20), "version": str(n)},
                                   HTTP_HX_REQUEST="true")
            elapsed = (time.perf_counter() - started) * 1000
            assert response.status_code == 200 and b'id="star-preview"' in response.content
            assert "已保存" in response.content.decode()
            if n >= 5:  # the first saves warm caches and connections
                timings.append(elapsed)
    timings.sort()
    p50 = statistics.median(timings)
    p95 = timings[int(len(timings) * 0.95) - 1]
    RESULTS["save"] = (f"| Save one entry (htmx POST) and return the row with the updated "
                       f"star preview; 1,000-village county, {Entry.objects.count():,} "
                       f"entries loaded; {SAVES} saves | p95 < {P95_TARGET_MS} ms | "
                       f"p50 {p50:.0f} ms, p95 {p95:.0f} ms |")
    _write()
    print(f"\nentry save: p50 {p50:.1f} ms, p95 {p95:.1f} ms over {len(timings)} saves")
    assert p95 < P95_TARGET_MS


RESULTS: dict[str, str] = {}


def _write() -> None:
    rows = [RESULTS.get("save", "| Save one entry with its star preview | p95 < 150 ms | "
                                "not measured in this run |"),
            RESULTS.get("photo", "| Process a 12 MP photo | < 1 s | not measured in this run |")]
    write_section("Entry", "\n".join([
        f"Measured by `tests/bench/test_bench_entry.py` (`make bench`, PostgreSQL), "
        f"{date.today()}. The stored-assessment recompute that the receivers queue on commit "
        "runs in the Celery worker and is not timed.", "",
        "| What | Target | Measured |", "|---|---|---|",
        *rows]))


def _twelve_megapixels() -> bytes:
    rng = random.Random(12)
    base = Image.linear_gradient("L").resize((4000, 3000))
    noise = Image.effect_noise((4000, 3000), 30)
    image = Image.merge("RGB", (base, noise, Image.blend(base, noise, 0.5)))
    for _ in range(40):  # some edges, like a real scene
        x, y = rng.randrange(3800), rng.randrange(2800)
        image.paste((rng.randrange(256), 80, 40), (x, y, x + 200, y + 200))
    exif = Image.Exif()
    exif[0x0112] = 6
    exif.get_ifd(0x8769)[36867] = "2026:05:03 09:30:00"
    out = io.BytesIO()
    image.save(out, "JPEG", quality=92, exif=exif)
    return out.getvalue()


def test_a_12_megapixel_photo_is_processed_in_under_a_second():
    from scoring.progress import evidence
    data = _twelve_megapixels()
    timings = []
    for _ in range(5):
        started = time.perf_counter()
        evidence.check("photo.jpg", data)
        photo = evidence.process_photo(data)
        timings.append(time.perf_counter() - started)
    assert Image.open(io.BytesIO(photo.image)).size == (1440, 1920)
    best, median = min(timings), statistics.median(timings)
    RESULTS["photo"] = (f"| Process a 12-megapixel JPEG ({len(data) / 1024 / 1024:.1f} MB): "
                        "type check, EXIF, orientation, re-encode ≤ 1920 px, thumbnail; "
                        f"5 runs | < {PHOTO_TARGET_S:.0f} s | best {best:.2f} s, "
                        f"median {median:.2f} s |")
    _write()
    print(f"\n12 MP photo: best {min(timings):.3f} s, median {statistics.median(timings):.3f} s")
    assert statistics.median(timings) < PHOTO_TARGET_S
