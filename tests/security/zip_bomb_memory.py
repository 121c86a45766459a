"""Peak memory of checking a .docx whose [Content_Types].xml inflates to N GiB.

Run by tests/security/test_uploads.py in a fresh interpreter (so that the peak resident
size is this check's), or by hand: `.venv/bin/python tests/security/zip_bomb_memory.py`.
`--declare MIB` makes the central directory understate the part's size (a lying header),
so that the refusal comes from inflating, not from the declared sizes.
Prints `refused=yes|no peak_growth_mib=… traced_peak_kib=… seconds=… bomb_bytes=…`.
"""

import argparse
import io
import os
import resource
import struct
import sys
import time
import tracemalloc
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wuxing.settings")

MAIN = b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"


def bomb(gib: float) -> bytes:
    head = (b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/'
            b'2006/content-types"><Override PartName="/word/document.xml" ContentType="'
            + MAIN + b'"/>')
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        with archive.open("[Content_Types].xml", "w") as part:
            part.write(head)
            chunk = b" " * (1 << 20)
            for _ in range(int(gib * 1024)):
                part.write(chunk)
            part.write(b"</Types>")
        archive.writestr("word/document.xml", b"<w:document/>")
    return out.getvalue()


def understate(data: bytes, mib: int) -> bytes:
    """The archive with the first entry's uncompressed size in the directory set to `mib`."""
    data = bytearray(data)
    at = data.index(b"PK\x01\x02")
    struct.pack_into("<L", data, at + 24, mib << 20)
    return bytes(data)


def peak_mib() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--gib", type=float, default=1.0)
    parser.add_argument("--declare", type=int, default=0)
    args = parser.parse_args()
    import django
    django.setup()
    from scoring.progress import evidence
    data = bomb(args.gib)
    if args.declare:
        data = understate(data, args.declare)
    before = peak_mib()
    started = time.monotonic()
    tracemalloc.start()
    try:
        evidence.check("bomb.docx", data)
        refused = "no"
    except evidence.EvidenceRefused:
        refused = "yes"
    traced = tracemalloc.get_traced_memory()[1] // 1024
    tracemalloc.stop()
    print(f"refused={refused} peak_growth_mib={peak_mib() - before} traced_peak_kib={traced}"
          f" seconds={time.monotonic() - started:.2f} bomb_bytes={len(data)}")


if __name__ == "__main__":
    main()
