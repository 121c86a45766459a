"""Demo entries and evidence for 岳村镇 and 孟轲乡, shaped after the article.

Twelve months up to the current month, under the reference rule set issued by 华龙区
(a copy per cycle year). The official result of the current month reproduces the
article: 瓦岗村 holds five stars; 东田村, 瓦屋村, 高庄村 and 邢庄村 hold three; every
other village fewer; 石佛店村 holds 平安法治星. Other villages differ at random (seeded by
their code, so every run gives the same data), and in the current month a few of them
have missing, draft, submitted or returned entries for the completeness pages.

Idempotent: a village-month that already has entries is left alone, so a second run adds
nothing and a run in a later month only adds the new month.
"""

from __future__ import annotations

import hashlib
import io
import random
import zlib
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from scoring import services
from scoring.models import Indicator, RuleSet, RuleSetStatus
from scoring.progress.models import Entry, EntryStatus, Evidence, EvidenceKind, evidence_path
from scoring.rulesets import load_reference
from villages.models import AdminUnit, PartyBranch, Village
from wuxing.uploads.storage import evidence_storage

COUNTY_CODE = "410902000000"
TOWN_PREFIXES = ("410902101", "410902201")
OTHER_STARS = ("industry", "ecology", "safety", "civility")
ALL_STARS = ("branch", *OTHER_STARS)

# The article's outcome: the stars each named village holds.
ARTICLE: dict[str, set[str]] = {
    "瓦岗村": set(ALL_STARS),
    "东田村": {"industry", "ecology", "civility"},
    "瓦屋村": {"industry", "safety", "civility"},
    "高庄村": {"ecology", "safety", "civility"},
    "邢庄村": {"industry", "ecology", "safety"},
    "石佛店村": {"safety"},
}
# How each star is lost, by star (chosen per village at random, or fixed here).
FAILURES = {
    "branch": ("gate", "points"),
    "industry": ("gate", "points", "evidence"),
    "ecology": ("gate", "points"),
    "safety": ("veto", "gate", "points"),
    "civility": ("gate", "points", "evidence"),
}
FIXED_FAILURES = {"韩庄村": {"safety": "veto"}, "岳村集村": {"civility": "evidence"}}
# The current month, for the completeness pages and reminders (never an article village).
CURRENT_MONTH = {
    "南田村": "missing", "北街村": "missing", "大猛村": EntryStatus.DRAFT,
    "孟轲村": EntryStatus.DRAFT, "东寨村": EntryStatus.RETURNED,
    "西田村": EntryStatus.SUBMITTED, "东孟村": EntryStatus.SUBMITTED, "北田村": "partial",
}
RETURN_REASON = "照片看不清村集体经济收入凭证，请重新上传并核对金额。"


@dataclass
class Plan:
    """What one village reports: the stars it earns and how it loses the others."""

    village: Village
    stars: set[str]
    failures: dict[str, str]
    rng: random.Random
    facts: dict[str, object] = field(default_factory=dict)

    def fails(self, star: str, mode: str) -> bool:
        return self.failures.get(star) == mode


def plan_for(village: Village) -> Plan:
    rng = random.Random(village.code)
    if village.name in ARTICLE:
        stars = set(ARTICLE[village.name])
    else:
        stars = set(rng.sample(OTHER_STARS, rng.choice((0, 1, 1, 2, 2))))
    failures = {s: rng.choice(FAILURES[s]) for s in ALL_STARS if s not in stars}
    failures.update({s: m for s, m in FIXED_FAILURES.get(village.name, {}).items()
                     if s not in stars})
    if "branch" not in stars and not failures.get("branch"):
        failures["branch"] = "points"
    facts: dict[str, object] = {}
    if village.name == "瓦岗村":
        # 村集体经济收入 503,200 元; 9,000 trees; 24,000 m² hardened; 80% 星级文明户.
        facts = {"income": (120000, 163200, 220000), "dividends": 3,
                 "trees": {3: 4000, 4: 5000}, "road": dict.fromkeys(range(4, 10), 4000),
                 "civilised": 80, "featured": "市级"}
    if village.name == "石佛店村":
        facts = {"disputes": 56, "rule_of_law": "市级"}
    return Plan(village, stars, failures, rng, facts)


def _spread(total: int, months: int) -> list[int]:
    base, extra = divmod(total, months)
    return [base + (1 if i >= months - extra else 0) for i in range(months)]


# ------------------------------------------------------------------------ values
# Each returns (value, photos, documents), or None for "not reported".


def _branch(plan: Plan, code: str, month: date, cycle_months: int):
    fail_points = plan.fails("branch", "points")
    if code == "meetings_held":
        if plan.fails("branch", "gate") and month.month in (2, 5):
            return None
        return True, 0, 1
    if code == "member_points_rate":
        return Decimal(plan.rng.randint(60, 78) if fail_points else plan.rng.randint(92, 100)),
    if code == "secretary_trained":
        return (not fail_points),
    if code == "members_recruited":
        return Decimal(1 if month.month in (3, 7) and not fail_points else 0),
    if code == "branch_standardised":
        return True, 1, 0
    if code == "yibian_sanding":
        return True,
    if code == "party_members":
        return Decimal(plan.village.party_members),
    return None


def _industry(plan: Plan, code: str, month: date, cycle_months: int):
    if code == "cooperatives_led":
        return Decimal(0 if plan.fails("industry", "gate") else plan.rng.randint(1, 3)), 0, 1
    if code == "collective_income":
        quarter = (month.month - 1) // 3
        if plan.fails("industry", "points"):
            amount = plan.rng.randint(8, 15) * 1000
        elif "income" in plan.facts and quarter < 3:
            amount = plan.facts["income"][quarter]
        else:
            amount = plan.rng.randint(60, 110) * 1000
        docs = 0 if plan.fails("industry", "evidence") else 1
        return Decimal(amount), 0, docs
    if code == "dividend_projects":
        return Decimal(plan.facts.get("dividends", plan.rng.randint(1, 2))),
    if code == "featured_industry":
        if plan.fails("industry", "points"):
            return "无", 0, 0
        return plan.facts.get("featured", plan.rng.choice(("县级", "市级"))), 1, 0
    if code == "poor_household_income":
        return Decimal(plan.rng.randint(10500, 16000)),
    return None


def _ecology(plan: Plan, code: str, month: date, cycle_months: int):
    fail_points = plan.fails("ecology", "points")
    if code == "garbage_cleanup":
        if plan.fails("ecology", "gate") and month.month == 8:
            return None
        return True, 1, 0
    if code == "sewage_coverage":
        return Decimal(plan.rng.randint(35, 55) if fail_points else plan.rng.randint(62, 90)),
    if code == "toilet_upgrade":
        return Decimal(plan.rng.randint(60, 80) if fail_points else plan.rng.randint(86, 98)),
    if code == "trees_planted":
        trees = plan.facts.get("trees", {3: plan.rng.randint(1500, 2500),
                                         4: plan.rng.randint(1500, 2500)})
        return Decimal(trees.get(month.month, 0)),
    if code == "road_hardening":
        road = plan.facts.get("road") or {m: plan.rng.randint(20, 30) * 100
                                          for m in range(4, 10)}
        return Decimal(road.get(month.month, 0)),
    if code == "five_chiefs":
        return True,
    return None


def _safety(plan: Plan, code: str, month: date, cycle_months: int):
    fail_points = plan.fails("safety", "points")
    if code == "criminal_cases":
        return Decimal(1 if plan.fails("safety", "veto") and month.month == 6 else 0),
    if code == "petitions_beyond":
        return Decimal(1 if plan.fails("safety", "gate") and month.month == 4 else 0),
    if code == "casualty_accidents":
        return Decimal(0),
    if code == "dispute_resolution_rate":
        return Decimal(plan.rng.randint(85, 93) if fail_points else plan.rng.randint(95, 100)),
    if code == "fire_station":
        return True, 1, 0
    if code == "rule_of_law_village":
        if fail_points:
            return "无",
        return plan.facts.get("rule_of_law", plan.rng.choice(("县级", "县级", "市级"))),
    if code == "legal_publicity":
        return Decimal(0 if fail_points else 1),
    if code == "disputes_resolved":
        if "disputes" in plan.facts and month.month <= cycle_months:  # a cycle from January
            return Decimal(_spread(plan.facts["disputes"], cycle_months)[month.month - 1]),
        return Decimal(plan.rng.randint(1, 8)),
    return None


def _civility(plan: Plan, code: str, month: date, cycle_months: int):
    fail_points = plan.fails("civility", "points")
    if code == "civilised_households":
        if plan.fails("civility", "gate"):
            return Decimal(plan.rng.randint(55, 75)), 0, 1
        return Decimal(plan.facts.get("civilised", plan.rng.randint(82, 95))), 0, 1
    if code == "village_rules":
        return True, 0, 1
    if code == "day_care_centre":
        return (not fail_points),
    if code == "cultural_events":
        return Decimal(plan.rng.randint(1, 2)),
    if code == "service_centre":
        if fail_points:
            return False,
        return True, 1 if plan.fails("civility", "evidence") else 2, 0
    return None


VALUES = {"branch": _branch, "industry": _industry, "ecology": _ecology, "safety": _safety,
          "civility": _civility}


def _due(indicator: Indicator, month: date, first_of_cycle: date) -> bool:
    if indicator.cadence == "monthly":
        return True
    if indicator.cadence == "quarterly":
        return month.month % 3 == 0
    return month == first_of_cycle


# ------------------------------------------------------------------------- files


PHOTO_SIZE = (800, 600)


def _photo_bytes(seed: int) -> bytes:
    """A small scene (sky, field, a building with a red banner) in colours varied by the
    seed: a real JPEG that looks like a site photo at thumbnail size."""
    from PIL import Image, ImageDraw

    rng = random.Random(seed)
    width, height = PHOTO_SIZE
    image = Image.new("RGB", PHOTO_SIZE, (150 + rng.randint(0, 60), 190, 230))
    draw = ImageDraw.Draw(image)
    horizon = rng.randint(300, 380)
    draw.rectangle((0, horizon, width, height), fill=(90 + rng.randint(0, 60), 150, 70))
    left = rng.randint(80, 360)
    draw.rectangle((left, horizon - 180, left + 320, horizon + 40), fill=(236, 230, 218),
                   outline=(120, 110, 100), width=4)
    draw.polygon([(left - 20, horizon - 180), (left + 160, horizon - 260),
                  (left + 340, horizon - 180)], fill=(150, 70, 60))
    draw.rectangle((left + 40, horizon - 150, left + 280, horizon - 110), fill=(200, 16, 46))
    for k in range(rng.randint(3, 7)):
        x = rng.randint(0, width - 40)
        draw.ellipse((x, horizon - 60, x + 50, horizon + 10), fill=(40, 110 + 10 * k % 60, 50))
    draw.text((left + 60, horizon - 140), f"WUXING {seed:02d}", fill=(255, 255, 255))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


def photo_files(count: int = 6) -> list[tuple[bytes, bytes]]:
    """(photo, thumbnail) pairs, cleaned and scaled by the upload pipeline itself."""
    from scoring.progress.evidence import process_photo

    out = []
    for seed in range(count):
        photo = process_photo(_photo_bytes(seed))
        out.append((photo.image, photo.thumbnail))
    return out


def pdf_file(*objects: bytes, header: bytes = b"%PDF-1.4\n") -> bytes:
    """A minimal PDF of the given objects, numbered from 1 (1 is the catalog), with its
    cross-reference table (the upload tests build hostile ones the same way)."""
    out, offsets = io.BytesIO(), []
    out.write(header)
    for n, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % n + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n"
              % (len(objects) + 1, xref))
    return out.getvalue()


def _pdf_bytes(title: str) -> bytes:
    text = f"BT /F1 12 Tf 20 60 Td ({title}) Tj ET".encode("latin-1", "replace")
    return pdf_file(
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 100] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(text) + text + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")


def _taken_at(entry: Entry, n: int, now: datetime) -> datetime:
    """Mid-month, or shortly before now in a month that has just begun: never later."""
    planned = timezone.make_aware(datetime.combine(entry.month.replace(day=min(8 + n, 28)),
                                                   time(10, 0)))
    return min(planned, now - timedelta(hours=2 + n))


def _evidence(entry: Entry, kind: str, n: int, content: bytes, now: datetime,
              thumbnail: bytes | None = None) -> Evidence:
    suffix, content_type = (("jpg", "image/jpeg") if kind == EvidenceKind.PHOTO
                            else ("pdf", "application/pdf"))
    original = f"{entry.indicator.code}-{entry.month:%Y%m}-{n + 1}.{suffix}"
    evidence = Evidence(entry=entry, kind=kind, original_name=original,
                        content_type=content_type, size=len(content),
                        sha256=hashlib.sha256(content).hexdigest(),
                        taken_at=_taken_at(entry, n, now), uploaded_by=entry.entered_by)
    evidence.file.name = evidence_storage().save(evidence_path(evidence, original),
                                              ContentFile(content))
    if thumbnail is not None:
        evidence.thumbnail.name = evidence_storage().save(evidence_path(evidence, "thumb.jpg"),
                                                       ContentFile(thumbnail))
    return evidence


def repair_files(villages, now: datetime | None = None) -> int:
    """Give the demo's photos a thumbnail and every evidence row its file where a
    storage lost it or an earlier load made none (so no thumbnail answers 404)."""
    now = now or timezone.now()
    photos, pdf, repaired = None, None, 0
    rows = (Evidence.objects.filter(entry__village__in=villages)
            .select_related("entry__village", "entry__indicator").order_by("pk"))
    for n, evidence in enumerate(rows.iterator(2000)):
        lost = not evidence.file or not evidence_storage().exists(evidence.file.name)
        thumbless = evidence.kind == EvidenceKind.PHOTO and (
            not evidence.thumbnail or not evidence_storage().exists(evidence.thumbnail.name))
        if not (lost or thumbless):
            continue
        photos = photos or photo_files()
        pdf = pdf or _pdf_bytes("Wuxing demo")
        photo, thumbnail = photos[n % len(photos)]
        content = photo if evidence.kind == EvidenceKind.PHOTO else pdf
        if lost:
            evidence.file.name = evidence_storage().save(
                evidence_path(evidence, evidence.original_name or "file"), ContentFile(content))
            evidence.size, evidence.sha256 = len(content), hashlib.sha256(content).hexdigest()
        if thumbless:
            evidence.thumbnail.name = evidence_storage().save(
                evidence_path(evidence, "thumb.jpg"), ContentFile(thumbnail))
        if evidence.taken_at and evidence.taken_at > now:
            evidence.taken_at = now - timedelta(hours=2)
        evidence.save(update_fields=["file", "thumbnail", "size", "sha256", "taken_at"])
        repaired += 1
    return repaired


# -------------------------------------------------------------------------- load


def window(today: date | None = None) -> list[date]:
    """The twelve months up to and including the current one."""
    today = today or timezone.localdate()
    first = date(today.year, today.month, 1)
    return [date(first.year - (first.month - k <= 0), (first.month - k - 1) % 12 + 1, 1)
            for k in range(11, -1, -1)]


def _rulesets(years) -> dict[int, RuleSet]:
    county = AdminUnit.objects.get(code=COUNTY_CODE)
    rulesets = {}
    for year in sorted(years):
        ruleset = RuleSet.objects.filter(issuer=county, year=year,
                                         status=RuleSetStatus.PUBLISHED).first()
        rulesets[year] = ruleset or load_reference(county, year=year)
    return rulesets


def _status(village: Village, month: date, current: date, code: str) -> str | None:
    """The entry status, or None to leave the entry out."""
    if month != current:
        return EntryStatus.VERIFIED
    state = CURRENT_MONTH.get(village.name)
    if state == "missing":
        return None
    if state == "partial":
        return EntryStatus.VERIFIED if zlib.crc32(code.encode()) % 2 else None
    if state == EntryStatus.RETURNED:
        return EntryStatus.RETURNED if code == "collective_income" or code < "d" \
            else EntryStatus.SUBMITTED
    return state or EntryStatus.VERIFIED


@transaction.atomic
def load(today: date | None = None, *, recompute: bool = True) -> dict[str, int]:
    """Create the demo entries, evidence and assessments; returns counts of new rows."""
    months = window(today)
    current = months[-1]
    rulesets = _rulesets({m.year for m in months})
    indicators = {year: list(r.indicators.select_related("star")) for year, r in
                  rulesets.items()}
    villages = list(Village.objects.filter(
        Q(code__startswith=TOWN_PREFIXES[0]) | Q(code__startswith=TOWN_PREFIXES[1]))
        .order_by("code"))
    done = set(Entry.objects.filter(village__in=villages, month__in=months)
               .values_list("village_id", "month").distinct())
    secretaries = dict(PartyBranch.objects.filter(village__in=villages)
                       .exclude(secretary=None).values_list("village_id", "secretary_id"))
    entries, wanted = [], []
    for village in villages:
        plan = plan_for(village)
        for month in months:
            if (village.pk, month) in done:
                continue
            first = next(m for m in months if m.year == month.year)
            cycle_months = sum(1 for m in months if m.year == month.year)
            for ind in indicators[month.year]:
                if not _due(ind, month, first):
                    continue
                status = _status(village, month, current, ind.code)
                planned = VALUES[ind.star_id](plan, ind.code, month, cycle_months)
                if status is None or planned is None:
                    continue
                value, photos, docs = (*planned, 0, 0)[:3]
                entry = Entry(village=village, indicator=ind, month=month, status=status,
                              entered_by_id=secretaries.get(village.pk),
                              return_reason=RETURN_REASON
                              if status == EntryStatus.RETURNED else "")
                entry.set_value(value, ind.kind)
                entries.append(entry)
                wanted.append((photos, docs))
    Entry.objects.bulk_create(entries, batch_size=500)
    photo, pdf, now = photo_files(), _pdf_bytes("Wuxing demo"), timezone.now()
    evidence = []
    for n, (entry, (photos, docs)) in enumerate(zip(entries, wanted, strict=True)):
        for k in range(photos):
            image, thumbnail = photo[(n + k) % len(photo)]
            evidence.append(_evidence(entry, EvidenceKind.PHOTO, k, image, now, thumbnail))
        evidence += [_evidence(entry, EvidenceKind.DOCUMENT, k, pdf, now)
                     for k in range(docs)]
    Evidence.objects.bulk_create(evidence, batch_size=500)
    repair_files(villages, now)
    assessments = 0
    if recompute and entries:
        demo_villages = Village.objects.filter(pk__in=[v.pk for v in villages])
        for month in months:
            assessments += services.recompute(demo_villages, month)
    return {"entries": len(entries), "evidence": len(evidence), "assessments": assessments}
