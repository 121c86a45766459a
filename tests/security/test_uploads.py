"""Hostile uploads: inflating archives, polyglots, active PDFs, metadata in photos, names.

Every upload goes through the real views with a logged-in official; a refused file leaves
no row and no file behind.
"""

import io
import struct
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

import pytest
from django.core.files.base import File
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook
from PIL import Image, PngImagePlugin

from scoring.demo import pdf_file
from scoring.progress.models import Evidence, PendingSheet
from tests import factories
from tests.progress.conftest import MAY

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}
MiB = 1024 * 1024
DOCX_MAIN = ("application/vnd.openxmlformats-officedocument.wordprocessingml."
             "document.main+xml")
SCRIPT = b"<html><script>alert(document.cookie)</script></html>"


@pytest.fixture
def small_limits(settings):
    """Modest limits so that the bombs in these tests stay cheap to build."""
    settings.WUXING_ZIP_MAX_INFLATED = 4 * MiB
    settings.WUXING_SHEET_MAX_INFLATED = 1 * MiB
    settings.WUXING_ZIP_MAX_ENTRIES = 50


@pytest.fixture
def entry(village_a, ruleset, in_may, official_a):
    return factories.enter(village_a, ruleset, "garbage_cleanup", MAY, True, status="draft",
                           entered_by=official_a)


def _upload(client, user, village, name, data):
    client.force_login(user)
    url = reverse("progress:add_evidence", args=[village.code, "2026-05", "garbage_cleanup"])
    return client.post(url, {"file": SimpleUploadedFile(name, data)}, **HX).content.decode()


def _nothing_stored(media_root) -> bool:
    root = Path(media_root)
    files = [p for p in root.rglob("*") if p.is_file()] if root.exists() else []
    return not Evidence.objects.exists() and files == []


# --- archives ---------------------------------------------------------------------------


def _docx(parts: dict[str, bytes], *, content_types: bytes | None = None) -> bytes:
    types = content_types or (
        b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/'
        b'2006/content-types"><Override PartName="/word/document.xml" ContentType="'
        + DOCX_MAIN.encode() + b'"/></Types>')
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", types)
        for name, data in parts.items():
            archive.writestr(name, data)
    return out.getvalue()


def _padded_types(size: int) -> bytes:
    """[Content_Types].xml declaring a Word document, padded with blanks to `size` bytes."""
    head = _docx({})
    with zipfile.ZipFile(io.BytesIO(head)) as archive:
        types = archive.read("[Content_Types].xml")
    return types[:-8] + b" " * (size - len(types)) + types[-8:]


def _lie_about_size(data: bytes, name: str, declared: int) -> bytes:
    """The archive with `name`'s uncompressed size in the central directory set to `declared`."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.getinfo(name)
    encoded = name.encode()
    data = bytearray(data)
    at = 0
    while True:
        at = data.index(b"PK\x01\x02", at)
        length = struct.unpack_from("<H", data, at + 28)[0]
        if bytes(data[at + 46:at + 46 + length]) == encoded:
            break
        at += 4
    assert struct.unpack_from("<L", data, at + 24)[0] == info.file_size
    struct.pack_into("<L", data, at + 24, declared)
    return bytes(data)


def test_a_docx_whose_content_types_inflate_beyond_the_limit_is_refused(
        client, official_a, village_a, entry, media, small_limits):
    bomb = _docx({"word/document.xml": b"<w:document/>"},
                 content_types=_padded_types(32 * MiB))
    assert len(bomb) < 100_000
    body = _upload(client, official_a, village_a, "报告.docx", bomb)
    assert "解压后超过" in body
    assert _nothing_stored(media)


def test_a_docx_with_one_part_compressed_beyond_the_ratio_is_refused(
        client, official_a, village_a, entry, media, settings):
    settings.WUXING_ZIP_MAX_RATIO = 20
    bomb = _docx({"word/document.xml": b"<w:document>" + b" " * (3 * MiB) + b"</w:document>"})
    body = _upload(client, official_a, village_a, "报告.docx", bomb)
    assert "压缩比" in body and "word/document.xml" in body
    assert _nothing_stored(media)


def test_a_docx_with_too_many_entries_is_refused(client, official_a, village_a, entry,
                                                 media, small_limits):
    bomb = _docx({f"word/media/image{n}.png": b"x" for n in range(60)})
    body = _upload(client, official_a, village_a, "报告.docx", bomb)
    assert "条目过多" in body
    assert _nothing_stored(media)


def test_a_docx_that_understates_an_entrys_size_is_refused(
        client, official_a, village_a, entry, media, small_limits):
    honest = _docx({"word/document.xml": b"<w:document>" + b" " * (16 * MiB) + b"</w>"})
    liar = _lie_about_size(honest, "word/document.xml", 2000)
    with zipfile.ZipFile(io.BytesIO(liar)) as archive:  # what the directory claims
        assert sum(i.file_size for i in archive.infolist()) < 4000
    body = _upload(client, official_a, village_a, "报告.docx", liar)
    assert "不是照片" in body or "解压后超过" in body
    assert _nothing_stored(media)


def test_a_docx_whose_entries_overlap_is_refused(client, official_a, village_a, entry,
                                                 media):
    # The "better zip bomb" shape: two directory entries sharing one compressed body.
    data = bytearray(_docx({"word/document.xml": b"<w:document/>" * 200}))
    first = data.index(b"PK\x01\x02")
    second = data.index(b"PK\x01\x02", first + 4)
    offset = struct.unpack_from("<L", data, first + 42)[0]
    struct.pack_into("<L", data, second + 42, offset)
    body = _upload(client, official_a, village_a, "报告.docx", bytes(data))
    assert "不是照片" in body
    assert _nothing_stored(media)


def test_a_docx_with_a_bzip2_entry_is_refused_before_it_is_inflated(
        client, official_a, village_a, entry, media):
    # zipfile inflates BZIP2/LZMA reads without an output bound: never open them.
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", _padded_types(4000))
        archive.writestr("word/document.xml", b"\0" * MiB, zipfile.ZIP_BZIP2)
    body = _upload(client, official_a, village_a, "报告.docx", out.getvalue())
    assert "压缩方式" in body
    assert _nothing_stored(media)


def test_a_macro_enabled_document_is_refused(client, official_a, village_a, entry,
                                             media):
    macro = _docx({"word/document.xml": b"<w:document/>", "word/vbaProject.bin": b"\xd0\xcf"})
    body = _upload(client, official_a, village_a, "报告.docx", macro)
    assert "宏" in body
    assert _nothing_stored(media)


def test_an_ordinary_docx_is_still_accepted(client, official_a, village_a, entry,
                                            media):
    _upload(client, official_a, village_a, "报告.docx",
            _docx({"word/document.xml": b"<w:document>" + b"text " * 2000 + b"</w:document>"}))
    assert Evidence.objects.get().file.name.endswith(".docx")


def _sheet_with_shared_strings(client, town, padding: int) -> bytes:
    """The town's downloaded entry sheet plus a shared-strings part (as Excel writes one)
    whose one string is padded with `padding` blanks."""
    sheet = client.get(reverse("progress:sheet_download", args=[town.code, "2026-05"])).content
    strings = (b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
               b'count="1" uniqueCount="1"><si><t>' + b" " * padding + b"x</t></si></sst>")
    override = (b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.'
                b'openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(sheet)) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "[Content_Types].xml":
                data = data.replace(b"</Types>", override)
            target.writestr(info.filename, data)
        target.writestr("xl/sharedStrings.xml", strings)
    return out.getvalue()


def _upload_sheet(client, town, data):
    return client.post(reverse("progress:sheet_upload", args=[town.code, "2026-05"]),
                       {"sheet": SimpleUploadedFile("sheet.xlsx", data)}).content.decode()


def test_an_entry_sheet_whose_shared_strings_inflate_beyond_the_limit_is_refused(
        client, official_a, town_a, village_a, ruleset, in_may, small_limits):
    client.force_login(official_a)
    bomb = _sheet_with_shared_strings(client, town_a, 16 * MiB)
    assert len(bomb) < 200_000
    body = _upload_sheet(client, town_a, bomb)
    assert "解压后超过" in body and "xl/sharedStrings.xml" in body
    assert not PendingSheet.objects.exists()


def test_an_entry_sheet_with_too_many_entries_is_refused(
        client, official_a, town_a, village_a, ruleset, in_may, small_limits):
    client.force_login(official_a)
    book = Workbook()
    for n in range(60):
        book.create_sheet(f"s{n}")
    out = io.BytesIO()
    book.save(out)
    body = _upload_sheet(client, town_a, out.getvalue())
    assert "条目过多" in body
    assert not PendingSheet.objects.exists()


def test_an_ordinary_entry_sheet_still_previews(client, official_a, town_a, village_a,
                                                ruleset, in_may, small_limits):
    client.force_login(official_a)
    body = _upload_sheet(client, town_a, _sheet_with_shared_strings(client, town_a, 10))
    assert "解压" not in body and "工作簿" not in body


def test_an_admin_village_import_whose_xlsx_inflates_beyond_the_limit_is_refused(
        client, town_a, small_limits):
    from villages.models import Village
    client.force_login(factories.UserFactory(is_staff=True, is_superuser=True))
    book = Workbook()
    book.active.append(["code", "name", "town_code"])
    book.active.append([f"{town_a.prefix}301", "新一村", town_a.code])
    out = io.BytesIO()
    book.save(out)
    with zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/media/padding.bin", bytes(16 * MiB))
    upload = io.BytesIO(out.getvalue())
    upload.name = "villages.xlsx"
    before = Village.objects.count()
    body = client.post(reverse("admin:villages_village_import"),
                       {"import_file": upload, "format": "1", "resource": "0"},
                       follow=True).content.decode()
    assert "解压后超过" in body
    assert Village.objects.count() == before


@pytest.mark.parametrize("declare", ["0", "90"], ids=["honest-sizes", "understated-sizes"])
def test_the_default_limits_refuse_a_1_gib_inflate_without_allocating_it(declare):
    # A fresh interpreter, so that its peak resident size is this check's alone. With
    # 90 MiB declared (under the 100 MiB default) the refusal comes from inflating.
    script = Path(__file__).with_name("zip_bomb_memory.py")
    result = subprocess.run([sys.executable, str(script), "--gib", "1", "--declare", declare],
                            capture_output=True, text=True, timeout=300, check=True)
    figures = dict(line.split("=", 1) for line in result.stdout.split())
    assert figures["refused"] == "yes", result.stdout
    assert int(figures["peak_growth_mib"]) < 64, result.stdout


def test_the_checker_counts_inflated_bytes_not_the_declared_sizes():
    from wuxing.uploads import archives
    honest = _docx({"word/document.xml": b" " * (2 * MiB)})
    liar = _lie_about_size(honest, "word/document.xml", 100)
    limits = archives.Limits(entries=10, inflated=MiB, ratio=10_000)
    with pytest.raises(archives.Damaged):
        archives.check(liar, limits)
    archives.check(_docx({"word/document.xml": b" " * 1000}), limits)


# --- polyglots and active PDFs -------------------------------------------------------------


def pdf(*objects: bytes, header: bytes = b"%PDF-1.7\n") -> bytes:
    """A small PDF with the given objects numbered from 1 (1 is the catalog)."""
    return pdf_file(*objects, header=header)


PAGES = (b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
         b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 100] >>")


def catalog(extra: bytes) -> bytes:
    return pdf(b"<< /Type /Catalog /Pages 2 0 R " + extra + b" >>", *PAGES)


def object_stream(inner: bytes, filters: bytes = b"/FlateDecode", encode=zlib.compress,
                  extra: bytes = b"") -> bytes:
    """Object 4 is an object stream (without /Type, as readers do not need it) holding 5."""
    body = b"5 0 " + inner
    data = encode(body)
    return pdf(b"<< /Type /Catalog /Pages 2 0 R /OpenAction 5 0 R >>", *PAGES,
               b"<< /N 1 /First 4 /Filter " + filters + extra + b" /Length %d >>\nstream\n"
               % len(data) + data + b"\nendstream")


ACTIVE_PDFS = {
    "open-action-javascript": catalog(b"/OpenAction << /S /JavaScript /JS (app.alert(1)) >>"),
    "hex-escaped-names": catalog(b"/OpenAction << /S /J#61va#53cript /J#53 (app.alert(1)) >>"),
    "additional-actions": pdf(b"<< /Type /Catalog /Pages 2 0 R >>", PAGES[0],
                              b"<< /Type /Page /Parent 2 0 R /AA << /O 4 0 R >> >>",
                              b"<< /S /Named /N /Print >>"),
    "launch": catalog(b"/OpenAction << /S /Launch /F (cmd.exe) >>"),
    "embedded-file": catalog(b"/Names << /EmbeddedFiles << /Names [(a.exe) 4 0 R] >> >>"),
    "rich-media": catalog(b"/Extensions << /RichMedia 4 0 R >>"),
    "xfa-form": catalog(b"/AcroForm << /Fields [] /XFA 4 0 R >>"),
    "submit-form": catalog(b"/OpenAction << /S /SubmitForm /F (http://x) >>"),
    "remote-goto": catalog(b"/OpenAction << /S /GoToR /F (\\\\\\\\host\\\\share\\\\a.pdf) >>"),
    "uri-on-open": catalog(b"/OpenAction << /S /URI /URI (http://tracker.example/) >>"),
    "javascript-in-a-compressed-object-stream": object_stream(
        b"<< /S /JavaScript /JS (app.alert(1)) >>"),
    "hex-names-in-an-object-stream": object_stream(b"<< /S /J#61vaScript /JS (x) >>"),
    "object-stream-behind-two-filters": object_stream(
        b"<< /S /JavaScript /JS (x) >>", b"[/AHx /Fl]",
        lambda body: zlib.compress(body).hex().encode() + b">"),
}


@pytest.mark.parametrize("name", ACTIVE_PDFS)
def test_a_pdf_with_active_content_is_refused(client, official_a, village_a, entry, media,
                                              name):
    body = _upload(client, official_a, village_a, f"{name}.pdf", ACTIVE_PDFS[name])
    assert "活动内容" in body
    assert _nothing_stored(media)


@pytest.mark.parametrize("data", [
    object_stream(b"<< /S /GoTo /D [3 0 R /Fit] >>", b"/FlateDecode",
                  extra=b" /DecodeParms << /Predictor 12 /Columns 4 >>"),
    object_stream(b"<< /S /GoTo /D [3 0 R /Fit] >>", b"/LZWDecode", lambda body: body),
    object_stream(b"<< /S /JavaScript /JS (x) >>", b"9 0 R"),
    catalog(b"/Encrypt << /Filter /Standard /V 2 >>"),
], ids=["predictor", "lzw", "filter-by-reference", "encrypted"])
def test_a_pdf_whose_objects_cannot_be_checked_is_refused(client, official_a, village_a,
                                                          entry, media, data):
    body = _upload(client, official_a, village_a, "报告.pdf", data)
    assert "无法检查" in body
    assert _nothing_stored(media)


@pytest.mark.parametrize("data", [
    catalog(b"/OpenAction [3 0 R /Fit]"),
    catalog(b"/OpenAction << /S /GoTo /D [3 0 R /XYZ null null 0] >>"),
    pdf(b"<< /Type /Catalog /Pages 2 0 R >>", PAGES[0],
        b"<< /Type /Page /Parent 2 0 R /Annots [<< /Subtype /Link /A << /S /URI "
        b"/URI (https://www.gov.cn/) >> >>] >>"),
    object_stream(b"<< /S /GoTo /D [3 0 R /Fit] >>"),
], ids=["open-at-a-page", "goto-on-open", "a-link", "goto-in-an-object-stream"])
def test_a_pdf_with_only_navigation_is_accepted(client, official_a, village_a, entry, media,
                                                data):
    _upload(client, official_a, village_a, "报告.pdf", data)
    assert Evidence.objects.get().content_type == "application/pdf"


def test_a_pdf_and_html_polyglot_named_html_is_refused(client, official_a, village_a, entry,
                                                       media):
    polyglot = catalog(b"") + SCRIPT
    body = _upload(client, official_a, village_a, "notice.html", polyglot)
    assert "网页代码" in body
    assert _nothing_stored(media)


def test_a_document_is_served_under_a_generated_name_as_an_attachment(
        client, official_a, village_a, entry, media):
    _upload(client, official_a, village_a, "notice.html", catalog(b""))
    evidence = Evidence.objects.get()
    response = client.get(reverse("progress:evidence_file", args=[evidence.pk]))
    disposition = response["Content-Disposition"]
    assert disposition == (f'attachment; filename="evidence-{village_a.code}-2026-05-'
                           f'{evidence.pk}.pdf"')
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert "default-src 'none'" in response["Content-Security-Policy"]
    assert "notice" not in disposition and "html" not in disposition


# --- photos: pixels only ------------------------------------------------------------------


def _jpeg_with_exif_time(**save) -> bytes:
    exif = Image.Exif()
    exif.get_ifd(0x8769)[36867] = "2026:05:03 09:30:00"
    exif[0x010E] = SCRIPT.decode()  # ImageDescription
    out = io.BytesIO()
    Image.new("RGB", (64, 48), "red").save(out, "JPEG", exif=exif, **save)
    return out.getvalue()


def _with_app_segment(jpeg: bytes) -> bytes:
    segment = b"\xff\xed" + struct.pack(">H", len(SCRIPT) + 2) + SCRIPT  # APP13
    return jpeg[:2] + segment + jpeg[2:]


def _png_with_text() -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("comment", SCRIPT.decode())
    info.add_itxt("comment", SCRIPT.decode())
    info.add_text("Description", SCRIPT.decode(), zip=True)
    out = io.BytesIO()
    Image.new("RGB", (64, 48), "blue").save(out, "PNG", pnginfo=info)
    return out.getvalue()


PHOTOS = {
    "jpeg-comment": (_jpeg_with_exif_time(comment=SCRIPT), "jpg"),
    "jpeg-app-segment": (_with_app_segment(_jpeg_with_exif_time()), "jpg"),
    "jpeg-icc-junk": (_jpeg_with_exif_time(icc_profile=SCRIPT * 10), "jpg"),
    "png-text-chunks": (_png_with_text(), "png"),
}


@pytest.mark.parametrize("name", PHOTOS)
def test_markup_in_photo_metadata_survives_neither_in_the_photo_nor_its_thumbnail(
        client, official_a, village_a, entry, media, name):
    data, extension = PHOTOS[name]
    assert b"<script" in data
    _upload(client, official_a, village_a, f"现场.{extension}", data)
    evidence = Evidence.objects.get()
    served = b"".join(client.get(reverse("progress:evidence_file",
                                         args=[evidence.pk])).streaming_content)
    thumb = b"".join(client.get(reverse("progress:evidence_thumbnail",
                                        args=[evidence.pk])).streaming_content)
    for image in (served, thumb):
        assert image.startswith(b"\xff\xd8") and b"<script" not in image.lower()
        assert b"\xff\xfe" not in image[:image.index(b"\xff\xda")]  # no COM segment
        assert Image.open(io.BytesIO(image)).info.keys() <= {"jfif", "jfif_version",
                                                            "jfif_unit", "jfif_density",
                                                            "dpi", "progressive",
                                                            "progression"}
    if extension == "jpg":
        assert f"{evidence.taken_at:%Y-%m-%d}" == "2026-05-03"  # kept in the database


# --- names --------------------------------------------------------------------------------


@pytest.mark.parametrize("raw,clean", [
    ("合同\u202excod.pdf", "合同xcod.pdf"),
    ("a\u200b\u200c\u200d\ufeffb.pdf", "ab.pdf"),
    ("\u2066x\u2069\u200e\u200f\u061c.pdf", "x.pdf"),
    ("tab\there\x01\x7f\x9b.pdf", "tab here.pdf"),
    ("line\u2028break\u2029x.pdf", "line break x.pdf"),
    ("  spaced   out  .pdf ", "spaced out .pdf"),
    ("\u202e\u200b", "未命名文件"),
    ("ｆｕｌｌ.pdf", "ｆｕｌｌ.pdf"),
])
def test_display_names_lose_bidi_zero_width_and_control_characters(raw, clean):
    from wuxing.uploads import names
    assert names.display_name(raw) == clean


def test_an_uploaded_name_with_an_rtl_override_is_stored_and_shown_cleaned(
        client, official_a, village_a, entry, media):
    # Django's multipart parser already drops non-printable characters; other callers of
    # the service (an API parser, a script) do not, so the service cleans the name itself.
    from scoring.progress import evidence as evidence_service
    evidence_service.add(official_a, entry,
                         File(io.BytesIO(catalog(b"")), name="合同\u202excod\u200b.pdf"))
    evidence = Evidence.objects.get()
    assert evidence.original_name == "合同xcod.pdf"
    client.force_login(official_a)
    page = client.get(reverse("progress:month", args=[village_a.code, "2026-05"]))
    assert "合同xcod.pdf" in page.content.decode()
    assert "\u202e" not in page.content.decode()


def test_a_refusal_message_shows_the_cleaned_name(official_a, entry, media):
    from scoring.progress import evidence as evidence_service
    with pytest.raises(evidence_service.EvidenceRefused) as refused:
        evidence_service.add(official_a, entry,
                             File(io.BytesIO(b"plain text"), name="a\u202etxt.exe"))
    assert "“atxt.exe”" in str(refused.value)
