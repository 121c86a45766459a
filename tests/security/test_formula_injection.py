"""Spreadsheet and CSV formula injection: every file the portal writes neutralises text
cells that a spreadsheet would read as a formula (= + - @, tab, CR, full-width forms);
numbers stay numeric cells."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from import_export.formats.base_formats import CSV, XLSX
from openpyxl import load_workbook

from scoring.dashboards.models import Pairing
from scoring.progress import excel
from tests import factories
from tests.dashboards.conftest import assess, refresh
from villages.resources import VillageResource
from wuxing.spreadsheets import FORMULA_STARTS, NeutralisingResource, neutralise, restore

pytestmark = pytest.mark.django_db

LINK = '=HYPERLINK("http://evil.example/x","点此领取")'
SUM = "@SUM(1+1)*cmd|' /C calc'!A0"
ARITHMETIC = "-2+3"
PAYLOADS = (LINK, SUM, ARITHMETIC, "+1", "＝1+1", "\t=1", "\r=1")


def _dangerous(value) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def _assert_inert(book) -> None:
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                assert not _dangerous(cell.value), (sheet.title, cell.coordinate, cell.value)


@pytest.mark.parametrize("text", PAYLOADS)
def test_it_prefixes_text_that_would_start_a_formula(text):
    assert neutralise(text) == "'" + text
    assert restore(neutralise(text)) == text


@pytest.mark.parametrize("value", [-5, Decimal("-2.5"), -0.5, 0, None, "甲村", "'=x的说明",
                                   "2+3", date(2026, 5, 1)])
def test_it_leaves_numbers_and_harmless_text_as_they_are(value):
    assert neutralise(value) is value


# --- the bulletin (scoring/dashboards/export.py) ------------------------------------------

@pytest.fixture
def hostile_quarter(town_a, ruleset):
    names = [LINK, SUM, ARITHMETIC]
    villages = [factories.VillageFactory(town=town_a, name=name, code=f"{town_a.prefix}{n}")
                for n, name in enumerate(names, start=401)]
    for village in villages:
        assess(village, date(2026, 9, 1), ["industry"], ruleset)
    refresh(villages, date(2026, 9, 1))
    Pairing.objects.create(town=town_a, village=villages[0], partner=villages[1],
                           stars="ecology", started=date(2026, 7, 5), note="=1+2")
    return villages


@time_machine.travel("2026-11-20 10:00 +0800", tick=False)
def test_the_bulletin_workbook_has_no_live_formula(client, hostile_quarter, town_a,
                                                    official_a):
    client.force_login(official_a)
    response = client.get(reverse("dashboards:bulletin_xlsx", args=[town_a.code, "2026Q3"]))
    book = load_workbook(io.BytesIO(response.content))
    _assert_inert(book)
    ranking = list(book["排名"].iter_rows(values_only=True))[1:]
    assert {r[1] for r in ranking} == {"'" + LINK, "'" + SUM, "'" + ARITHMETIC}
    assert all(isinstance(r[0], int) for r in ranking)  # the rank stays a number
    pairing = list(book["结对共建"].iter_rows(values_only=True))[1]
    assert pairing[0] == "'" + LINK and pairing[3] == "'=1+2"


@time_machine.travel("2026-11-20 10:00 +0800", tick=False)
def test_the_bulletin_command_writes_the_same_neutral_cells(hostile_quarter, town_a,
                                                             tmp_path):
    target = tmp_path / "q3.xlsx"
    call_command("bulletin", "--division", town_a.code, "--quarter", "2026Q3", "-o",
                 str(target), stdout=io.StringIO())
    _assert_inert(load_workbook(target))


# --- the entry sheet (scoring/progress/excel.py) ------------------------------------------

def test_the_entry_sheet_neutralises_village_names_and_reads_its_own_cells_back(
        progress_may, town_a, ruleset):
    village = factories.VillageFactory(town=town_a, name=LINK)
    factories.enter(village, ruleset, "member_points_rate", progress_may, 80, status="draft")
    book = load_workbook(io.BytesIO(excel.build(town_a, progress_may)))
    _assert_inert(book)
    sheet = book.active
    assert sheet.cell(3, 2).value == "'" + LINK
    column = next(c.column for c in sheet[1] if c.value == "member_points_rate")
    assert sheet.cell(3, column).value == 80 and sheet.cell(3, column).data_type == "n"
    out = io.BytesIO()
    book.save(out)
    upload = SimpleUploadedFile("sheet.xlsx", out.getvalue())  # as the upload view gets it
    checked = excel.check(town_a, progress_may, upload)
    assert checked.errors == [] and checked.changes == []  # nothing to change


# --- star_report --format csv -------------------------------------------------------------

def test_star_report_csv_neutralises_village_names(ruleset, town_a):
    for n, name in enumerate(PAYLOADS):
        village = factories.VillageFactory(town=town_a, name=name)
        factories.enter(village, ruleset, "criminal_cases", date(2026, 3, 1), n)
    out = io.StringIO()
    call_command("star_report", division=town_a.code, format="csv", stdout=out)
    rows = list(csv.reader(io.StringIO(out.getvalue())))[1:]
    assert sorted(r[1] for r in rows) == sorted("'" + p for p in PAYLOADS)
    assert all(not _dangerous(cell) for row in rows for cell in row)
    assert {r[2] for r in rows} == {"0"}  # the level column is still a plain number


# --- the admin's import-export files ------------------------------------------------------

@pytest.mark.parametrize("file_format", [CSV(), XLSX()], ids=["csv", "xlsx"])
def test_the_village_export_neutralises_names_but_keeps_numbers(town_a, file_format):
    factories.VillageFactory(town=town_a, name="＠甲村")
    factories.VillageFactory(town=town_a, name=LINK, longitude=Decimal("-12.5"))
    dataset = VillageResource().export(force_native_type=file_format.is_binary())
    data = file_format.export_data(dataset)
    if file_format.is_binary():
        book = load_workbook(io.BytesIO(data))
        _assert_inert(book)
        rows = list(book.active.iter_rows(values_only=True))
        assert {r[1] for r in rows[1:]} == {"'＠甲村", "'" + LINK}
        assert -12.5 in [r[9] for r in rows[1:]]  # a negative number stays a number
    else:
        rows = list(csv.reader(io.StringIO(data)))
        assert {r[1] for r in rows[1:]} == {"'＠甲村", "'" + LINK}
        assert "-12.500000" in [r[9] for r in rows[1:]]  # not prefixed


def test_an_exported_village_file_imports_back_unchanged(town_a):
    village = factories.VillageFactory(town=town_a, name=LINK)
    dataset = VillageResource().export()
    result = VillageResource().import_data(dataset, dry_run=False)
    assert not result.has_errors() and not result.has_validation_errors()
    village.refresh_from_db()
    assert village.name == LINK


def test_every_admin_export_goes_through_the_neutralising_resource():
    resources = [resource for model_admin in admin.site._registry.values()
                 for resource in getattr(model_admin, "resource_classes", None) or ()]
    assert resources  # the village admin exports
    assert all(issubclass(r, NeutralisingResource) for r in resources), resources
