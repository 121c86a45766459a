"""Zip containers (.docx, .xlsx) checked with bounded reads before anything parses them.

A zip's declared sizes may lie, zipfile reads the whole central directory into memory,
and it inflates BZIP2/LZMA entries without bounding one read's output. So, in order:

1. the end-of-central-directory record: its entry count and directory size must fit the
   limits before zipfile builds its list of entries;
2. that list (`infolist`): entry count, unique names, only stored or deflated entries,
   none encrypted, bodies inside the file and not overlapping (one compressed body shared
   by many entries is the "better zip bomb"), declared sizes within budget and ratio;
3. every entry actually inflated in 64 KiB steps, counting the bytes that come out against
   the same budget and ratio, so that a lying header is caught by what it produces.

Memory stays at a few chunks whatever the archive claims (tests/security/
zip_bomb_memory.py measures it).
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

from . import UploadRefused
from .names import display_name


class Damaged(UploadRefused):
    """Not a readable zip at all: callers may prefer their own "not a …" message."""

CHUNK = 64 * 1024
# An entry may compress as well as it likes until it has inflated this much: small
# highly compressible parts (styles, empty sheets) are harmless.
RATIO_GRACE = 1024 * 1024
# 46 fixed bytes per entry plus its name and extra fields; a directory larger than this
# per allowed entry holds more entries than allowed, whatever its count field says.
DIRECTORY_BYTES_PER_ENTRY = 1024
METHODS = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED}  # all that Office writes
_EOCD = struct.Struct("<4s4H2LH")
_ZIP64_LOCATOR = b"PK\x06\x07"
_ZIP64_RECORD = struct.Struct("<4sQ2H2L4Q")


@dataclass(frozen=True)
class Limits:
    entries: int
    inflated: int  # bytes, all entries together
    ratio: int  # inflated size per compressed byte, per entry

    @classmethod
    def for_documents(cls) -> Limits:
        return cls(settings.WUXING_ZIP_MAX_ENTRIES, settings.WUXING_ZIP_MAX_INFLATED,
                   settings.WUXING_ZIP_MAX_RATIO)

    @classmethod
    def for_sheets(cls) -> Limits:
        """Entry sheets are parsed by openpyxl, which keeps shared strings in memory."""
        return cls(settings.WUXING_ZIP_MAX_ENTRIES, settings.WUXING_SHEET_MAX_INFLATED,
                   settings.WUXING_ZIP_MAX_RATIO)


def _damaged() -> Damaged:
    return Damaged(_("The file is damaged and cannot be read as an Office file "
                           "(.docx, .xlsx)."))


def _too_many(count: int, limits: Limits) -> UploadRefused:
    return UploadRefused(_("The file has too many entries (%(n)s, at most %(limit)s are "
                           "allowed).") % {"n": count, "limit": limits.entries})


def _too_big(info: zipfile.ZipInfo, limits: Limits) -> UploadRefused:
    return UploadRefused(_("The file inflates to more than %(mb)s MB (at “%(entry)s”) and "
                           "is refused.") % {"mb": limits.inflated // (1024 * 1024),
                                             "entry": display_name(info.filename, 80)})


def _check_ratio(info: zipfile.ZipInfo, inflated: int, limits: Limits) -> None:
    if inflated > RATIO_GRACE and inflated > limits.ratio * max(info.compress_size, 1):
        raise UploadRefused(_("“%(entry)s” in the file is compressed more than %(ratio)s "
                              "to 1, as only a zip bomb is, and is refused.") % {
            "entry": display_name(info.filename, 80), "ratio": limits.ratio})


def check(data: bytes, limits: Limits) -> zipfile.ZipFile:
    """The archive, open, once every entry has inflated within `limits`; else
    UploadRefused. Read parts of it with bounded reads too (`part.read(n)`)."""
    try:
        _check_directory(data, limits)
        archive = zipfile.ZipFile(io.BytesIO(data))
        _check_entries(archive, data, limits)
        _inflate_all(archive, limits)
    except UploadRefused:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError,
            RuntimeError, ValueError, struct.error):
        raise _damaged() from None
    return archive


def _check_directory(data: bytes, limits: Limits) -> None:
    at = data.rfind(b"PK\x05\x06", max(0, len(data) - _EOCD.size - 0xFFFF))
    if at < 0 or len(data) - at < _EOCD.size:
        raise _damaged()
    count, size = _EOCD.unpack_from(data, at)[4:6]
    # zipfile prefers a ZIP64 record right before the locator, whatever the record says.
    if at >= 20 + _ZIP64_RECORD.size and data[at - 20:at - 16] == _ZIP64_LOCATOR:
        record = _ZIP64_RECORD.unpack_from(data, at - 20 - _ZIP64_RECORD.size)
        count, size = max(count, record[7]), max(size, record[8])
    if count > limits.entries or size > limits.entries * DIRECTORY_BYTES_PER_ENTRY:
        raise _too_many(max(count, size // 46), limits)


def _check_entries(archive: zipfile.ZipFile, data: bytes, limits: Limits) -> None:
    infos = archive.infolist()
    if len(infos) > limits.entries:
        raise _too_many(len(infos), limits)
    if len({i.filename for i in infos}) != len(infos):
        raise _damaged()  # two parts of one name: readers disagree on which one counts
    declared, end = 0, 0
    for info in sorted(infos, key=lambda i: i.header_offset):
        if info.flag_bits & 0x1 or info.compress_type not in METHODS:
            raise UploadRefused(_("“%(entry)s” in the file uses a compression method or "
                                  "an encryption that Office files do not use.")
                                % {"entry": display_name(info.filename, 80)})
        if info.header_offset < end or info.header_offset + 30 > len(data):
            raise _damaged()  # overlapping entries share one compressed body
        name_length, extra_length = struct.unpack_from("<HH", data, info.header_offset + 26)
        end = info.header_offset + 30 + name_length + extra_length + info.compress_size
        if end > len(data):
            raise _damaged()
        declared += info.file_size
        if declared > limits.inflated:
            raise _too_big(info, limits)
        _check_ratio(info, info.file_size, limits)


def _inflate_all(archive: zipfile.ZipFile, limits: Limits) -> None:
    total = 0
    for info in archive.infolist():
        produced = 0
        with archive.open(info) as part:
            while chunk := part.read(CHUNK):
                produced += len(chunk)
                total += len(chunk)
                if total > limits.inflated:
                    raise _too_big(info, limits)
                if produced > info.file_size:
                    raise _damaged()
                _check_ratio(info, produced, limits)
