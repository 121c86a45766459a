"""Rule sets between files, engine specs and rows.

`save_spec` writes a parsed (and therefore validated) spec as a new draft or published
rule set; `spec_of` in services.py reads it back. A round trip file → rows → file gives
the same text, which `export_ruleset` relies on.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from scoring import rulefile
from scoring.engine import RuleSetSpec
from scoring.models import Indicator, RuleSet, RuleSetStar, RuleSetStatus, Star
from villages.models import AdminUnit

REFERENCE_FILE = Path(settings.BASE_DIR) / "rulesets" / "henan-reference.yaml"


def _json_threshold(value):
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral() else float(value)
    if isinstance(value, tuple):
        return list(value)
    return value


@transaction.atomic
def save_spec(spec: RuleSetSpec, *, issuer: AdminUnit | None = None, publish: bool = False,
              version: int | None = None) -> RuleSet:
    Star.objects.ensure()
    issuer = issuer or AdminUnit.objects.get(code=spec.issuer_code.ljust(12, "0"))
    if version is None:
        latest = RuleSet.objects.filter(issuer=issuer, year=spec.year).order_by(
            "-version").first()
        version = latest.version + 1 if latest else spec.version
    ruleset = RuleSet.objects.create(
        name=spec.name, issuer=issuer, year=spec.year, version=version,
        branch_rule=spec.branch_rule, risk_margin=spec.risk_margin,
        level_labels={str(k): v for k, v in spec.level_labels.items()},
        reference=spec.reference,
        status=RuleSetStatus.PUBLISHED if publish else RuleSetStatus.DRAFT,
        published_at=timezone.now() if publish else None)
    RuleSetStar.objects.bulk_create(
        RuleSetStar(ruleset=ruleset, star_id=s.code, pass_mark=s.pass_mark,
                    max_points=s.max_points) for s in spec.stars.values())
    Indicator.objects.bulk_create(
        Indicator(ruleset=ruleset, star_id=i.star, code=i.code, name=i.name, help_text=i.help,
                  unit=i.unit, kind=i.kind, role=i.role, comparison=i.comparison or "",
                  threshold=_json_threshold(i.threshold), choices=list(i.choices),
                  points=i.points,
                  steps=[[_json_threshold(t), p] for t, p in i.steps], cadence=i.cadence,
                  combine=i.combine, min_photos=i.min_photos, min_documents=i.min_documents,
                  evidence_max_age_months=i.evidence_max_age_months, order=n)
        for n, i in enumerate(spec.indicators))
    return ruleset


def load_reference(issuer: AdminUnit, *, year: int | None = None,
                   publish: bool = True) -> RuleSet:
    """The shipped reference rule set, issued by `issuer` (for demos and tests)."""
    spec = rulefile.parse_ruleset(REFERENCE_FILE.read_text(encoding="utf-8"))
    if year is not None and year != spec.year:
        from dataclasses import replace
        spec = replace(spec, year=year)
    return save_spec(spec, issuer=issuer, publish=publish)
