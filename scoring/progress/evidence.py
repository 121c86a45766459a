"""Evidence uploads: type by content, size and count limits, photo clean-up, reuse flags.

Nothing is stored until every check has passed. Photos are decoded with Pillow under a
pixel limit (decompression bombs and truncated files are refused), their EXIF capture
time and GPS position kept as fields, then re-encoded from their pixels alone as JPEG:
orientation applied, no EXIF, ICC, comment or text chunk, at most 1920 px, plus a 320 px
thumbnail. Office files pass the bounded zip check (wuxing/uploads/archives.py) and PDFs
the active-content check (wuxing/uploads/pdf.py) before anything reads them. Files get
generated names only; the uploader's name is kept, cleaned, for display.
"""

from __future__ import annotations

import hashlib
import io
import re
import warnings
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import filetype
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

from wuxing.accounts.access import require
from wuxing.ranges import LATITUDE, LONGITUDE
from wuxing.uploads import UploadRefused, archives, names, pdf

from . import periods
from .models import (
    DOCX,
    STORED_TYPES,
    XLSX,
    Entry,
    EntryStatus,
    Evidence,
    EvidenceKind,
    TownPeriodSetting,
)

MB = 1024 * 1024
PHOTO_MAX_BYTES = 15 * MB
DOCUMENT_MAX_BYTES = 20 * MB
MAX_PIXELS = 50_000_000  # a 48-megapixel phone photo passes; bombs do not
MAX_SIDE = 1920
THUMB_SIDE = 320
PHOTO_TYPES = {"image/jpeg", "image/png", "image/webp"}
OFFICE_MAIN_PARTS = {f"{DOCX}.main+xml": DOCX, f"{XLSX}.main+xml": XLSX}
CONTENT_TYPES_MAX = 1024 * 1024  # [Content_Types].xml is a few kB in any real file
_BAD_NAME = re.compile(r"[/\\]|^\.|\.\.")

# Pillow's own guard, tightened: beyond MAX_PIXELS it warns, beyond twice that it raises.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS
ImageFile.LOAD_TRUNCATED_IMAGES = False


# The official result takes every file of a verified entry, whenever it was attached
# (services.cycle_inputs loads evidence by entry, not by date): a file added after the
# verification counts at the next recompute, without a new verification. Pages say so.
VERIFIED_ENTRY_RULE = gettext_lazy(
    "This entry is verified. Evidence added now counts in the official result straight "
    "away; the value stays verified.")


class EvidenceRefused(UploadRefused):
    """An upload that is not stored; `str()` is the Chinese message."""


@dataclass(frozen=True)
class Checked:
    kind: str
    content_type: str
    extension: str
    data: bytes


def _office_type(data: bytes) -> str | None:
    """The Office type of a zip that passed the bounded check, or None; refuses macros."""
    try:
        archive = archives.check(data, archives.Limits.for_documents())
    except archives.Damaged:
        return None
    with archive:
        parts = [i.filename.lower() for i in archive.infolist()]
        if any(p.endswith("vbaproject.bin") or "activex/" in p for p in parts):
            raise EvidenceRefused(_("The document contains macros or ActiveX controls "
                                    "and is refused. Save it as a plain .docx or .xlsx."))
        try:
            with archive.open("[Content_Types].xml") as part:
                types = part.read(CONTENT_TYPES_MAX).decode("utf-8", "replace")
        except KeyError:
            return None
    return next((found for part, found in OFFICE_MAIN_PARTS.items() if part in types), None)


def _document_type(data: bytes, mime: str) -> str | None:
    if mime == "application/pdf":
        pdf.check(data)
        return mime
    if data[:4] == b"PK\x03\x04":
        return _office_type(data)
    return None


def check(name: str, data: bytes) -> Checked:
    """The file's kind decided by its bytes, within its size limit; else EvidenceRefused."""
    shown = names.display_name(name, 60)
    if not name or _BAD_NAME.search(shown):
        raise EvidenceRefused(_("The file name “%(name)s” is not allowed: it must not "
                                "contain a path.") % {"name": shown})
    if not data:
        raise EvidenceRefused(_("The file is empty."))
    guess = filetype.guess(data[:8192])
    mime = guess.mime if guess else ""
    if mime in PHOTO_TYPES:
        if len(data) > PHOTO_MAX_BYTES:
            raise EvidenceRefused(_("A photo may be at most 15 MB; this one is %(size)s MB.")
                                  % {"size": f"{len(data) / MB:.1f}"})
        return Checked(EvidenceKind.PHOTO, mime, "jpg", data)
    if len(data) > DOCUMENT_MAX_BYTES:  # before anything inflates or scans it
        raise EvidenceRefused(_("A document may be at most 20 MB; this one is %(size)s MB.")
                              % {"size": f"{len(data) / MB:.1f}"})
    try:
        found = _document_type(data, mime)
    except EvidenceRefused:
        raise
    except UploadRefused as exc:
        raise EvidenceRefused(str(exc)) from None
    if found is None:
        raise EvidenceRefused(_("“%(name)s” is not a photo (JPEG, PNG, WebP) or a document "
                                "(PDF, DOCX, XLSX), judging by its content.")
                              % {"name": shown})
    return Checked(EvidenceKind.DOCUMENT, found, STORED_TYPES[found], data)


# --- photos -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Photo:
    image: bytes
    thumbnail: bytes
    taken_at: datetime | None
    latitude: Decimal | None
    longitude: Decimal | None


def _open(data: bytes) -> Image.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise Image.DecompressionBombError("too many pixels")
            if image.format == "JPEG" and max(width, height) > MAX_SIDE:
                # Decode at a reduced scale straight away (JPEG DCT scaling, never below
                # the final size): several times faster for big photos.
                ratio = MAX_SIDE / max(width, height)
                image.draft("RGB", (int(width * ratio), int(height * ratio)))
            image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise EvidenceRefused(_("The picture is too large (more than %(mp)s million pixels)."
                                ) % {"mp": MAX_PIXELS // 1_000_000})
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise EvidenceRefused(_("The picture is damaged or incomplete and cannot be read."))
    return image


def _exif_time(exif) -> datetime | None:
    text = exif.get_ifd(0x8769).get(36867) or exif.get(306)
    try:
        naive = datetime.strptime(str(text).strip("\x00 "), "%Y:%m:%d %H:%M:%S")
    except (TypeError, ValueError):
        return None
    return timezone.make_aware(naive)  # phones record local time


def _exif_gps(exif) -> tuple[Decimal | None, Decimal | None]:
    gps = exif.get_ifd(0x8825)

    def degrees(value, ref, negative):
        try:
            d, m, s = (Decimal(str(float(x))) for x in value)
        except (TypeError, ValueError, ZeroDivisionError):
            return None
        result = (d + m / 60 + s / 3600).quantize(Decimal("0.000001"))
        return -result if ref == negative else result

    if not gps or 2 not in gps or 4 not in gps:
        return None, None
    latitude, longitude = degrees(gps[2], gps.get(1), "S"), degrees(gps[4], gps.get(3), "W")
    # The tags are the uploader's bytes: a position off the Earth is dropped, not stored.
    if not (_within(latitude, LATITUDE) and _within(longitude, LONGITUDE)):
        return None, None
    return latitude, longitude


def _within(value: Decimal | None, bounds) -> bool:
    return value is not None and bounds[0] <= value <= bounds[1]


def _pixels_only(image: Image.Image) -> Image.Image:
    """A new image holding the decoded pixels and nothing else. Pillow keeps a file's
    comment, EXIF, XMP, ICC profile and PNG text chunks in `info`, and writes `comment`
    back into every JPEG it saves: markup hidden there must not reach the served files."""
    fresh = Image.new(image.mode, image.size)
    fresh.paste(image)
    return fresh


def _jpeg(image: Image.Image, side: int, quality: int) -> bytes:
    image = image.copy()
    image.thumbnail((side, side), Image.Resampling.LANCZOS, reducing_gap=2.0)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality, optimize=False)
    return out.getvalue()


def process_photo(data: bytes) -> Photo:
    image = _open(data)
    exif = image.getexif()
    taken_at = _exif_time(exif)
    latitude, longitude = _exif_gps(exif)
    image = ImageOps.exif_transpose(image)
    if image.mode not in ("RGB", "L"):
        background = Image.new("RGB", image.size, "white")
        rgba = image.convert("RGBA")
        background.paste(rgba, mask=rgba.getchannel("A"))
        image = background
    image = _pixels_only(image)
    large = _jpeg(image, MAX_SIDE, 85)
    image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.BILINEAR)
    return Photo(large, _jpeg(image, THUMB_SIDE, 75), taken_at, latitude, longitude)


# --- storing -------------------------------------------------------------------------------


def count_limit(town) -> int:
    return TownPeriodSetting.objects.of(town.pk).evidence_limit


def _read(upload) -> bytes:
    size = getattr(upload, "size", None)
    if size is not None and size > DOCUMENT_MAX_BYTES + MB:
        raise EvidenceRefused(_("A document may be at most 20 MB and a photo 15 MB."))
    upload.seek(0)
    return upload.read(DOCUMENT_MAX_BYTES + MB + 1)


def add(user, entry: Entry, upload) -> Evidence:
    """Check and store one uploaded file for the entry; EvidenceRefused otherwise."""
    village = entry.village
    require(user, "add_evidence", village.code)
    periods.require_open(village, entry.month)
    data = _read(upload)
    checked = check(upload.name or "", data)
    existing = Evidence.objects.filter(entry__village=village, entry__month=entry.month)
    if existing.count() >= count_limit(village.town):
        raise EvidenceRefused(_("This village already has %(n)s evidence files for the "
                                "month, the most allowed.") % {"n": existing.count()})
    sha = hashlib.sha256(data).hexdigest()
    evidence = Evidence(entry=entry, kind=checked.kind, content_type=checked.content_type,
                        original_name=names.display_name(upload.name or ""),
                        size=len(data), sha256=sha, uploaded_by=user)
    evidence.duplicate_of = (Evidence.objects.filter(sha256=sha)
                             .exclude(entry__village=village, entry__month=entry.month)
                             .order_by("uploaded_at").first())
    stored = checked.data
    if checked.kind == EvidenceKind.PHOTO:
        photo = process_photo(data)
        stored = photo.image
        evidence.content_type = "image/jpeg"
        evidence.taken_at, evidence.latitude, evidence.longitude = (
            photo.taken_at, photo.latitude, photo.longitude)
        if photo.taken_at is not None:
            local = timezone.localtime(photo.taken_at)
            evidence.outside_month = (local.year, local.month) != (entry.month.year,
                                                                   entry.month.month)
    return _store(evidence, stored, checked.extension,
                  photo.thumbnail if checked.kind == EvidenceKind.PHOTO else None)


def _store(evidence: Evidence, data: bytes, extension: str, thumbnail: bytes | None
           ) -> Evidence:
    try:
        with transaction.atomic():
            evidence.file.save(f"file.{extension}", ContentFile(data), save=False)
            if thumbnail is not None:
                evidence.thumbnail.save("thumb.jpg", ContentFile(thumbnail), save=False)
            evidence.save()
    except Exception:
        # The row was not written: remove the files so nothing half-stored remains.
        for field in (evidence.file, evidence.thumbnail):
            if field.name:
                field.storage.delete(field.name)
        raise
    return evidence


def remove(user, evidence: Evidence) -> None:
    """Delete one evidence row and, once that is committed, its file and thumbnail.

    Only while the month is open and the entry is not verified: a verified entry's files
    count in the official result and are listed in application snapshots."""
    entry = evidence.entry
    require(user, "add_evidence", entry.village.code)
    periods.require_open(entry.village, entry.month)
    if entry.status == EntryStatus.VERIFIED:
        raise EvidenceRefused(_("The entry is verified: its evidence can no longer be "
                                "removed. Ask for it to be returned first."))
    names = [field.name for field in (evidence.file, evidence.thumbnail) if field.name]
    storage = evidence.file.storage
    with transaction.atomic():
        evidence.delete()
        # After the commit: a rolled-back delete must still find its files.
        transaction.on_commit(lambda: [storage.delete(name) for name in names])
