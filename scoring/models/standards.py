"""Rule sets (评星标准): stars are fixed; everything about thresholds is data.

A rule set belongs to an issuing unit (a county, city or the province) and a cycle year.
Published rule sets are immutable: a change makes a new version.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from scoring.engine import RULE_BOUNDS
from scoring.stars import StarCode
from wuxing.ranges import in_range, range_checks


def _in(name: str) -> list:
    return in_range(RULE_BOUNDS[name])


def _checks(prefix: str, *names: str) -> list:
    return range_checks(prefix, {name: RULE_BOUNDS[name] for name in names})

STAR_ROWS = [  # code, Chinese name, English name (order is the tuple's position)
    ("branch", "支部过硬星", "Strong branch star"),
    ("industry", "产业兴旺星", "Thriving industry star"),
    ("ecology", "生态宜居星", "Ecological livability star"),
    ("safety", "平安法治星", "Safety and rule of law star"),
    ("civility", "文明幸福星", "Civilisation and happiness star"),
]


class StarQuerySet(models.QuerySet):
    def ensure(self) -> None:
        """Create the five rows if missing (the data migration's rows can be flushed)."""
        if self.count() == len(STAR_ROWS):
            return
        for order, (code, zh, en) in enumerate(STAR_ROWS, start=1):
            self.update_or_create(code=code, defaults={"name_zh": zh, "name_en": en,
                                                       "order": order})


class Star(models.Model):
    """The five stars, created by a data migration; rows exist so that others can join."""

    code = models.CharField(_("code"), max_length=10, primary_key=True,
                            choices=StarCode.choices)
    name_zh = models.CharField(_("Chinese name"), max_length=20)
    name_en = models.CharField(_("English name"), max_length=60)
    order = models.PositiveSmallIntegerField(_("order"), unique=True)

    objects = StarQuerySet.as_manager()

    class Meta:
        ordering = ["order"]
        verbose_name = _("star")
        verbose_name_plural = _("stars")

    def __str__(self) -> str:
        return str(StarCode(self.code).label)


class RuleSetStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    ARCHIVED = "archived", _("Archived")


class BranchRule(models.TextChoices):
    CAPSTONE = "capstone", _("Capstone: the branch star counts only on top of the other four")
    FOUNDATION = "foundation", _("Foundation: no other star counts without the branch star")
    NONE = "none", _("None: every star counts on its own")


class RuleSetQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=RuleSetStatus.PUBLISHED)

    def for_year(self, year: int):
        return self.filter(year=year)

    def in_force_for(self, division_code: str, year: int):
        """The published rule set of the most specific issuing unit above the code."""
        candidates = self.published().for_year(year).select_related("issuer")
        matching = [r for r in candidates if division_code.startswith(r.issuer.prefix)]
        return max(matching, key=lambda r: (len(r.issuer.prefix), r.version), default=None)


class ImmutableRuleSet(ValidationError):
    """Raised on any change to a published or archived rule set, its stars or indicators."""

    def __init__(self, message=None):
        super().__init__(message or _(
            "This rule set is published and cannot be changed. Make a new version (or a "
            "copy for the next year) and publish that instead."), code="immutable")


# The fields that make up a rule set's standard; only status moves once published.
LOCKED_FIELDS = ("name", "issuer_id", "year", "version", "branch_rule", "risk_margin",
                 "level_labels", "reference")
STATUS_MOVES = {("draft", "draft"), ("draft", "published"), ("published", "published"),
                ("published", "archived"), ("archived", "archived")}


def _ensure_draft(ruleset_id) -> None:
    status = RuleSet.objects.filter(pk=ruleset_id).values_list("status", flat=True).first()
    if status not in (None, RuleSetStatus.DRAFT):
        raise ImmutableRuleSet()


class RuleSet(models.Model):
    name = models.CharField(_("name"), max_length=120)
    issuer = models.ForeignKey("villages.AdminUnit", on_delete=models.PROTECT,
                               related_name="rulesets", verbose_name=_("issuing unit"))
    year = models.PositiveSmallIntegerField(_("cycle year"), validators=_in("year"))
    version = models.PositiveSmallIntegerField(_("version"), default=1,
                                               validators=_in("version"))
    status = models.CharField(_("status"), max_length=10, choices=RuleSetStatus.choices,
                              default=RuleSetStatus.DRAFT)
    branch_rule = models.CharField(_("branch-star rule"), max_length=10,
                                   choices=BranchRule.choices, default=BranchRule.CAPSTONE)
    risk_margin = models.DecimalField(_("at-risk margin (%)"), max_digits=5, decimal_places=2,
                                      default=5, validators=_in("risk_margin"))
    level_labels = models.JSONField(_("level labels"), default=dict, blank=True)
    reference = models.BooleanField(
        _("reference rule set"), default=False,
        help_text=_("A reference to be replaced by the county's own detailed rules."))
    previous = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="+", verbose_name=_("previous version"))
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # Format 2 (docs/rule-sets.md): the file's format, and its rules beyond stars and
    # indicators (groups, level_rule, bands, history, quotas) as in the file.
    format_version = models.PositiveSmallIntegerField(_("file format version"), default=1)
    rules = models.JSONField(_("format 2 rules"), default=dict, blank=True)

    objects = RuleSetQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "issuer__code", "-version"]
        constraints = [models.UniqueConstraint(fields=["issuer", "year", "version"],
                                               name="unique_ruleset_version"),
                       *_checks("ruleset", "year", "version", "risk_margin")]
        verbose_name = _("rule set")
        verbose_name_plural = _("rule sets")

    def __str__(self) -> str:
        return f"{self.name} ({self.year} v{self.version})"

    @property
    def is_published(self) -> bool:
        return self.status == RuleSetStatus.PUBLISHED

    @property
    def is_draft(self) -> bool:
        return self.status == RuleSetStatus.DRAFT

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            stored = RuleSet.objects.filter(pk=self.pk).values("status", *LOCKED_FIELDS).first()
            if stored is not None and stored["status"] != RuleSetStatus.DRAFT:
                changed = [f for f in LOCKED_FIELDS if stored[f] != getattr(self, f)]
                if changed or (stored["status"], self.status) not in STATUS_MOVES:
                    raise ImmutableRuleSet()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if not self.is_draft:
            raise ImmutableRuleSet(_("Only a draft rule set can be deleted; archive a "
                                     "published one instead."))
        return super().delete(*args, **kwargs)

    @property
    def division_code(self) -> str:
        return self.issuer.code


class RuleSetStar(models.Model):
    ruleset = models.ForeignKey(RuleSet, on_delete=models.CASCADE, related_name="stars",
                                verbose_name=_("rule set"))
    star = models.ForeignKey(Star, on_delete=models.PROTECT, verbose_name=_("star"))
    pass_mark = models.PositiveSmallIntegerField(_("pass mark"), default=80,
                                                 validators=_in("pass_mark"))
    max_points = models.PositiveSmallIntegerField(_("maximum points"), default=100,
                                                  validators=_in("max_points"))
    bonus_cap = models.PositiveSmallIntegerField(_("most bonus points"), null=True, blank=True,
                                                 validators=_in("bonus_cap"))
    floor = models.PositiveSmallIntegerField(_("lowest score after deductions"), default=0,
                                             validators=_in("floor"))

    class Meta:
        ordering = ["ruleset", "star__order"]
        constraints = [models.UniqueConstraint(fields=["ruleset", "star"],
                                               name="one_entry_per_star_and_ruleset"),
                       *_checks("rulesetstar", "pass_mark", "max_points", "bonus_cap", "floor")]
        verbose_name = _("star of a rule set")
        verbose_name_plural = _("stars of a rule set")

    def __str__(self) -> str:
        return f"{self.star} ≥ {self.pass_mark}/{self.max_points}"

    def save(self, *args, **kwargs) -> None:
        _ensure_draft(self.ruleset_id)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        _ensure_draft(self.ruleset_id)
        return super().delete(*args, **kwargs)

    def clean(self) -> None:
        if self.pass_mark is not None and self.max_points is not None and \
                self.pass_mark > self.max_points:
            raise ValidationError({"pass_mark": _("The pass mark exceeds the maximum points.")})


class ValueKind(models.TextChoices):
    BOOL = "bool", _("Yes / no")
    NUMBER = "number", _("Number")
    PERCENT = "percent", _("Percent")
    COUNT = "count", _("Count")
    CHOICE = "choice", _("Choice")


class IndicatorRole(models.TextChoices):
    GATE = "gate", _("Gate (must be met)")
    POINTS = "points", _("Points")
    VETO = "veto", _("Veto (one strike)")
    INFO = "info", _("Information only")
    BONUS = "bonus", _("Bonus (above the ordinary points)")
    DEDUCTION = "deduction", _("Deduction (per occurrence)")


class Comparison(models.TextChoices):
    GE = ">=", "≥"
    GT = ">", ">"
    LE = "<=", "≤"
    LT = "<", "<"
    EQ = "==", "="
    IN = "in", _("one of")


class Cadence(models.TextChoices):
    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")
    ANNUAL = "annual", _("Annual")


class Combine(models.TextChoices):
    LATEST = "latest", _("Latest value")
    SUM = "sum", _("Sum")
    AVG = "avg", _("Average")
    MIN = "min", _("Minimum")
    MAX = "max", _("Maximum")
    EVERY_MONTH = "every_month", _("Met in every month so far")


class IndicatorQuerySet(models.QuerySet):
    def for_star(self, star: str):
        return self.filter(star_id=star)

    def judged(self):
        return self.exclude(role=IndicatorRole.INFO)


class Indicator(models.Model):
    ruleset = models.ForeignKey(RuleSet, on_delete=models.CASCADE, related_name="indicators",
                                verbose_name=_("rule set"))
    star = models.ForeignKey(Star, on_delete=models.PROTECT, related_name="indicators",
                             verbose_name=_("star"))
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=120)
    help_text = models.TextField(_("help text"), blank=True)
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    kind = models.CharField(_("value kind"), max_length=10, choices=ValueKind.choices)
    role = models.CharField(_("role"), max_length=10, choices=IndicatorRole.choices)
    # Blank for an information indicator that is shown but never compared.
    comparison = models.CharField(_("comparison"), max_length=3, choices=Comparison.choices,
                                  default=Comparison.GE, blank=True)
    # A number, a boolean, a choice or a list of choices, depending on `kind`.
    threshold = models.JSONField(_("threshold"), null=True, blank=True)
    choices = models.JSONField(_("choices"), default=list, blank=True)
    points = models.PositiveSmallIntegerField(_("points"), default=0, validators=_in("points"))
    steps = models.JSONField(_("point steps"), default=list, blank=True,
                             help_text=_("[[threshold, points], …] for stepped points"))
    cadence = models.CharField(_("cadence"), max_length=10, choices=Cadence.choices,
                               default=Cadence.MONTHLY)
    combine = models.CharField(_("combination over the cycle"), max_length=12,
                               choices=Combine.choices, default=Combine.LATEST)
    min_photos = models.PositiveSmallIntegerField(_("minimum photos"), default=0,
                                                  validators=_in("min_photos"))
    min_documents = models.PositiveSmallIntegerField(_("minimum documents"), default=0,
                                                     validators=_in("min_documents"))
    evidence_max_age_months = models.PositiveSmallIntegerField(
        _("evidence valid for (months)"), null=True, blank=True,
        validators=_in("evidence_max_age_months"))
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    # Format 2 (docs/rule-sets.md), each as in the file.
    formula = models.CharField(_("formula (derived value)"), max_length=300, blank=True)
    threshold_for = models.JSONField(_("thresholds by village"), default=list, blank=True)
    choice_points = models.JSONField(_("points per choice"), default=dict, blank=True)
    max_deduction = models.PositiveSmallIntegerField(_("most points deducted"), null=True,
                                                     blank=True, validators=_in("max_deduction"))

    objects = IndicatorQuerySet.as_manager()

    class Meta:
        ordering = ["ruleset", "star__order", "order", "code"]
        constraints = [models.UniqueConstraint(fields=["ruleset", "code"],
                                               name="unique_indicator_code_per_ruleset"),
                       *_checks("indicator", "points", "min_photos", "min_documents",
                                "evidence_max_age_months", "max_deduction")]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")

    def __str__(self) -> str:
        return self.name

    @property
    def needs_evidence(self) -> bool:
        return bool(self.min_photos or self.min_documents)

    def save(self, *args, **kwargs) -> None:
        _ensure_draft(self.ruleset_id)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        _ensure_draft(self.ruleset_id)
        return super().delete(*args, **kwargs)

