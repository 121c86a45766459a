"""Evidence through the storage API: the same behaviour on the local folder (the default)
and on an S3-compatible server (moto's, over HTTP), with the jurisdiction checks unchanged.

Every test that takes `store` runs twice: `local` (WUXING_MEDIA_ROOT) and `s3`."""

import os
import re
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

import scoring.tasks  # noqa: F401  (registers the recompute a removal queues, as a worker does)
from scoring.progress.models import Evidence
from tests import factories
from tests.progress.conftest import MAY, SHANGHAI
from tests.progress.test_evidence import jpeg
from tests.s3_fixtures import s3_url
from tests.security.test_uploads import catalog
from wuxing.uploads.storage import (
    S3_BACKEND,
    StorageUrlError,
    evidence_storage,
    storage_backend,
)

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


class LocalFolder:
    """The local default seen like a bucket: stored names under MEDIA_ROOT."""

    def __init__(self, root: Path):
        self.root = root

    def keys(self) -> set[str]:
        return {p.relative_to(self.root).as_posix() for p in self.root.rglob("*")
                if p.is_file()} if self.root.exists() else set()

    def read(self, name: str) -> bytes:
        return (self.root / name).read_bytes()

    def delete(self, name: str) -> None:
        (self.root / name).unlink()


@pytest.fixture(params=["local", "s3"])
def store(request, media):
    """Where evidence goes in this run; for S3, nothing may land in the local folder."""
    if request.param == "local":
        yield LocalFolder(Path(media))
        return
    bucket = request.getfixturevalue("s3_evidence")
    yield bucket
    assert LocalFolder(Path(media)).keys() == set(), "evidence written to the local disk"


@pytest.fixture
def entry(village_a, ruleset, in_may, official_a):
    return factories.enter(village_a, ruleset, "garbage_cleanup", MAY, True, status="draft",
                           entered_by=official_a)


def _upload(client, user, village, name, data):
    client.force_login(user)
    url = reverse("progress:add_evidence", args=[village.code, "2026-05", "garbage_cleanup"])
    return client.post(url, {"file": SimpleUploadedFile(name, data)})


def _get(client, user, name, evidence):
    client.force_login(user)
    return client.get(reverse(f"progress:{name}", args=[evidence.pk]))


def _remove(client, user, evidence, capture):
    client.force_login(user)
    with capture(execute=True):  # the files go once the delete is committed
        return client.post(reverse("progress:remove_evidence", args=[evidence.pk]))


# --- upload, thumbnail, download -----------------------------------------------------------


def test_a_photo_upload_stores_the_photo_and_its_thumbnail(client, official_a, village_a,
                                                           entry, store):
    assert _upload(client, official_a, village_a, "现场.jpg", jpeg()).status_code == 302
    evidence = Evidence.objects.get()
    assert store.keys() == {evidence.file.name, evidence.thumbnail.name}
    prefix = f"evidence/{village_a.code}/2026-05/"
    assert evidence.file.name.startswith(prefix) and evidence.thumbnail.name.startswith(prefix)
    assert store.read(evidence.file.name)[:3] == b"\xff\xd8\xff"
    assert store.read(evidence.thumbnail.name)[:3] == b"\xff\xd8\xff"
    assert evidence.size == len(jpeg())


def test_a_photo_and_its_thumbnail_are_served_inline_with_the_file_headers(
        client, official_a, observer_a, village_a, entry, store):
    _upload(client, official_a, village_a, "现场.jpg", jpeg())
    evidence = Evidence.objects.get()
    for view, field, suffix in (("evidence_file", evidence.file, ""),
                                ("evidence_thumbnail", evidence.thumbnail, "-thumb")):
        response = _get(client, observer_a, view, evidence)
        assert response.status_code == 200
        body = b"".join(response.streaming_content)
        assert body == store.read(field.name)
        assert response["Content-Length"] == str(len(body))
        assert response["Content-Type"] == "image/jpeg"
        assert response["Content-Disposition"] == (
            f'inline; filename="evidence-{village_a.code}-2026-05-{evidence.pk}{suffix}.jpg"')
        assert response["X-Content-Type-Options"] == "nosniff"
        assert "sandbox" in response["Content-Security-Policy"]
        assert response["Cache-Control"] == "private, max-age=300"


def test_a_pdf_is_served_as_an_attachment_with_its_exact_bytes(client, official_a,
                                                               village_a, entry, store):
    document = catalog(b"")
    _upload(client, official_a, village_a, "会议记录.pdf", document)
    evidence = Evidence.objects.get()
    assert store.keys() == {evidence.file.name} and not evidence.thumbnail
    assert store.read(evidence.file.name) == document
    response = _get(client, official_a, "evidence_file", evidence)
    assert b"".join(response.streaming_content) == document
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="evidence-{village_a.code}-2026-05-{evidence.pk}.pdf"')
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'none'" in response["Content-Security-Policy"]


def test_a_second_machine_serves_what_the_first_stored(client, official_a, village_a, entry,
                                                       s3_evidence, settings, tmp_path):
    _upload(client, official_a, village_a, "会议记录.pdf", catalog(b""))
    evidence = Evidence.objects.get()
    # Another machine: its own storage instance and connection, its own empty disk.
    settings.MEDIA_ROOT = tmp_path / "other-machine"
    settings.STORAGES = {**settings.STORAGES}
    response = _get(client, official_a, "evidence_file", evidence)
    assert b"".join(response.streaming_content) == catalog(b"")
    assert not (tmp_path / "other-machine").exists()


def test_a_file_missing_from_the_storage_answers_404(client, official_a, village_a, entry,
                                                     store):
    _upload(client, official_a, village_a, "现场.jpg", jpeg())
    evidence = Evidence.objects.get()
    store.delete(evidence.file.name)
    assert _get(client, official_a, "evidence_file", evidence).status_code == 404
    assert _get(client, official_a, "evidence_thumbnail", evidence).status_code == 200


# --- removal ------------------------------------------------------------------------------


def test_removing_evidence_deletes_the_row_and_its_files(
        client, official_a, village_a, entry, store, django_capture_on_commit_callbacks):
    _upload(client, official_a, village_a, "现场.jpg", jpeg())
    _upload(client, official_a, village_a, "会议记录.pdf", catalog(b""))
    photo, document = Evidence.objects.order_by("pk")
    response = _remove(client, official_a, photo, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    assert list(Evidence.objects.all()) == [document]
    assert store.keys() == {document.file.name}
    assert _get(client, official_a, "evidence_file", photo).status_code == 404


def test_a_verified_entrys_evidence_is_not_removed(client, official_a, village_a, entry,
                                                   store, django_capture_on_commit_callbacks):
    _upload(client, official_a, village_a, "会议记录.pdf", catalog(b""))
    evidence = Evidence.objects.get()
    entry.status = "verified"
    entry.save()
    _remove(client, official_a, evidence, django_capture_on_commit_callbacks)
    assert Evidence.objects.count() == 1 and store.keys() == {evidence.file.name}


def test_evidence_of_a_closed_month_is_not_removed(client, official_a, village_a, entry,
                                                   in_may, media,
                                                   django_capture_on_commit_callbacks):
    _upload(client, official_a, village_a, "会议记录.pdf", catalog(b""))
    evidence = Evidence.objects.get()
    in_may.move_to(datetime(2026, 6, 10, 10, 0, tzinfo=SHANGHAI))  # past the 5 June deadline
    _remove(client, official_a, evidence, django_capture_on_commit_callbacks)
    assert Evidence.objects.count() == 1
    assert LocalFolder(Path(media)).keys() == {evidence.file.name}


def test_the_month_page_offers_removal_only_to_who_may_remove(client, official_a, observer_a,
                                                             village_a, entry, media):
    _upload(client, official_a, village_a, "会议记录.pdf", catalog(b""))
    url = reverse("progress:remove_evidence", args=[Evidence.objects.get().pk])
    month_page = reverse("progress:month", args=[village_a.code, "2026-05"])
    assert url in client.get(month_page, {"tab": "ecology"}).content.decode()
    client.force_login(observer_a)
    assert url not in client.get(month_page, {"tab": "ecology"}).content.decode()
    entry.status = "verified"
    entry.save()
    client.force_login(official_a)
    assert url not in client.get(month_page, {"tab": "ecology"}).content.decode()


# --- jurisdiction: unchanged --------------------------------------------------------------


def test_an_official_of_another_town_gets_404_and_changes_nothing(
        client, official_a, official_b, village_a, entry, store,
        django_capture_on_commit_callbacks):
    _upload(client, official_a, village_a, "现场.jpg", jpeg())
    evidence = Evidence.objects.get()
    stored = store.keys()
    assert _get(client, official_b, "evidence_file", evidence).status_code == 404
    assert _get(client, official_b, "evidence_thumbnail", evidence).status_code == 404
    assert _remove(client, official_b, evidence,
                   django_capture_on_commit_callbacks).status_code == 404
    assert _upload(client, official_b, village_a, "b.jpg", jpeg()).status_code == 404
    assert Evidence.objects.count() == 1 and store.keys() == stored


def test_an_observer_may_download_but_not_upload_or_remove(
        client, official_a, observer_a, village_a, entry, store,
        django_capture_on_commit_callbacks):
    _upload(client, official_a, village_a, "现场.jpg", jpeg())
    evidence = Evidence.objects.get()
    stored = store.keys()
    assert _get(client, observer_a, "evidence_file", evidence).status_code == 200
    assert _upload(client, observer_a, village_a, "o.jpg", jpeg()).status_code == 403
    assert _remove(client, observer_a, evidence,
                   django_capture_on_commit_callbacks).status_code == 403
    assert Evidence.objects.count() == 1 and store.keys() == stored


# --- configuration ------------------------------------------------------------------------


def test_the_default_is_the_local_media_folder(settings, media):
    assert isinstance(evidence_storage(), FileSystemStorage)
    assert Path(evidence_storage().location) == Path(media)


def test_credentials_may_come_from_the_environment(s3_bucket, s3_server, settings,
                                                   monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "from-env")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "from-env-secret")
    backend = storage_backend(s3_url(s3_bucket.name, s3_server, credentials=False))
    assert "access_key" not in backend["OPTIONS"]
    settings.STORAGES = {**settings.STORAGES, "evidence": backend}
    name = evidence_storage().save("evidence/x/2026-05/a.pdf", ContentFile(b"%PDF-1.7"))
    assert s3_bucket.keys() == {name}
    assert evidence_storage().open(name).read() == b"%PDF-1.7"


def test_the_storage_url_names_bucket_prefix_endpoint_region_and_credentials():
    backend = storage_backend("s3://AK%2F1:s%40cret@wuxing-evidence/prod/files"
                              "?endpoint_url=https://oss.example.cn&region=cn-east-1"
                              "&addressing_style=path&verify=false")
    assert backend["BACKEND"] == S3_BACKEND
    options = backend["OPTIONS"]
    assert (options["bucket_name"], options["location"]) == ("wuxing-evidence", "prod/files")
    assert (options["access_key"], options["secret_key"]) == ("AK/1", "s@cret")
    assert options["endpoint_url"] == "https://oss.example.cn"
    assert options["region_name"] == "cn-east-1" and options["addressing_style"] == "path"
    assert options["verify"] is False and options["default_acl"] is None
    assert options["max_memory_size"] == 2 * 1024 * 1024  # larger downloads spool to disk
    assert storage_backend("")["BACKEND"].endswith("FileSystemStorage")


@pytest.mark.parametrize("url", ["s3:///prefix", "file:///srv/media", "s3://b?regoin=x",
                                 "s3://Bucket", "s3://b:9000"])
def test_it_rejects_a_storage_url_it_cannot_understand(url):
    with pytest.raises(StorageUrlError):
        storage_backend(url)


def test_a_bad_storage_url_stops_the_settings_from_loading():
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"], cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "wuxing.settings",
             "WUXING_STORAGE_URL": "ftp://x"},
        capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and "s3://" in result.stderr


def test_no_code_reaches_evidence_through_a_filesystem_path():
    """Evidence goes through evidence_storage() only: a file path works on one machine."""
    forbidden = re.compile(r"\.(?:file|thumbnail)\.path\b|\bdefault_storage\b"
                           r"|settings\.MEDIA_ROOT")
    offenders = [f"{path.relative_to(ROOT)}:{n}"
                 for folder in ("scoring", "wuxing", "villages")
                 for path in (ROOT / folder).rglob("*.py")
                 if path.name != "settings.py"
                 for n, line in enumerate(path.read_text().splitlines(), 1)
                 if forbidden.search(line)]
    assert offenders == []
