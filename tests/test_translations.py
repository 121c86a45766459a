"""zh-hans is the default and complete language: every marked string has a translation,
and the committed .mo matches the .po."""

import gettext
import shutil

import polib
from django.conf import settings
from django.core.management import call_command

from tests.conftest import need_service

PO = settings.BASE_DIR / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


SKIP = {"locale", ".venv", ".git", "tests", "staticfiles", "media", "node_modules", ".run",
        ".pytest_cache", ".ruff_cache", ".hypothesis"}


def test_every_marked_string_has_a_chinese_translation(tmp_path, monkeypatch):
    """makemessages runs on a symlinked copy of the tree, so the real catalogue is never
    rewritten by the test; the copy of the catalogue must then have no empty entry."""
    need_service(shutil.which("xgettext") is not None, "GNU gettext is not installed")
    for child in settings.BASE_DIR.iterdir():
        if child.name not in SKIP:
            (tmp_path / child.name).symlink_to(child)
    target = tmp_path / "locale" / "zh_Hans" / "LC_MESSAGES"
    target.mkdir(parents=True)
    shutil.copy(PO, target / "django.po")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(settings, "LOCALE_PATHS", [tmp_path / "locale"])
    call_command("makemessages", locale=["zh_Hans"], symlinks=True, verbosity=0,
                 no_obsolete=True, ignore_patterns=[".venv", "staticfiles", "node_modules"])
    catalogue = polib.pofile(str(target / "django.po"))
    missing = [e.msgid for e in catalogue if not e.translated() and not e.obsolete]
    assert not missing, f"untranslated (run `make messages` and translate): {missing}"
    assert len(catalogue) >= len(polib.pofile(str(PO))) * 0.9  # the scan found the sources


def test_the_compiled_catalogue_matches_the_source():
    catalogue = polib.pofile(str(PO))
    with open(PO.with_suffix(".mo"), "rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    stale = [e.msgid for e in catalogue if e.translated() and not e.msgid_plural
             and (compiled.pgettext(e.msgctxt, e.msgid) if e.msgctxt
                  else compiled.gettext(e.msgid)) != e.msgstr]
    assert not stale, f"django.mo is stale (run `make messages`): {stale[:5]}"
