"""Numbers outside their natural range are refused by forms, imports and the database.

The same ranges hold on every database: each bounded field has a CHECK constraint, so a
writer that skips validation (bulk update, raw import, another program) is refused on
SQLite as on PostgreSQL (where an overflow used to be the only limit).
"""

from decimal import Decimal

import pytest
import tablib
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import DataError, IntegrityError, models, transaction
from django.urls import reverse
from django.utils import timezone

from scoring.reviews.forms import CycleForm
from villages.models import Village
from villages.resources import VillageResource

pytestmark = pytest.mark.django_db
PROJECT_APPS = {"villages", "scoring", "progress", "reviews", "reminders", "dashboards",
                "accounts", "notifications"}

# Numeric fields without a natural range to check: counters and sequence numbers the
# portal itself writes, sizes checked by the upload code, and derived figures.
INTERNAL = {
    "Star.order", "Indicator.order", "Entry.version", "Entry.value_number",
    "HistoricalEntry.version", "HistoricalEntry.value_number", "Evidence.size",
    "HistoricalEvidence.size", "Application.round", "Snapshot.round", "ReviewLog.round",
    "ReviewView.round", "Assessment.level", "VillageStatus.level",
    "VillageStatus.total_score", "UnitMonthSummary.depth", "UnitMonthSummary.villages",
    "UnitMonthSummary.assessed", "Delivery.attempts",
    # recompute runs count their own batches; certificate counters number awards
    "RecomputeRun.batches_total", "RecomputeRun.batches_done", "RecomputeRun.batches_failed",
    "RecomputeRun.villages_total", "RecomputeBatch.position", "RecomputeBatch.attempts",
    "CertificateCounter.year", "CertificateCounter.last",
    # the rule-file reader accepts only the formats it knows (1 and 2)
    "RuleSet.format_version",
}
NUMERIC = (models.IntegerField, models.DecimalField, models.FloatField)


def _numeric_fields():
    for model in apps.get_models():
        if model._meta.app_label not in PROJECT_APPS:
            continue
        for field in model._meta.concrete_fields:
            if isinstance(field, NUMERIC) and not field.primary_key \
                    and not isinstance(field, models.ForeignKey):
                yield model, field


def _bounds(field):
    """The range the model declares (not the column type's limits Django adds itself)."""
    declared = field._validators
    low = next((v.limit_value for v in declared if isinstance(v, MinValueValidator)), None)
    high = next((v.limit_value for v in declared if isinstance(v, MaxValueValidator)), None)
    return low, high


def test_every_numeric_field_has_a_range_or_is_internal():
    unbounded = [f"{model.__name__}.{field.name}" for model, field in _numeric_fields()
                 if None in _bounds(field) and f"{model.__name__}.{field.name}" not in INTERNAL
                 and not model.__name__.startswith("Historical")]
    assert not unbounded, f"give these a range (wuxing/ranges.py): {unbounded}"


def test_every_range_is_also_a_database_check():
    missing = []
    for model, field in _numeric_fields():
        if model.__name__.startswith("Historical") or None in _bounds(field):
            continue
        names = {c.name for c in model._meta.constraints}
        if not any(n.endswith(f"_{field.name}_range") for n in names):
            missing.append(f"{model.__name__}.{field.name}")
    assert not missing, f"add range_checks() to Meta.constraints of: {missing}"


# --- one row of every model with ranges, to write bad values into -------------------------

@pytest.fixture
def rows(village_a, ruleset, cycle_a, evidence_a, town_a, reviewer_a):
    from scoring.dashboards.models import CountyTarget, PointsLedger
    from scoring.progress.models import TownPeriodSetting
    from scoring.reminders.models import ReminderPolicy
    from villages.models import PartyBranch
    return [
        village_a, ruleset, ruleset.stars.first(), ruleset.indicators.first(), cycle_a,
        evidence_a, TownPeriodSetting.objects.create(town=town_a),
        ReminderPolicy.objects.create(town=town_a),
        PartyBranch.objects.get_or_create(village=village_a,
                                          defaults={"name": "甲村党支部"})[0],
        PointsLedger.objects.create(town=town_a, village=village_a, date="2026-05-02",
                                    points=5, reason="表彰"),
        CountyTarget.objects.create(county=town_a.parent, year=2026),
    ]


def _outside(field):
    low, high = _bounds(field)
    step = Decimal("0.1") if isinstance(field, models.DecimalField) else 1
    return [value for value in (low - step if low is not None else None,
                                high + step if high is not None else None)
            if value is not None]


def test_the_database_refuses_every_value_outside_its_range(rows):
    checked = 0
    for row in rows:
        for field in row._meta.concrete_fields:
            if not isinstance(field, NUMERIC):
                continue
            for value in _outside(field):
                with pytest.raises((IntegrityError, DataError)), transaction.atomic():
                    type(row).objects.filter(pk=row.pk).update(**{field.name: value})
                checked += 1
    assert checked >= 30


def test_validation_names_every_value_outside_its_range(rows):
    checked = 0
    for row in rows:
        for field in row._meta.concrete_fields:
            if not isinstance(field, NUMERIC):
                continue
            for value in _outside(field):
                setattr(row, field.name, value)
                with pytest.raises(ValidationError) as caught:
                    row.full_clean()
                assert field.name in caught.value.message_dict, (field.name, value)
                row.refresh_from_db()
                checked += 1
    assert checked >= 30


# --- the cases the audit stored -------------------------------------------------------------

@pytest.mark.parametrize(("field", "value"), [
    ("latitude", "91"), ("longitude", "-181"), ("population", "99999999999"),
    ("households", "99999999999")])
def test_the_village_form_refuses_an_impossible_fact(client, official_a, village_a, field,
                                                    value):
    client.force_login(official_a)
    data = {"population": 1234, "households": 300, "party_members": 41,
            "farmland_mu": "2000.0", field: value}
    response = client.post(reverse("villages:edit", kwargs={"code": village_a.code}), data)
    assert response.status_code == 200
    assert response.context["form"].errors[field]
    village_a.refresh_from_db()
    assert str(getattr(village_a, field)) != value


def test_the_village_import_refuses_an_impossible_population(town_a):
    data = tablib.Dataset(headers=["code", "name", "town_code", "area", "population",
                                   "households", "party_members", "farmland_mu", "latitude",
                                   "longitude"])
    data.append([f"{town_a.prefix}301", "新一村", town_a.code, "", 99_999_999_999, 100, 20,
                 1000, "91", "-181"])
    result = VillageResource().import_data(data, dry_run=False)
    assert result.has_validation_errors()
    errors = result.invalid_rows[0].error_dict
    assert {"population", "latitude", "longitude"} <= set(errors)
    assert Village.objects.filter(code=f"{town_a.prefix}301").count() == 0


@pytest.mark.parametrize(("field", "value"), [("notice_days", 0), ("year", 99999),
                                              ("overdue_days", 0)])
def test_the_cycle_form_refuses_an_impossible_cycle(town_a, ruleset, field, value):
    today = timezone.localdate()
    data = {"year": 2030, "opens_on": today, "closes_on": today, "notice_days": 5,
            "overdue_days": 7, "chain_text": "town,county", "holidays_text": "",
            field: value}
    form = CycleForm(data, county=town_a.parent)
    assert not form.is_valid()
    assert field in form.errors
