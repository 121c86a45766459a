"""Restore drill: back up, restore into a second database and storage, compare everything.

The drill runs on PostgreSQL (pg_dump/pg_restore; skipped without it, failing under CI=true)
and on SQLite (the backup API) when that is the test database. Evidence files are written
and read through the storage API only, as the backup does.
"""

import hashlib
import io
import tarfile
from datetime import date
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections
from django.utils import translation

from scoring.progress.models import Evidence
from tests import factories
from tests.conftest import need_service
from wuxing import backup

pytestmark = pytest.mark.django_db(transaction=True)
TARGET = "restore_target"


def _need_postgresql():
    need_service(connection.vendor == "postgresql",
                 "the restore drill on PostgreSQL needs DATABASE_URL=postgres://…")


@pytest.fixture(autouse=True)
def _tasks_registered():
    # Saves commit in these tests and queue work by task name: register the task modules
    # as a worker does at start.
    from wuxing.celery import app
    app.loader.import_default_modules()


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "source-media"
    return settings


@pytest.fixture
def second_database(tmp_path):
    """An empty second database under the alias TARGET, dropped at the end."""
    source = connection.settings_dict
    if connection.vendor == "postgresql":
        name = f"{source['NAME']}_restore"
        with connection.cursor() as cursor:  # autocommit: CREATE DATABASE needs it
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
            cursor.execute(f'CREATE DATABASE "{name}"')
    else:
        name = str(tmp_path / "restored.sqlite3")
    connections.databases[TARGET] = {**source, "NAME": name}
    # Django's test case refuses to open connections to aliases it was not told of; an
    # alias made for this test is connected here directly, once.
    connections[TARGET].connect()
    yield TARGET
    connections[TARGET].close()
    del connections[TARGET]
    del connections.databases[TARGET]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _archive(tmp_path) -> str:
    path = tmp_path / "drill.tar"
    call_command("backup", output=str(path))
    return str(path)


def _checksums(names) -> dict[str, str]:
    """SHA-256 of each file, read through the storage the portal uses now."""
    digests = {}
    for name in names:
        with default_storage.open(name, "rb") as handle:
            digests[name] = hashlib.sha256(handle.read()).hexdigest()
    return digests


def _stored_names(alias: str) -> set[str]:
    names = set()
    for file, thumbnail in Evidence.objects.using(alias).values_list("file", "thumbnail"):
        names.update(n for n in (file, thumbnail) if n)
    return names


def _drill(media, tmp_path, target):
    call_command("load_demo", stdout=io.StringIO())
    source_counts = backup.live_counts("default")
    source_files = _checksums(_stored_names("default"))
    assert source_counts["progress_evidence"] > 1000 and len(source_files) > 1000

    archive = _archive(tmp_path)
    media.MEDIA_ROOT = tmp_path / "restored-media"  # the second storage location
    assert not default_storage.exists(next(iter(source_files)))
    call_command("restore", archive, database=target)

    assert backup.live_counts(target) == source_counts
    assert _stored_names(target) == set(source_files)
    assert _checksums(source_files) == source_files
    # And the verify step agrees, run on its own.
    call_command("restore", archive, verify=True, database=target)


def test_restore_drill_on_postgresql_gives_every_table_and_file_back(
        media, tmp_path, second_database):
    _need_postgresql()
    _drill(media, tmp_path, second_database)


@pytest.mark.skipif("connection.vendor != 'sqlite'")
def test_restore_drill_on_sqlite_gives_every_table_and_file_back(
        media, tmp_path, second_database):
    _drill(media, tmp_path, second_database)


# --- refusals and damage (small data, any database) ---------------------------------------


@pytest.fixture
def small_archive(media, tmp_path, village_a, ruleset):
    entry = factories.enter(village_a, ruleset, "garbage_cleanup", date(2026, 5, 1), True)
    for n in range(3):
        Evidence.objects.create(entry=entry, kind="document", original_name=f"{n}.pdf",
                                file=ContentFile(b"%%PDF-1.4 evidence %d" % n, name="e.pdf"))
    return _archive(tmp_path)


def test_it_refuses_to_restore_into_a_database_that_is_not_empty(small_archive):
    before = backup.live_counts("default")
    with translation.override("en"), pytest.raises(CommandError, match="is not empty"):
        call_command("restore", small_archive)
    assert backup.live_counts("default") == before


def test_it_refuses_to_restore_into_a_storage_that_is_not_empty(small_archive,
                                                                 second_database):
    # The target database is empty but MEDIA_ROOT still holds the source's files.
    with translation.override("en"), pytest.raises(CommandError, match="storage is not empty"):
        call_command("restore", small_archive, database=second_database)
    assert connections[second_database].introspection.table_names() == []


def _corrupt_one_file(archive: str) -> str:
    with tarfile.open(archive) as tar:
        member = next(m for m in tar.getmembers() if m.name.startswith("files/"))
    with open(archive, "r+b") as handle:
        handle.seek(member.offset_data)
        first = handle.read(1)
        handle.seek(member.offset_data)
        handle.write(bytes([first[0] ^ 0xFF]))
    return member.name.removeprefix("files/")


def test_verify_reports_a_corrupted_file_in_the_archive(small_archive, capsys):
    call_command("backup", verify=small_archive)
    damaged = _corrupt_one_file(small_archive)
    with translation.override("en"), pytest.raises(CommandError,
                                                   match="Verification failed: 1 "):
        call_command("backup", verify=small_archive)
    assert damaged in capsys.readouterr().err


def test_it_restores_nothing_from_a_corrupted_archive(small_archive, media, tmp_path,
                                                      second_database):
    damaged = _corrupt_one_file(small_archive)
    media.MEDIA_ROOT = tmp_path / "restored-media"
    with translation.override("en"), pytest.raises(CommandError, match="damaged") as refused:
        call_command("restore", small_archive, database=second_database)
    assert damaged in str(refused.value)
    assert connections[second_database].introspection.table_names() == []
    assert not (tmp_path / "restored-media").exists()


def test_verify_reports_a_database_that_differs_from_the_manifest(small_archive):
    Evidence.objects.first().delete()
    with translation.override("en"), pytest.raises(CommandError, match="Verification failed"):
        call_command("restore", small_archive, verify=True)


def test_it_refuses_to_overwrite_an_existing_archive(small_archive):
    before = Path(small_archive).read_bytes()
    with translation.override("en"), pytest.raises(CommandError, match="exists already"):
        call_command("backup", output=small_archive)
    assert Path(small_archive).read_bytes() == before
