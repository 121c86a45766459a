"""Rule sets between files, engine specs and rows.

`save_spec` writes a parsed (and therefore validated) spec as a new draft or published
rule set; `spec_of` in services.py reads it back. A round trip file → rows → file gives
the same text, which `export_ruleset` relies on.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from scoring import rulefile
from scoring.engine import STAR_CODES, RuleSetSpec
from scoring.models import (
    ImmutableRuleSet,
    Indicator,
    RuleSet,
    RuleSetStar,
    RuleSetStatus,
    Star,
)
from villages.models import AdminUnit

REFERENCE_FILE = Path(settings.BASE_DIR) / "rulesets" / "henan-reference.yaml"


def _json_threshold(value):
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral() else float(value)
    if isinstance(value, tuple | list):
        return [_json_threshold(v) for v in value]
    if isinstance(value, dict):
        return {k: _json_threshold(v) for k, v in value.items()}
    return value


_V2_TOP = ("groups", "level_rule", "bands", "history", "quotas")


@transaction.atomic
def save_spec(spec: RuleSetSpec, *, issuer: AdminUnit | None = None, publish: bool = False,
              version: int | None = None) -> RuleSet:
    Star.objects.ensure()
    issuer = issuer or AdminUnit.objects.get(code=spec.issuer_code.ljust(12, "0"))
    if version is None:
        latest = RuleSet.objects.filter(issuer=issuer, year=spec.year).order_by(
            "-version").first()
        version = latest.version + 1 if latest else spec.version
    doc = rulefile.writing.spec_document(spec)
    ruleset = RuleSet.objects.create(
        format_version=spec.format_version,
        rules={key: _json_threshold(doc[key]) for key in _V2_TOP if doc.get(key)},
        name=spec.name, issuer=issuer, year=spec.year, version=version,
        branch_rule=spec.branch_rule, risk_margin=spec.risk_margin,
        level_labels={str(k): v for k, v in spec.level_labels.items()},
        reference=spec.reference,
        status=RuleSetStatus.PUBLISHED if publish else RuleSetStatus.DRAFT,
        published_at=timezone.now() if publish else None)
    RuleSetStar.objects.bulk_create(
        RuleSetStar(ruleset=ruleset, star_id=s.code, pass_mark=s.pass_mark,
                    max_points=s.max_points, bonus_cap=s.bonus_cap, floor=s.floor)
        for s in spec.stars.values())
    Indicator.objects.bulk_create(
        Indicator(ruleset=ruleset, star_id=i.star, code=i.code, name=i.name, help_text=i.help,
                  unit=i.unit, kind=i.kind, role=i.role, comparison=i.comparison or "",
                  threshold=_json_threshold(i.threshold), choices=list(i.choices),
                  points=i.points,
                  steps=[[_json_threshold(t), p] for t, p in i.steps], cadence=i.cadence,
                  combine=i.combine, min_photos=i.min_photos, min_documents=i.min_documents,
                  evidence_max_age_months=i.evidence_max_age_months, order=n,
                  formula=i.formula or "",
                  threshold_for=_json_threshold(d["threshold_for"]),
                  choice_points=d["choice_points"], max_deduction=i.max_deduction)
        for n, (i, d) in enumerate(zip(spec.indicators, doc["indicators"], strict=True)))
    return ruleset


def load_reference(issuer: AdminUnit, *, year: int | None = None,
                   publish: bool = True) -> RuleSet:
    """The shipped reference rule set, issued by `issuer` (for demos and tests)."""
    spec = rulefile.parse_ruleset(REFERENCE_FILE.read_text(encoding="utf-8"))
    if year is not None and year != spec.year:
        spec = replace(spec, year=year)
    return save_spec(spec, issuer=issuer, publish=publish)


# ------------------------------------------------------------------ files


class UnknownIssuer(ValueError):
    """The issuing unit named in a file (or on the command line) does not exist."""


def issuer_for(code: str) -> AdminUnit:
    unit = AdminUnit.objects.filter(code=code.ljust(12, "0")).first()
    if unit is None or unit.prefix != code[:len(unit.prefix)]:
        raise UnknownIssuer(code)
    return unit


def import_text(text: str, *, issuer: AdminUnit | None = None,
                publish: bool = False) -> RuleSet:
    """Parse (validating everything) and store; raises RuleSetFileError or UnknownIssuer
    before writing anything."""
    spec = rulefile.parse_ruleset(text)
    issuer = issuer or issuer_for(spec.issuer_code)
    version = spec.version
    if RuleSet.objects.filter(issuer=issuer, year=spec.year, version=version).exists():
        version = None  # the next free version number
    ruleset = save_spec(spec, issuer=issuer, publish=False, version=version)
    if publish:
        ruleset = publish_ruleset(ruleset)
    return ruleset


def export_text(ruleset: RuleSet) -> str:
    from scoring.services import spec_of

    return rulefile.dump_ruleset(spec_of(ruleset))


# -------------------------------------------------------------- lifecycle


@transaction.atomic
def publish_ruleset(ruleset: RuleSet) -> RuleSet:
    """Draft → published, after the file validation; older published versions of the same
    issuer and year are archived (the newest version is the one in force)."""
    if not ruleset.is_draft:
        raise ImmutableRuleSet(_("Only a draft rule set can be published."))
    problems = validate_ruleset(ruleset)
    if problems:
        raise rulefile.RuleSetFileError([p for _target, _field, p in problems])
    for older in RuleSet.objects.published().filter(issuer=ruleset.issuer_id,
                                                    year=ruleset.year):
        older.status = RuleSetStatus.ARCHIVED
        older.save(update_fields=["status"])
    ruleset.status = RuleSetStatus.PUBLISHED
    ruleset.published_at = timezone.now()
    ruleset.save(update_fields=["status", "published_at"])
    return ruleset


def archive_ruleset(ruleset: RuleSet) -> RuleSet:
    if not ruleset.is_published:
        raise ImmutableRuleSet(_("Only a published rule set can be archived."))
    ruleset.status = RuleSetStatus.ARCHIVED
    ruleset.save(update_fields=["status"])
    return ruleset


def _copy(ruleset: RuleSet, year: int) -> RuleSet:
    from scoring.services import spec_of

    spec = replace(spec_of(ruleset), year=year, id=None)
    copy = save_spec(spec, issuer=ruleset.issuer, publish=False, version=None)
    copy.previous = ruleset
    copy.save(update_fields=["previous"])
    return copy


@transaction.atomic
def new_version(ruleset: RuleSet) -> RuleSet:
    """A draft copy for the same year with the next version number, to edit and publish."""
    return _copy(ruleset, ruleset.year)


@transaction.atomic
def copy_to_next_year(ruleset: RuleSet) -> RuleSet:
    """A draft copy for the following cycle year."""
    return _copy(ruleset, ruleset.year + 1)


# ------------------------------------------------------------- validation
# Rows (from the admin's forms or the database) are written out in the file format and
# parsed by rulefile, so the admin and the files share one validation. Each problem is
# mapped back to the row and field that produced its line.

Target = rulefile.writing.Target


def rows_to_yaml(ruleset: dict, stars: list[dict], indicators: list[dict]
                 ) -> tuple[str, dict[int, tuple[Target, str | None]]]:
    """The file text of unsaved rows, and for each line the row and field it came from.

    Written by the one file writer (rulefile.writing), as an export would be."""
    issuer = ruleset.get("issuer")
    doc = {**{key: ruleset.get(key) for key in (
        "format_version", "name", "year", "version", "reference", "branch_rule",
        "risk_margin", "level_labels")}, **(ruleset.get("rules") or {})}
    doc["issuer"] = issuer.prefix if issuer else ""
    doc["version"] = doc["version"] or 1
    doc["reference"] = bool(doc["reference"])
    doc["stars"] = stars
    doc["indicators"] = [{**ind, "help": ind.get("help_text")} for ind in indicators]
    lines = rulefile.writing.write_document(doc)
    origin = {n: (target, _FIELD_OF.get(field, field) if target[0] == "indicator"
                  else field) for n, (_text, target, field) in enumerate(lines, 1)}
    return "\n".join(text for text, _target, _field in lines) + "\n", origin


_FIELD_OF = {"help": "help_text"}


def validate_rows(ruleset: dict, stars: list[dict], indicators: list[dict]
                  ) -> list[tuple[Target, str | None, rulefile.Problem]]:
    """Problems with the row and field each belongs to; empty when the rows are valid."""
    text, origin = rows_to_yaml(ruleset, stars, indicators)
    try:
        rulefile.parse_ruleset(text)
    except rulefile.RuleSetFileError as error:
        return [(*origin.get(p.line, (("ruleset", None), None)), p) for p in error.problems]
    return []


def rows_of(ruleset: RuleSet) -> tuple[dict, list[dict], list[dict]]:
    top = {f: getattr(ruleset, f) for f in ("name", "year", "version", "reference",
                                            "branch_rule", "risk_margin", "level_labels",
                                            "format_version", "rules")}
    top["issuer"] = ruleset.issuer
    stars = [{"star": s.star_id, "pass_mark": s.pass_mark, "max_points": s.max_points,
              "bonus_cap": s.bonus_cap, "floor": s.floor}
             for s in ruleset.stars.order_by("star__order")]
    indicators = [{**{f: getattr(i, f) for f in INDICATOR_FIELDS}, "star": i.star_id}
                  for i in ruleset.indicators.order_by("star__order", "order", "code")]
    return top, stars, indicators


INDICATOR_FIELDS = ("code", "name", "help_text", "unit", "kind", "role", "comparison",
                    "threshold", "choices", "points", "steps", "cadence", "combine",
                    "min_photos", "min_documents", "evidence_max_age_months",
                    "formula", "threshold_for", "choice_points", "max_deduction")


def validate_ruleset(ruleset: RuleSet) -> list[tuple[Target, str | None, rulefile.Problem]]:
    return validate_rows(*rows_of(ruleset))


# ------------------------------------------------------------------ page


def rule_rows(ruleset: RuleSet) -> list[dict]:
    """Per star (five-star order): its pass mark and its indicators with the requirement
    worded, for the rule-set page. Reads the (cached) engine spec: at most two queries."""
    from scoring.models import Cadence, Combine, IndicatorRole, ValueKind
    from scoring.services import spec_of
    from scoring.wording import Wording, star_name

    spec = spec_of(ruleset)
    words = Wording(spec)
    rows = []
    for code in STAR_CODES:
        star = spec.stars.get(code)
        if star is None:
            continue
        indicators = [{
            "spec": ind,
            "kind": ValueKind(ind.kind).label,
            "role": IndicatorRole(ind.role).label,
            "cadence": Cadence(ind.cadence).label,
            "combine": Combine(ind.combine).label,
            "requirement": (words.requirement(ind.code, ind.comparison, ind.threshold)
                            if ind.threshold is not None else ""),
            "steps": [(words.requirement(ind.code, ind.comparison, t), p)
                      for t, p in ind.steps],
            "notes": words.rule_notes(ind),
        } for ind in spec.indicators if ind.star == code]
        rows.append({"code": code, "name": star_name(code), "pass_mark": star.pass_mark,
                     "max_points": star.max_points, "indicators": indicators})
    return rows
