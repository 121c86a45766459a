"""Evidence uploads: content types, limits, photo clean-up, reuse flags, serving."""

import io
import struct
import zlib
from datetime import date
from pathlib import Path

import pytest
from django.core.files.base import File
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook
from PIL import Image

from scoring.progress import evidence as evidence_service
from scoring.progress.models import Evidence, TownPeriodSetting
from tests import factories
from tests.progress.conftest import MAY

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}


def jpeg(size=(400, 200), *, taken="2026:05:03 09:30:00", orientation=6, gps=True) -> bytes:
    image = Image.new("RGB", size, "red")
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = "Phone maker"
    if taken:
        exif.get_ifd(0x8769)[36867] = taken
    if gps:
        ifd = exif.get_ifd(0x8825)
        ifd[1], ifd[2], ifd[3], ifd[4] = "N", (35.0, 45.0, 36.0), "E", (115.0, 1.0, 0.0)
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, quality=90)
    return out.getvalue()


def png_header_only(width: int, height: int) -> bytes:
    """A valid PNG signature and header claiming a huge size, with a tiny body."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(
            ">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"\x00" * 100)) + chunk(b"IEND", b""))


def xlsx() -> bytes:
    out = io.BytesIO()
    Workbook().save(out)
    return out.getvalue()


@pytest.fixture
def entry(village_a, ruleset, in_may, official_a):
    return factories.enter(village_a, ruleset, "garbage_cleanup", MAY, True, status="draft",
                           entered_by=official_a)


def _upload(client, user, village, name, data, code="garbage_cleanup"):
    client.force_login(user)
    url = reverse("progress:add_evidence", args=[village.code, "2026-05", code])
    return client.post(url, {"file": SimpleUploadedFile(name, data)}, **HX).content.decode()


def _stored_files(media) -> list[Path]:
    return [p for p in Path(media).rglob("*") if p.is_file()] if Path(media).exists() else []


def test_a_photo_is_stored_rotated_stripped_and_with_a_thumbnail(client, official_a,
                                                                 village_a, entry, media):
    body = _upload(client, official_a, village_a, "现场.jpg", jpeg(size=(4000, 2000)))
    evidence = Evidence.objects.get()
    assert evidence.kind == "photo" and evidence.content_type == "image/jpeg"
    assert f"{timezone.localtime(evidence.taken_at):%Y-%m-%d %H:%M}" == "2026-05-03 09:30"
    assert str(evidence.latitude) == "35.760000" and str(evidence.longitude) == "115.016667"
    assert not evidence.outside_month
    stored = Image.open(evidence.file.open("rb"))  # through the storage
    assert stored.size == (960, 1920)  # turned upright, at most 1920 px
    assert not stored.getexif()  # EXIF dropped, maker and GPS included
    assert max(Image.open(evidence.thumbnail.open("rb")).size) == 320
    assert "现场" not in evidence.file.name and evidence.file.name.startswith(
        f"evidence/{village_a.code}/2026-05/")
    assert evidence.original_name == "现场.jpg"
    assert "佐证材料已上传" in body


def test_a_photo_taken_outside_the_month_is_flagged_not_refused(client, official_a,
                                                                village_a, entry, media):
    body = _upload(client, official_a, village_a, "old.jpg", jpeg(taken="2026:03:01 08:00:00"))
    assert Evidence.objects.get().outside_month
    assert "非本月拍摄" in body


@pytest.mark.parametrize("name,data,message", [
    ("shell.jpg", b"<?php system($_GET['c']); ?>", "不是照片"),
    ("report.pdf", b"<!doctype html><html><script>alert(1)</script></html>", "不是照片"),
    ("big.jpg", jpeg() + b"\0" * (16 * 1024 * 1024), "照片不能超过 15 MB"),
    ("bomb.png", png_header_only(20_000, 20_000), "图片尺寸过大"),
    ("cut.jpg", jpeg(size=(800, 600))[:1500], "图片已损坏或不完整"),
    ("empty.pdf", b"", "文件是空的"),
    ("fake.docx", b"PK\x03\x04" + b"\0" * 100, "不是照片"),
])
def test_bad_files_are_refused_with_a_message_and_nothing_stored(
        client, official_a, village_a, entry, media, name, data, message):
    body = _upload(client, official_a, village_a, name, data)
    assert message in body
    assert not Evidence.objects.exists()
    assert _stored_files(media) == []


def test_a_path_as_file_name_is_refused_by_the_service(official_a, entry, media):
    with pytest.raises(evidence_service.EvidenceRefused, match="不能包含路径"):
        evidence_service.add(official_a, entry, File(io.BytesIO(jpeg()), name="../../x.jpg"))
    assert not Evidence.objects.exists() and _stored_files(media) == []


def test_a_path_in_an_uploaded_name_never_reaches_the_disk(client, official_a, village_a,
                                                           entry, media):
    _upload(client, official_a, village_a, "../../x.jpg", jpeg())
    evidence = Evidence.objects.get()
    assert ".." not in evidence.file.name and "/" not in evidence.original_name
    assert all(Path(media) in p.parents for p in _stored_files(media))


def test_documents_are_recognised_by_content(client, official_a, village_a, entry, media):
    _upload(client, official_a, village_a, "台账.xlsx", xlsx())
    _upload(client, official_a, village_a, "记录.pdf", b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n")
    kinds = sorted(Evidence.objects.values_list("content_type", flat=True))
    assert kinds == ["application/pdf",
                     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"]


def test_the_count_per_village_month_is_limited(client, official_a, village_a, entry, media):
    TownPeriodSetting.objects.create(town=village_a.town, evidence_limit=1)
    _upload(client, official_a, village_a, "a.jpg", jpeg())
    body = _upload(client, official_a, village_a, "b.jpg", jpeg(taken="2026:05:04 09:00:00"))
    assert "已达上限" in body and Evidence.objects.count() == 1


def test_the_same_file_in_another_village_is_flagged_on_the_page(
        client, official_a, town_a, village_a, ruleset, entry, media):
    other = factories.VillageFactory(town=town_a, name="邻村")
    factories.enter(other, ruleset, "garbage_cleanup", MAY, True, status="draft")
    photo = jpeg()
    _upload(client, official_a, other, "a.jpg", photo)
    body = _upload(client, official_a, village_a, "a.jpg", photo)
    mine = Evidence.objects.get(entry=entry)
    assert mine.duplicate_of.entry.village == other
    assert "与邻村 2026-05 的文件相同" in body


def test_the_same_file_twice_in_one_village_month_is_not_flagged(client, official_a,
                                                                 village_a, entry, media):
    photo = jpeg()
    _upload(client, official_a, village_a, "a.jpg", photo)
    _upload(client, official_a, village_a, "a.jpg", photo)
    assert not Evidence.objects.filter(duplicate_of__isnull=False).exists()


def test_a_village_secretary_may_add_evidence_to_their_village(client, secretary_a,
                                                               village_a, entry, media):
    _upload(client, secretary_a, village_a, "a.jpg", jpeg())
    assert Evidence.objects.get().uploaded_by == secretary_a


def test_files_are_served_with_disposition_and_nosniff(client, official_a, official_b,
                                                       village_a, entry, media):
    _upload(client, official_a, village_a, "a.jpg", jpeg())
    _upload(client, official_a, village_a, "台账.xlsx", xlsx())
    photo, sheet = Evidence.objects.order_by("pk")
    response = client.get(reverse("progress:evidence_file", args=[photo.pk]))
    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"].startswith("inline")
    assert response["X-Content-Type-Options"] == "nosniff"
    response = client.get(reverse("progress:evidence_file", args=[sheet.pk]))
    assert response["Content-Disposition"].startswith("attachment")
    client.force_login(official_b)
    assert client.get(reverse("progress:evidence_file", args=[photo.pk])).status_code == 404


def test_the_photo_input_opens_the_camera_on_a_phone(client, official_a, village_a, entry):
    client.force_login(official_a)
    page = client.get(reverse("progress:month", args=[village_a.code, "2026-05"]))
    assert 'accept="image/*" capture="environment"' in page.content.decode()


def test_no_evidence_before_the_entry_exists(client, official_a, village_a, ruleset, in_may,
                                             media):
    body = _upload(client, official_a, village_a, "a.jpg", jpeg(), code="trees_planted")
    assert "请先保存该指标的数值" in body and not Evidence.objects.exists()


def test_the_engine_counts_uploaded_evidence(client, official_a, village_a, entry, media):
    from scoring import services
    before = services.evaluate_village(village_a, MAY, official=False)
    assert before.indicators["garbage_cleanup"].evidence_missing == {"photo": 1}
    _upload(client, official_a, village_a, "a.jpg", jpeg())
    after = services.evaluate_village(village_a, date(2026, 5, 1), official=False)
    assert after.indicators["garbage_cleanup"].evidence_photos == 1
