"""Checks on uploaded files that belong to no single app: zip containers (Office files),
PDFs and display names. Each check reads with a byte budget and raises `UploadRefused`
with a Chinese message before anything else parses the file; see docs/OPERATIONS.md,
"Uploads"."""


class UploadRefused(Exception):
    """An upload that is not stored; `str()` is the message for the uploader."""
