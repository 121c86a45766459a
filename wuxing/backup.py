"""Backups that restore: one tar file with a database dump, the evidence files and a manifest.

Archive layout (an uncompressed tar: the dump and the photos are compressed already):

    manifest.json           format, vendor, row count per table, SHA-256 and size per file
    database.pgdump         PostgreSQL: `pg_dump --format=custom`
    database.sqlite3        SQLite: a copy made with SQLite's online backup API
    files/<storage name>    every file the Evidence rows name (file and thumbnail)

Counts, file names and dump come from one view of the database: on PostgreSQL a
REPEATABLE READ transaction exports its snapshot to pg_dump; on SQLite the counts and names
are read from the copy. Evidence files are read and written only through the storage of the
Evidence FileFields (Django's storage API), never by path, so local disks and S3 both work.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from django.core.files import File
from django.core.files.storage import Storage
from django.db import connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

FORMAT = "wuxing-backup/1"
MANIFEST = "manifest.json"
DUMPS = {"postgresql": "database.pgdump", "sqlite": "database.sqlite3"}
FILES_DIR = "files/"
CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup, restore or verification that must stop; the message says why."""


@dataclass
class Report:
    """What a verification found: empty `problems` means everything matched."""
    tables: int = 0
    files: int = 0
    problems: list[str] = field(default_factory=list)


def evidence_storages() -> dict[str, Storage]:
    """The storage of each Evidence FileField ("file", "thumbnail"), by field name: the
    one evidence storage (wuxing/uploads/storage.py), local folder or bucket."""
    from scoring.progress.models import Evidence
    return {name: Evidence._meta.get_field(name).storage for name in ("file", "thumbnail")}


def _evidence_names_sql(quote) -> str:
    from scoring.progress.models import Evidence
    columns = ", ".join(quote(Evidence._meta.get_field(name).column)
                        for name in evidence_storages())
    return f"SELECT {columns} FROM {quote(Evidence._meta.db_table)}"


def _referenced(rows: Iterable[tuple]) -> list[tuple[str, str]]:
    """(field name, storage name) of every file the rows name, each once."""
    fields = list(evidence_storages())
    seen: dict[str, str] = {}
    for row in rows:
        for field_name, name in zip(fields, row, strict=True):
            if name:
                seen.setdefault(name, field_name)
    return sorted(((f, n) for n, f in seen.items()), key=lambda pair: pair[1])


# --- writing -------------------------------------------------------------------------------


class _HashingReader(io.RawIOBase):
    """Reads through a file object while counting and hashing what passes."""

    def __init__(self, raw):
        self.raw, self.sha256, self.size = raw, hashlib.sha256(), 0

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        data = self.raw.read(n)
        self.sha256.update(data)
        self.size += len(data)
        return data


def _sha256_path(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _pg_command(settings_dict: dict, executable: str, parameters: list[str]):
    # Django's own mapping of DATABASES to libpq arguments and PG* variables (psql's).
    from django.db.backends.postgresql.client import DatabaseClient
    args, env = DatabaseClient.settings_to_cmd_args_env(settings_dict, parameters)
    return [executable, *args[1:]], {**os.environ, **(env or {})}


def _run(command: list[str], env: dict) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(_("%(command)s failed: %(error)s")
                          % {"command": command[0], "error": result.stderr.strip()[-2000:]})


def _dump_postgresql(alias: str, target: Path) -> tuple[dict[str, int], list[tuple]]:
    connection = connections[alias]
    with transaction.atomic(using=alias), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        command, env = _pg_command(connection.settings_dict, "pg_dump", [
            "--format=custom", "--no-owner", "--no-privileges", f"--snapshot={snapshot}",
            f"--file={target}"])
        _run(command, env)
        counts = _count_rows(cursor, _tables(connection, cursor),
                             connection.ops.quote_name)
        cursor.execute(_evidence_names_sql(connection.ops.quote_name))
        return counts, cursor.fetchall()


def _sqlite_tables(cursor) -> list[str]:
    cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                   "AND name NOT LIKE 'sqlite_%' ORDER BY name")
    return [row[0] for row in cursor.fetchall()]


def _quote_sqlite(name: str) -> str:
    escaped = name.replace('"', '""')
    return f'"{escaped}"'


def _dump_sqlite(alias: str, target: Path) -> tuple[dict[str, int], list[tuple]]:
    connection = connections[alias]
    connection.ensure_connection()
    copy = sqlite3.connect(target)
    try:
        connection.connection.backup(copy)  # a consistent copy, even while others write
        cursor = copy.cursor()
        counts = _count_rows(cursor, _sqlite_tables(cursor), _quote_sqlite)
        cursor.execute(_evidence_names_sql(_quote_sqlite))
        return counts, cursor.fetchall()
    finally:
        copy.close()


def _tables(connection, cursor) -> list[str]:
    """The database's own tables; on PostgreSQL without this session's temporary tables
    (the bulk loader leaves `<table>_load` ones on a pooled connection)."""
    if connection.vendor != "postgresql":
        return connection.introspection.table_names(cursor)
    cursor.execute("SELECT c.relname FROM pg_catalog.pg_class c "
                   "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
                   "WHERE c.relkind IN ('r', 'p') AND c.relpersistence <> 't' "
                   "AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
                   "AND pg_catalog.pg_table_is_visible(c.oid)")
    return sorted(row[0] for row in cursor.fetchall())


def _count_rows(cursor, tables: Iterable[str], quote) -> dict[str, int]:
    counts = {}
    for table in sorted(tables):
        cursor.execute(f"SELECT COUNT(*) FROM {quote(table)}")
        counts[table] = cursor.fetchone()[0]
    return counts


def _add_file(archive: tarfile.TarFile, arcname: str, path: Path) -> None:
    info = archive.gettarinfo(str(path), arcname)
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    info.mode = 0o600
    with open(path, "rb") as handle:
        archive.addfile(info, handle)


def _add_stored(archive: tarfile.TarFile, storage: Storage, name: str) -> dict:
    size = storage.size(name)
    with storage.open(name, "rb") as handle:
        reader = _HashingReader(handle)
        info = tarfile.TarInfo(FILES_DIR + name)
        info.size, info.mode, info.mtime = size, 0o600, int(timezone.now().timestamp())
        archive.addfile(info, reader)
    if reader.size != size:
        raise BackupError(_("The file %(name)s changed while it was copied.") % {"name": name})
    return {"sha256": reader.sha256.hexdigest(), "size": size}


def vendor_of(alias: str) -> str:
    vendor = connections[alias].vendor
    if vendor not in DUMPS:
        raise BackupError(_("Backups support PostgreSQL and SQLite, not %(vendor)s.")
                          % {"vendor": vendor})
    return vendor


def backup(output: Path, alias: str = "default") -> dict:
    """Write the archive to `output` (a .tar file, made readable by its owner only)."""
    vendor = vendor_of(alias)
    storages = evidence_storages()
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(output.name + ".partial")
    with tempfile.TemporaryDirectory(prefix="wuxing-backup-") as scratch:
        dump = Path(scratch) / DUMPS[vendor]
        dumper = _dump_postgresql if vendor == "postgresql" else _dump_sqlite
        counts, rows = dumper(alias, dump)
        manifest = {"format": FORMAT, "created_at": timezone.now().isoformat(),
                    "vendor": vendor,
                    "database": {"name": DUMPS[vendor], "sha256": _sha256_path(dump),
                                 "size": dump.stat().st_size},
                    "tables": counts, "files": {}, "missing_files": []}
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            with os.fdopen(descriptor, "wb") as raw, tarfile.open(fileobj=raw, mode="w") as tar:
                _add_file(tar, DUMPS[vendor], dump)
                for field_name, name in _referenced(rows):
                    storage = storages[field_name]
                    if not storage.exists(name):
                        # Deleted since the snapshot, or lost before it: say so, go on.
                        manifest["missing_files"].append(name)
                        continue
                    manifest["files"][name] = {**_add_stored(tar, storage, name),
                                               "field": field_name}
                body = json.dumps(manifest, indent=1, sort_keys=True).encode()
                info = tarfile.TarInfo(MANIFEST)
                info.size, info.mode, info.mtime = len(body), 0o600, int(
                    timezone.now().timestamp())
                tar.addfile(info, io.BytesIO(body))
            os.replace(partial, output)
        except OSError as exc:  # a full disk, an unreadable stored file, a short read
            raise BackupError(_("Writing the archive failed: %(error)s")
                              % {"error": exc}) from exc
        finally:
            if partial.exists():
                partial.unlink()
    return manifest


# --- reading -------------------------------------------------------------------------------


def _open(archive: Path) -> tarfile.TarFile:
    try:
        return tarfile.open(archive, mode="r:")
    except (OSError, tarfile.TarError) as exc:
        raise BackupError(_("%(archive)s is not a readable backup archive: %(error)s")
                          % {"archive": archive, "error": exc}) from exc


def read_manifest(tar: tarfile.TarFile) -> dict:
    try:
        manifest = json.load(tar.extractfile(MANIFEST))
    except (KeyError, ValueError, tarfile.TarError, AttributeError) as exc:
        raise BackupError(_("The archive has no readable manifest.json.")) from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(_("The archive's manifest is not of the format %(format)s.")
                          % {"format": FORMAT})
    return manifest


def _safe_name(name: str) -> str:
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise BackupError(_("The archive names an unsafe path: %(name)s") % {"name": name})
    return name


def _member_digest(tar: tarfile.TarFile, arcname: str) -> tuple[str, int] | None:
    try:
        member = tar.getmember(arcname)
    except KeyError:
        return None
    handle = tar.extractfile(member)
    if handle is None:
        return None
    reader = _HashingReader(handle)
    while reader.read(CHUNK):
        pass
    return reader.sha256.hexdigest(), reader.size


def _compare(problems: list[str], label: str, expected: dict, found) -> None:
    if found is None:
        problems.append(_("%(name)s: missing") % {"name": label})
    elif found != (expected["sha256"], expected["size"]):
        problems.append(_("%(name)s: checksum or size differs from the manifest")
                        % {"name": label})


def verify_archive(archive: Path) -> tuple[dict, Report]:
    """Check every member of the archive (dump and files) against the manifest."""
    try:
        with _open(archive) as tar:
            manifest = read_manifest(tar)
            report = Report(tables=len(manifest["tables"]))
            database = manifest["database"]
            _compare(report.problems, database["name"], database,
                     _member_digest(tar, _safe_name(database["name"])))
            for name, expected in sorted(manifest["files"].items()):
                _compare(report.problems, name, expected,
                         _member_digest(tar, FILES_DIR + _safe_name(name)))
                report.files += 1
    except (OSError, tarfile.TarError, KeyError, TypeError) as exc:
        raise BackupError(_("%(archive)s is damaged: %(error)s")
                          % {"archive": archive, "error": exc}) from exc
    return manifest, report


def live_counts(alias: str) -> dict[str, int]:
    connection = connections[alias]
    with connection.cursor() as cursor:
        return _count_rows(cursor, _tables(connection, cursor),
                           connection.ops.quote_name)


def _stored_digest(storage: Storage, name: str) -> tuple[str, int] | None:
    if not storage.exists(name):
        return None
    with storage.open(name, "rb") as handle:
        reader = _HashingReader(handle)
        while reader.read(CHUNK):
            pass
    return reader.sha256.hexdigest(), reader.size


def verify_live(manifest: dict, alias: str = "default") -> Report:
    """Compare the database's row counts and the storage's files with the manifest."""
    report = Report()
    counts = live_counts(alias)
    for table, expected in sorted(manifest["tables"].items()):
        found = counts.get(table)
        if found != expected:
            report.problems.append(
                _("table %(table)s: %(found)s rows, the manifest says %(expected)s")
                % {"table": table, "found": "no table" if found is None else found,
                   "expected": expected})
        report.tables += 1
    for table in sorted(set(counts) - set(manifest["tables"])):
        report.problems.append(_("table %(table)s is not in the manifest") % {"table": table})
    storages = evidence_storages()
    for name, expected in sorted(manifest["files"].items()):
        storage = storages[expected.get("field", "file")]
        _compare(report.problems, name, expected, _stored_digest(storage, name))
        report.files += 1
    return report


# --- restoring -----------------------------------------------------------------------------


def _require_empty(alias: str) -> None:
    connection = connections[alias]
    with connection.cursor() as cursor:
        tables = _tables(connection, cursor)
    if tables:
        raise BackupError(_(
            "The database %(name)s is not empty (%(count)d tables, e.g. %(first)s). Restore "
            "only into a new, empty database: create it, do not run migrate on it.")
            % {"name": connection.settings_dict["NAME"], "count": len(tables),
               "first": sorted(tables)[0]})
    for storage in {id(s): s for s in evidence_storages().values()}.values():
        try:
            directories, files = storage.listdir("")
        except FileNotFoundError:
            continue
        if directories or files:
            raise BackupError(_(
                "The file storage is not empty (it holds %(first)s). Restore only into an "
                "empty storage (WUXING_MEDIA_ROOT or the bucket).")
                % {"first": sorted([*directories, *files])[0]})


def _restore_database(tar: tarfile.TarFile, manifest: dict, alias: str) -> None:
    connection = connections[alias]
    with tempfile.TemporaryDirectory(prefix="wuxing-restore-") as scratch:
        dump = Path(scratch) / DUMPS[manifest["vendor"]]
        with tar.extractfile(manifest["database"]["name"]) as source, open(dump, "wb") as out:
            shutil.copyfileobj(source, out, CHUNK)
        if _sha256_path(dump) != manifest["database"]["sha256"]:
            raise BackupError(_("The database dump changed while it was read."))
        if manifest["vendor"] == "postgresql":
            command, env = _pg_command(connection.settings_dict, "pg_restore", [
                "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
                "--dbname"])
            _run([*command, str(dump)], env)
        else:
            connection.ensure_connection()
            source = sqlite3.connect(dump)
            try:
                source.backup(connection.connection)
            finally:
                source.close()


def _restore_files(tar: tarfile.TarFile, manifest: dict) -> None:
    storages = evidence_storages()
    for name, expected in sorted(manifest["files"].items()):
        storage = storages[expected.get("field", "file")]
        # A seekable local copy: remote storages (S3) seek and ask for the size.
        with tar.extractfile(FILES_DIR + _safe_name(name)) as source, \
                tempfile.SpooledTemporaryFile(max_size=8 * CHUNK) as copy:
            reader = _HashingReader(source)
            shutil.copyfileobj(reader, copy, CHUNK)
            if reader.sha256.hexdigest() != expected["sha256"]:
                raise BackupError(_("%(name)s changed while it was read.") % {"name": name})
            copy.seek(0)
            saved = storage.save(name, File(copy, name=name))
        if saved != name:
            raise BackupError(_("The storage saved %(name)s as %(saved)s.")
                              % {"name": name, "saved": saved})


def restore(archive: Path, alias: str = "default") -> tuple[dict, Report]:
    """Check the archive, restore it into an empty database and storage, verify the result."""
    manifest, report = verify_archive(archive)
    if report.problems:
        raise BackupError(_("The archive is damaged; nothing was restored:\n%(problems)s")
                          % {"problems": "\n".join(report.problems)})
    vendor = vendor_of(alias)
    if manifest["vendor"] != vendor:
        raise BackupError(_("The archive holds a %(archive)s database; this one is %(ours)s.")
                          % {"archive": manifest["vendor"], "ours": vendor})
    _require_empty(alias)
    with _open(archive) as tar:
        _restore_database(tar, manifest, alias)
        _restore_files(tar, manifest)
    return manifest, verify_live(manifest, alias)
