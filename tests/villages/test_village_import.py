"""Excel import of villages: all rows or none, every bad row reported by number."""

import io

import openpyxl
import pytest
import tablib
from django.urls import reverse

from villages.models import Village
from villages.resources import VillageResource

pytestmark = pytest.mark.django_db
HEADERS = ["code", "name", "town_code", "area", "population", "households",
           "party_members", "farmland_mu", "latitude", "longitude"]


def _dataset(town, rows):
    data = tablib.Dataset(headers=HEADERS)
    for code, name, population in rows:
        data.append([code, name, town.code, "一管区", population, 100, 20, 1000, "", ""])
    return data


def test_a_good_file_imports_every_row(town_a):
    data = _dataset(town_a, [(f"{town_a.prefix}301", "新一村", 900),
                             (f"{town_a.prefix}302", "新二村", 1100)])
    result = VillageResource().import_data(data, dry_run=False)
    assert not result.has_errors() and not result.has_validation_errors()
    assert set(Village.objects.values_list("name", flat=True)) == {"新一村", "新二村"}
    assert Village.objects.get(name="新一村").area.name == "一管区"


def test_a_file_with_one_bad_row_imports_nothing_and_names_the_row(town_a):
    data = _dataset(town_a, [(f"{town_a.prefix}301", "新一村", 900),
                             ("12345", "坏村", 1100),
                             (f"{town_a.prefix}303", "新三村", 1000)])
    result = VillageResource().import_data(data, dry_run=False)
    assert result.has_validation_errors()
    [invalid] = result.invalid_rows
    assert invalid.number == 2
    assert "12 位" in str(invalid.error_dict["code"])
    assert Village.objects.count() == 0


def test_a_code_outside_the_town_is_refused(town_a, town_b):
    data = _dataset(town_a, [(f"{town_b.prefix}301", "错镇村", 900)])
    result = VillageResource().import_data(data, dry_run=False)
    assert result.has_validation_errors()
    assert Village.objects.count() == 0


def test_the_admin_preview_shows_the_error_and_writes_nothing(client, town_a):
    from tests.factories import UserFactory
    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADERS)
    sheet.append([f"{town_a.prefix}301", "新一村", town_a.code, "", 900, 1, 1, 1, None, None])
    sheet.append([f"{town_a.prefix}302", "负数村", town_a.code, "", -5, 1, 1, 1, None, None])
    buffer = io.BytesIO()
    book.save(buffer)
    upload = io.BytesIO(buffer.getvalue())
    upload.name = "villages.xlsx"
    response = client.post(reverse("admin:villages_village_import"),
                           {"import_file": upload, "format": "1", "resource": "0"},
                           follow=True)
    body = response.content.decode()
    assert response.status_code == 200
    assert "行" in body and "错误" in body
    assert Village.objects.count() == 0
