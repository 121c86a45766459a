"""Evidence uploads: type by content, size and count limits, photo clean-up, reuse flags.

Nothing is stored until every check has passed. Photos are decoded with Pillow under a
pixel limit (decompression bombs and truncated files are refused), their EXIF capture
time and GPS position kept as fields, then re-encoded as JPEG: orientation applied,
EXIF dropped, at most 1920 px, plus a 320 px thumbnail. Files get generated names only.
"""

from __future__ import annotations

import hashlib
import io
import re
import warnings
import zipfile
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import filetype
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

from wuxing.accounts.access import require
from wuxing.ranges import LATITUDE, LONGITUDE

from . import periods
from .models import Entry, Evidence, EvidenceKind, TownPeriodSetting

MB = 1024 * 1024
PHOTO_MAX_BYTES = 15 * MB
DOCUMENT_MAX_BYTES = 20 * MB
MAX_PIXELS = 50_000_000  # a 48-megapixel phone photo passes; bombs do not
MAX_SIDE = 1920
THUMB_SIDE = 320
PHOTO_TYPES = {"image/jpeg", "image/png", "image/webp"}
OFFICE_MAIN_PARTS = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml":
        ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml":
        ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
}
_BAD_NAME = re.compile(r"[/\\]|^\.|\.\.|[\x00-\x1f]")

# Pillow's own guard, tightened: beyond MAX_PIXELS it warns, beyond twice that it raises.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS
ImageFile.LOAD_TRUNCATED_IMAGES = False


class EvidenceRefused(Exception):
    """An upload that is not stored; `str()` is the Chinese message."""


@dataclass(frozen=True)
class Checked:
    kind: str
    content_type: str
    extension: str
    data: bytes


def _office_type(data: bytes) -> tuple[str, str] | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            types = archive.read("[Content_Types].xml").decode("utf-8", "replace")
    except (zipfile.BadZipFile, KeyError, OSError, RuntimeError):
        return None
    for part, found in OFFICE_MAIN_PARTS.items():
        if part in types:
            return found
    return None


def check(name: str, data: bytes) -> Checked:
    """The file's kind decided by its bytes, within its size limit; else EvidenceRefused."""
    if not name or _BAD_NAME.search(name):
        raise EvidenceRefused(_("The file name “%(name)s” is not allowed: it must not "
                                "contain a path.") % {"name": name[:60]})
    if not data:
        raise EvidenceRefused(_("The file is empty."))
    guess = filetype.guess(data[:8192])
    mime = guess.mime if guess else ""
    if mime in PHOTO_TYPES:
        if len(data) > PHOTO_MAX_BYTES:
            raise EvidenceRefused(_("A photo may be at most 15 MB; this one is %(size)s MB.")
                                  % {"size": f"{len(data) / MB:.1f}"})
        return Checked(EvidenceKind.PHOTO, mime, "jpg", data)
    if mime == "application/pdf":
        found = ("application/pdf", "pdf")
    elif data[:4] == b"PK\x03\x04":
        found = _office_type(data)
    else:
        found = None
    if found is None:
        raise EvidenceRefused(_("“%(name)s” is not a photo (JPEG, PNG, WebP) or a document "
                                "(PDF, DOCX, XLSX), judging by its content.")
                              % {"name": name[:60]})
    if len(data) > DOCUMENT_MAX_BYTES:
        raise EvidenceRefused(_("A document may be at most 20 MB; this one is %(size)s MB.")
                              % {"size": f"{len(data) / MB:.1f}"})
    return Checked(EvidenceKind.DOCUMENT, found[0], found[1], data)


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
                        original_name=upload.name[:200], size=len(data), sha256=sha,
                        uploaded_by=user)
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
