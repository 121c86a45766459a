"""Where evidence files live: the one access point is `evidence_storage()`.

Every reader and writer of evidence bytes (uploads, thumbnails, the authorising view,
deletion, the demo data, backup and restore) goes through `evidence_storage()`, which is
Django's `storages["evidence"]`: the local folder WUXING_MEDIA_ROOT by default, or an
S3-compatible bucket when WUXING_STORAGE_URL names one. Nothing opens evidence by a
filesystem path, so a second web machine serves the same files as the first.

    WUXING_STORAGE_URL=s3://[KEY:SECRET@]bucket[/prefix]?endpoint_url=…&region=…

`storage_backend()` is plain Python so that settings.py can call it at import time.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, unquote, urlsplit

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.functional import LazyObject, empty

SPOOL_MAX_MEMORY = 2 * 1024 * 1024
LOCAL_BACKEND = "django.core.files.storage.FileSystemStorage"
S3_BACKEND = "storages.backends.s3.S3Storage"
# Query parameters of WUXING_STORAGE_URL and the S3Storage option each sets.
S3_QUERY_OPTIONS = {"endpoint_url": "endpoint_url", "region": "region_name",
                    "addressing_style": "addressing_style",
                    "signature_version": "signature_version", "verify": "verify"}


class StorageUrlError(ValueError):
    """WUXING_STORAGE_URL cannot be understood; the message says why."""


def _verify(value: str) -> bool | str:
    # false: no TLS verification (a test server); a path: that CA bundle; else verify.
    lowered = value.lower()
    if lowered in ("0", "false", "no"):
        return False
    return True if lowered in ("1", "true", "yes", "") else value


def storage_backend(url: str) -> dict:
    """The STORAGES entry for a WUXING_STORAGE_URL ('' = the local media folder)."""
    if not url:
        # No location: it follows MEDIA_ROOT, also when a test changes the setting.
        return {"BACKEND": LOCAL_BACKEND}
    parts = urlsplit(url)
    if parts.scheme != "s3":
        raise StorageUrlError(f"WUXING_STORAGE_URL must start with s3:// (got {parts.scheme!r}:);"
                              " leave it empty for the local folder WUXING_MEDIA_ROOT.")
    if not parts.hostname:
        raise StorageUrlError("WUXING_STORAGE_URL names no bucket: s3://bucket?…")
    options = {
        "bucket_name": unquote(parts.hostname),
        "location": unquote(parts.path.strip("/")),
        # Objects stay private; any URL the backend makes is signed and short-lived,
        # though the portal never hands one out (files are streamed by the view).
        "default_acl": None,
        "querystring_auth": True,
        "querystring_expire": 300,
        "file_overwrite": False,
        # A download is fetched whole before it is streamed: beyond 2 MB into a temporary
        # file rather than memory (django-storages' default 0 never leaves memory).
        "max_memory_size": SPOOL_MAX_MEMORY,
    }
    # urlsplit lower-cases the hostname: take the bucket as written (S3 names are
    # lower-case anyway, but a mismatch must not pass silently).
    netloc_host = parts.netloc.rsplit("@", 1)[-1]
    if netloc_host != parts.hostname:
        raise StorageUrlError("WUXING_STORAGE_URL: the bucket name must be lower case "
                              "and without a port.")
    if parts.username is not None:
        options["access_key"] = unquote(parts.username)
        options["secret_key"] = unquote(parts.password or "")
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        if key not in S3_QUERY_OPTIONS:
            raise StorageUrlError(f"WUXING_STORAGE_URL: unknown parameter {key!r}; known: "
                                  + ", ".join(S3_QUERY_OPTIONS))
        options[S3_QUERY_OPTIONS[key]] = _verify(value) if key == "verify" else value
    return {"BACKEND": S3_BACKEND, "OPTIONS": options}


def evidence_storage():
    """The storage of evidence files (FileField `storage=` and every other user)."""
    return _EVIDENCE


class _EvidenceStorage(LazyObject):
    # Django builds a FileField's storage once, at import; a lazy proxy lets tests (and
    # anything else that changes STORAGES) switch the backend afterwards.
    def _setup(self):
        from django.core.files.storage import storages
        self._wrapped = storages["evidence"]


_EVIDENCE = _EvidenceStorage()


@receiver(setting_changed)
def _storages_changed(*, setting, **kwargs):
    if setting == "STORAGES":
        _EVIDENCE._wrapped = empty
