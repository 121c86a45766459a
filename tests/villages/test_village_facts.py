"""Village facts used by format 2 rule sets: editable, importable, with history."""

import pytest
import tablib
from django.urls import reverse

from scoring.engine import VILLAGE_CATEGORIES
from villages.models import Village, VillageCategory
from villages.resources import VillageResource

pytestmark = pytest.mark.django_db
HEADERS = ["code", "name", "town_code", "population", "households", "poor_households",
           "area_km2", "category"]


def test_the_village_categories_are_the_engines():
    assert tuple(VillageCategory.values) == VILLAGE_CATEGORIES


def test_an_import_sets_the_facts_and_refuses_an_unknown_category(town_a):
    data = tablib.Dataset(headers=HEADERS)
    data.append([f"{town_a.prefix}301", "新一村", town_a.code, 900, 300, 12, "3.5", "城郊村"])
    result = VillageResource().import_data(data, dry_run=False)
    assert not result.has_errors() and not result.has_validation_errors()
    village = Village.objects.get(name="新一村")
    assert (village.poor_households, str(village.area_km2), village.category) == (
        12, "3.50", "城郊村")
    bad = tablib.Dataset(headers=HEADERS)
    bad.append([f"{town_a.prefix}302", "新二村", town_a.code, 900, 300, 0, "1", "山区村"])
    result = VillageResource().import_data(bad, dry_run=False)
    assert result.has_validation_errors()
    assert not Village.objects.filter(name="新二村").exists()


def test_facts_not_recorded_are_none_never_zero(village_a):
    village_a.population, village_a.households = 0, 0
    facts = village_a.facts()
    assert facts == {"population": None, "households": None, "poor_households": None,
                     "area_km2": None, "category": None}


def test_editing_the_facts_on_the_village_page_keeps_their_history(client, official_a,
                                                                   village_a):
    client.force_login(official_a)
    response = client.post(reverse("villages:edit", args=[village_a.code]), {
        "population": 1600, "households": 420, "party_members": 40, "farmland_mu": "10",
        "poor_households": 8, "area_km2": "4.2", "category": "传统农业村"})
    assert response.status_code == 302
    village_a.refresh_from_db()
    assert (village_a.category, village_a.poor_households) == ("传统农业村", 8)
    assert [h.category for h in village_a.history.order_by("history_date")][-1] == "传统农业村"
    assert village_a.history.count() >= 1
