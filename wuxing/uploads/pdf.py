"""PDFs checked for active content before they are stored: such a PDF is refused.

Refused rather than flagged, because a flag would still hand the file to every reviewer
in the jurisdiction, and the desktop readers they use (Acrobat, WPS, Foxit) run PDF
JavaScript, launch actions and embedded files; the portal cannot reliably remove such
content from a PDF, and progress evidence (minutes, ledgers, statements, scans) never
needs it. The uploader can re-create a clean file with "print to PDF" or a scan.

Refused: the names of active features (`ACTIVE`) anywhere in the file, an /OpenAction that
does more than open at a page, encryption (object streams and strings cannot be read),
and an object stream this module cannot decode. Names are compared after decoding `#xx`
escapes (`/J#61vaScript` is /JavaScript). Dictionaries live either in the plain file or in
object streams, which are compressed: those streams (any stream with /N and /First, the
keys a reader needs, with or without /Type /ObjStm) are decoded through their filters
(Flate, ASCIIHex, ASCII85) within a byte budget and scanned the same way. Content and
image streams are not decoded: they hold drawing operators and pixels, never actions.
HTML markup in the raw bytes (a PDF/HTML polyglot) is refused too.
"""

from __future__ import annotations

import base64
import binascii
import re
import zlib

from django.utils.translation import gettext as _

from . import UploadRefused

ACTIVE = {
    b"JavaScript", b"JS", b"AA", b"Launch", b"EmbeddedFile", b"EmbeddedFiles",
    b"FileAttachment", b"RichMedia", b"XFA", b"SubmitForm", b"ImportData", b"GoToE",
    b"GoToR", b"Rendition", b"Movie", b"Sound",
}
OBJECT_STREAM_BUDGET = 32 * 1024 * 1024  # decoded bytes of all object streams together
MAX_DICTIONARY = 1024 * 1024
CHUNK = 64 * 1024
_REGULAR = rb"[^\x00\t\n\x0c\r ()<>\[\]{}/%]"
_KEYS = b"|".join(sorted(ACTIVE | {b"OpenAction", b"Encrypt"}, key=len, reverse=True))
# A plain active name, or any name with an #xx escape (decoded, then compared).
_NAME = re.compile(rb"/(" + _KEYS + rb")(?!" + _REGULAR + rb")|/(" + _REGULAR + rb"*#"
                   + _REGULAR + rb"*)")
_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
_ANY_NAME = re.compile(rb"/(" + _REGULAR + rb"*)")
# Tags a browser would act on; long enough not to turn up by chance in compressed data.
_HTML = re.compile(rb"<(?:script|html|body|iframe|object|embed)[\t\n\x0c\r />]", re.I)
_OBJECT = re.compile(rb"\d+\s+\d+\s+obj(?!" + _REGULAR + rb")")
_DICT_TOKEN = re.compile(rb"<<|>>|[(<%]")
_STRING_TOKEN = re.compile(rb"[()\\]")
_FLATE, _HEX, _A85 = {b"FlateDecode", b"Fl"}, {b"ASCIIHexDecode", b"AHx"}, {
    b"ASCII85Decode", b"A85"}


def _active_content() -> UploadRefused:
    return UploadRefused(_("The PDF contains active content (scripts, automatic actions or "
                           "embedded files) and is refused. Print it to a new PDF, or scan "
                           "the paper, and upload that."))


def _unreadable() -> UploadRefused:
    return UploadRefused(_("The PDF is encrypted or compressed in a way that cannot be "
                           "checked and is refused. Remove the password or print "
                           "it to a new PDF, and upload that."))


def check(data: bytes) -> None:
    """Refuse (UploadRefused) a PDF with active content or parts that cannot be checked."""
    if _HTML.search(data):
        raise UploadRefused(_("The file is a PDF with web page code inside and is "
                              "refused."))
    _scan(data)
    budget = OBJECT_STREAM_BUDGET
    for dictionary, body in _streams(data):
        if _is_object_stream(dictionary):
            decoded = _decode(dictionary, data, body, budget)
            budget -= len(decoded)
            _scan(decoded)


def _decode_name(raw: bytes) -> bytes:
    return _ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), raw)


def _scan(buffer: bytes) -> None:
    for match in _NAME.finditer(buffer):
        name = match.group(1) or _decode_name(match.group(2))
        if name == b"Encrypt":
            raise _unreadable()
        if name in ACTIVE or (name == b"OpenAction" and not _navigates(buffer, match.end())):
            raise _active_content()


def _navigates(buffer: bytes, at: int) -> bool:
    """Whether the /OpenAction value at `at` only opens the document at a place.

    A destination array or a /GoTo action passes; an indirect reference passes too, as
    whatever it points to is scanned like everything else and every action type that
    does more than move within the document is refused wherever it is."""
    rest = buffer[at:at + 4096].lstrip(b"\x00\t\n\x0c\r ")
    if rest[:1] == b"[" or re.match(rb"\d+\s+\d+\s+R(?!" + _REGULAR + rb")", rest):
        return True
    if rest[:2] != b"<<":
        return False
    action = rest[:rest.find(b">>") + 2]
    types = [_decode_name(n) for n in re.findall(rb"/S\s*/(" + _REGULAR + rb"*)", action)]
    return types == [b"GoTo"]


# --- structure: the dictionaries of streams ------------------------------------------------


def _streams(data: bytes):
    """(dictionary without strings and comments, names decoded; offset of the body) of
    every stream."""
    for header in _OBJECT.finditer(data):
        start = _skip_blanks(data, header.end())
        if data[start:start + 2] != b"<<":
            continue
        parsed = _dictionary(data, start)
        if parsed is None:
            continue
        end, dictionary = parsed
        end = _skip_blanks(data, end)
        if data.startswith(b"stream", end):
            body = end + 6
            body += 2 if data.startswith(b"\r\n", body) else 1
            if b"#" in dictionary:
                dictionary = _ANY_NAME.sub(lambda m: b"/" + _decode_name(m.group(1)),
                                           dictionary)
            yield dictionary, body


def _skip_blanks(data: bytes, at: int) -> int:
    while at < len(data):
        if data[at] in b"\x00\t\n\x0c\r ":
            at += 1
        elif data[at:at + 1] == b"%":
            line = re.compile(rb"[\r\n]").search(data, at)
            at = line.end() if line else len(data)
        else:
            break
    return at


def _dictionary(data: bytes, start: int) -> tuple[int, bytes] | None:
    depth, at, kept, limit = 0, start, [], min(len(data), start + MAX_DICTIONARY)
    while at < limit:
        token = _DICT_TOKEN.search(data, at, limit)
        if token is None:
            return None
        kept.append(data[at:token.start()])
        text, at = token.group(), token.end()
        if text in (b"<<", b">>"):
            kept.append(text)
            depth += 1 if text == b"<<" else -1
            if depth == 0:
                return at, b"".join(kept)
        elif text == b"(":
            at = _skip_string(data, at, limit)
        elif text == b"<":
            at = data.find(b">", at, limit) + 1 or limit
        else:  # a comment runs to the end of the line
            line = re.compile(rb"[\r\n]").search(data, at, limit)
            at = line.end() if line else limit
    return None


def _skip_string(data: bytes, at: int, limit: int) -> int:
    depth = 1
    while depth and at < limit:
        token = _STRING_TOKEN.search(data, at, limit)
        if token is None:
            return limit
        at = token.end() + (1 if token.group() == b"\\" else 0)
        depth += {b"(": 1, b")": -1}.get(token.group(), 0)
    return at


def _names(dictionary: bytes) -> list[bytes]:
    return _ANY_NAME.findall(dictionary)


def _is_object_stream(dictionary: bytes) -> bool:
    names = _names(dictionary)
    return b"ObjStm" in names or (b"N" in names and b"First" in names)


def _decode(dictionary: bytes, data: bytes, body: int, budget: int) -> bytes:
    # A filter, its parameters or a predictor given by reference would need resolving.
    if re.search(rb"/(?:Filter|DecodeParms)\s*\d|/Predictor\s+\d+\s+\d+\s+R", dictionary):
        raise _unreadable()
    found = re.search(rb"/Filter\s*(\[[^\]]*\]|/" + _REGULAR + rb"*)", dictionary)
    filters = _names(found.group(1)) if found else []
    predictor = re.search(rb"/Predictor\s+(\d+)", dictionary)
    if predictor and int(predictor.group(1)) > 1:
        raise _unreadable()  # PNG/TIFF predictors are not undone here
    if not filters:
        return b""  # an uncompressed object stream was scanned with the file
    # The first filter reads from the body to wherever its own encoding ends (a reader
    # trusting /Length or the first "endstream" gets no more than that).
    decoded, at = data, body
    for name in filters:
        if name in _FLATE:
            decoded = _inflate(decoded, at, budget)
        elif name in _HEX:
            decoded = _unhex(decoded, at)
        elif name in _A85:
            decoded = _un85(decoded, at)
        else:
            raise _unreadable()
        at = 0
    return decoded


def _inflate(data: bytes, at: int, budget: int) -> bytes:
    """Inflate from `at` in 64 KiB steps (no copy of the rest of the file), at most
    `budget` bytes out."""
    inflater, out, size, view = zlib.decompressobj(), [], 0, memoryview(data)
    while at < len(data) and not inflater.eof:
        try:
            piece = inflater.decompress(view[at:at + CHUNK], budget + 1 - size)
        except zlib.error:
            raise _unreadable() from None
        size += len(piece)
        if size > budget:
            raise _unreadable()
        out.append(piece)
        at += CHUNK
    return b"".join(out)


def _unhex(data: bytes, at: int) -> bytes:
    end = data.find(b">", at)
    text = re.sub(rb"\s", b"", data[at:end if end >= 0 else len(data)])
    try:
        return binascii.unhexlify(text + b"0" * (len(text) % 2))
    except binascii.Error:
        raise _unreadable() from None


def _un85(data: bytes, at: int) -> bytes:
    end = data.find(b"~>", at)
    text = re.sub(rb"\s", b"", data[at:end if end >= 0 else len(data)])
    try:
        return base64.a85decode(text.removeprefix(b"<~"))
    except ValueError:
        raise _unreadable() from None
