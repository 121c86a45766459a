"""Monthly progress: one entry per village, indicator and month, and its evidence.

A missing entry means "not reported" and is never the same as a reported 0 or No.
"""

import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition
from simple_history.models import HistoricalRecords

from scoring.models import ValueKind
from wuxing.accounts.access import ScopedQuerySet
from wuxing.ranges import LATITUDE, LONGITUDE, in_range, range_checks
from wuxing.uploads.storage import evidence_storage


class EntryStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    VERIFIED = "verified", _("Verified")
    RETURNED = "returned", _("Returned")


class EntryQuerySet(ScopedQuerySet):
    scope_field = "village__code"

    def for_month(self, month):
        return self.filter(month=month)

    def for_cycle(self, year: int, up_to):
        """Entries of the cycle year from January up to and including the month `up_to`."""
        return self.filter(month__year=year, month__lte=up_to)

    def verified(self):
        return self.filter(status=EntryStatus.VERIFIED)

    def drafts(self):
        return self.filter(status=EntryStatus.DRAFT)

    def returned(self):
        return self.filter(status=EntryStatus.RETURNED)

    def awaiting_verification(self):
        return self.filter(status=EntryStatus.SUBMITTED)

    def oldest_first(self):
        return self.order_by("month", "updated_at", "pk")

    def with_evidence_count(self):
        return self.annotate(evidence_count=models.Count("evidence"))


class Entry(models.Model):
    village = models.ForeignKey("villages.Village", on_delete=models.CASCADE,
                                related_name="entries", verbose_name=_("village"))
    indicator = models.ForeignKey("scoring.Indicator", on_delete=models.PROTECT,
                                  related_name="entries", verbose_name=_("indicator"))
    month = models.DateField(_("month"))  # always the 1st of the month
    value_number = models.DecimalField(_("number"), max_digits=16, decimal_places=2,
                                       null=True, blank=True)
    value_bool = models.BooleanField(_("yes / no"), null=True, blank=True)
    value_choice = models.CharField(_("choice"), max_length=60, blank=True)
    carried = models.BooleanField(
        _("carried forward"), default=False,
        help_text=_("“No change this month”: last month's value, carried explicitly."))
    # Changed only through the transitions below (scoring/progress/workflow.py runs them
    # with the row locked); not `protected` so that bulk loads and tests may set it.
    status = FSMField(_("status"), max_length=10, choices=EntryStatus.choices,
                      default=EntryStatus.DRAFT)
    return_reason = models.TextField(_("reason for return"), blank=True)
    # Optimistic locking: a save must name the version it was edited from.
    version = models.PositiveIntegerField(_("version"), default=1)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+",
                                   verbose_name=_("entered by"))
    # Who made the current `version` (a save or a transition): the name a stale form's
    # conflict message gives, and on a verified entry the verifier.
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+",
                                   verbose_name=_("last changed by"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords()
    objects = EntryQuerySet.as_manager()

    class Meta:
        ordering = ["village__code", "month", "indicator"]
        constraints = [models.UniqueConstraint(fields=["village", "indicator", "month"],
                                               name="one_entry_per_village_indicator_month")]
        indexes = [models.Index(fields=["month", "status"])]
        verbose_name = _("entry")
        verbose_name_plural = _("entries")

    def __str__(self) -> str:
        return f"{self.village} {self.indicator.code} {self.month:%Y-%m}"

    @property
    def division_code(self) -> str:
        return self.village.code

    @staticmethod
    def value_field(kind: str) -> str:
        if kind == ValueKind.BOOL:
            return "value_bool"
        if kind == ValueKind.CHOICE:
            return "value_choice"
        return "value_number"

    def get_value(self, kind: str | None = None):
        value = getattr(self, self.value_field(kind or self.indicator.kind))
        return None if value == "" else value

    # --- workflow: draft → submitted → verified, or returned with a reason ------------
    # Permissions are checked by scoring/progress/workflow.py, which knows the working
    # groups; the transitions only state which moves exist.

    @transition(field=status, source=[EntryStatus.DRAFT, EntryStatus.RETURNED],
                target=EntryStatus.SUBMITTED)
    def submit(self) -> None:
        self.return_reason = ""

    @transition(field=status, source=EntryStatus.SUBMITTED, target=EntryStatus.VERIFIED)
    def verify(self) -> None:
        self.return_reason = ""

    @transition(field=status, source=[EntryStatus.SUBMITTED, EntryStatus.VERIFIED],
                target=EntryStatus.RETURNED)
    def send_back(self, reason: str) -> None:
        self.return_reason = reason

    @transition(field=status, source=[EntryStatus.DRAFT, EntryStatus.SUBMITTED,
                                      EntryStatus.RETURNED], target=EntryStatus.DRAFT)
    def revise(self) -> None:
        """An edited value is a new draft: it must be submitted and verified again."""

    @property
    def is_editable(self) -> bool:
        return self.status != EntryStatus.VERIFIED

    def set_value(self, value, kind: str | None = None) -> None:
        kind = kind or self.indicator.kind
        if kind in (ValueKind.NUMBER, ValueKind.PERCENT, ValueKind.COUNT) and value is not None:
            value = Decimal(value)
        setattr(self, self.value_field(kind), "" if value is None and kind == ValueKind.CHOICE
                else value)


class EvidenceKind(models.TextChoices):
    PHOTO = "photo", _("Photo")
    DOCUMENT = "document", _("Document")


DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# The types evidence is stored as (decided from the content by evidence.py, photos always
# re-encoded as JPEG) and the extension each is served with.
STORED_TYPES = {"image/jpeg": "jpg", "application/pdf": "pdf", DOCX: "docx", XLSX: "xlsx"}


def evidence_path(instance, filename: str) -> str:
    # Never a user-supplied path: a random name under the village and month.
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    month = instance.entry.month
    return f"evidence/{instance.entry.village.code}/{month:%Y-%m}/{uuid.uuid4().hex}.{suffix}"


class EvidenceQuerySet(ScopedQuerySet):
    scope_field = "entry__village__code"

    def photos(self):
        return self.filter(kind=EvidenceKind.PHOTO)

    def documents(self):
        return self.filter(kind=EvidenceKind.DOCUMENT)


EVIDENCE_RANGES = {"latitude": LATITUDE, "longitude": LONGITUDE}


class Evidence(models.Model):
    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="evidence",
                              verbose_name=_("entry"))
    kind = models.CharField(_("kind"), max_length=10, choices=EvidenceKind.choices)
    file = models.FileField(_("file"), upload_to=evidence_path, max_length=200,
                            storage=evidence_storage)
    thumbnail = models.FileField(_("thumbnail"), upload_to=evidence_path, max_length=200,
                                 blank=True, storage=evidence_storage)
    original_name = models.CharField(_("original file name"), max_length=200, blank=True)
    content_type = models.CharField(_("content type"), max_length=100, blank=True)
    size = models.PositiveIntegerField(_("size (bytes)"), default=0)
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True, blank=True)
    taken_at = models.DateTimeField(_("taken at"), null=True, blank=True)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True,
                                   blank=True, validators=in_range(LATITUDE))
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True,
                                    blank=True, validators=in_range(LONGITUDE))
    outside_month = models.BooleanField(_("taken outside the month"), default=False)
    # The same file (SHA-256) already attached in another village or month.
    duplicate_of = models.ForeignKey("self", on_delete=models.SET_NULL, null=True,
                                     blank=True, related_name="+",
                                     verbose_name=_("same file as"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                    null=True, blank=True, related_name="+",
                                    verbose_name=_("uploaded by"))
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    history = HistoricalRecords()
    objects = EvidenceQuerySet.as_manager()

    class Meta:
        ordering = ["entry", "uploaded_at"]
        constraints = range_checks("evidence", EVIDENCE_RANGES)
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")

    def __str__(self) -> str:
        return self.original_name or self.file.name

    @property
    def division_code(self) -> str:
        return self.entry.village.code

    @property
    def served_type(self) -> str:
        return self.content_type if self.content_type in STORED_TYPES else (
            "application/octet-stream")

    def served_name(self, thumbnail: bool = False) -> str:
        """A generated download name with the detected type's extension: never the
        uploader's name, which may carry another extension or misleading characters."""
        extension = "jpg" if thumbnail else STORED_TYPES.get(self.content_type, "bin")
        return (f"evidence-{self.entry.village.code}-{self.entry.month:%Y-%m}-{self.pk}"
                f"{'-thumb' if thumbnail else ''}.{extension}")


DEFAULT_DEADLINE_DAY = 5
DEFAULT_EVIDENCE_LIMIT = 60


class TownPeriodSettingQuerySet(models.QuerySet):
    def of(self, town_id: int) -> "TownPeriodSetting":
        """The town's setting, or an unsaved one with the defaults (most towns keep them)."""
        return self.filter(town_id=town_id).first() or TownPeriodSetting(town_id=town_id)


# Day 28 exists in every month; a village uploads at most a few hundred files a month.
PERIOD_RANGES = {"deadline_day": (1, 28), "evidence_limit": (1, 500)}


class TownPeriodSetting(models.Model):
    """A town's reporting deadline: month M is open until day `deadline_day` of M+1."""

    town = models.OneToOneField("villages.AdminUnit", on_delete=models.CASCADE,
                                related_name="period_setting", verbose_name=_("town"))
    deadline_day = models.PositiveSmallIntegerField(
        _("deadline (day of the next month)"), default=DEFAULT_DEADLINE_DAY,
        validators=in_range(PERIOD_RANGES["deadline_day"]))
    evidence_limit = models.PositiveSmallIntegerField(
        _("evidence files per village and month"), default=DEFAULT_EVIDENCE_LIMIT,
        validators=in_range(PERIOD_RANGES["evidence_limit"]))

    objects = TownPeriodSettingQuerySet.as_manager()

    class Meta:
        constraints = range_checks("townperiodsetting", PERIOD_RANGES)
        verbose_name = _("reporting period setting")
        verbose_name_plural = _("reporting period settings")

    def __str__(self) -> str:
        return f"{self.town} · {self.deadline_day}"

    @property
    def division_code(self) -> str:
        return self.town.code


class MonthReopenQuerySet(ScopedQuerySet):
    scope_field = "village__code"

    def active(self, now):
        return self.filter(open_until__gt=now)


class MonthReopen(models.Model):
    """A town leader reopened a locked village-month, with a reason, until a time."""

    village = models.ForeignKey("villages.Village", on_delete=models.CASCADE,
                                related_name="reopenings", verbose_name=_("village"))
    month = models.DateField(_("month"))
    reason = models.TextField(_("reason"))
    open_until = models.DateTimeField(_("open until"))
    reopened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                    null=True, related_name="+",
                                    verbose_name=_("reopened by"))
    reopened_at = models.DateTimeField(_("reopened at"), auto_now_add=True)

    objects = MonthReopenQuerySet.as_manager()

    class Meta:
        ordering = ["-reopened_at"]
        indexes = [models.Index(fields=["village", "month"])]
        verbose_name = _("reopened month")
        verbose_name_plural = _("reopened months")

    def __str__(self) -> str:
        return f"{self.village} {self.month:%Y-%m}"

    @property
    def division_code(self) -> str:
        return self.village.code


class PendingSheet(models.Model):
    """An uploaded entry sheet awaiting confirmation: the checked changes, keyed by token."""

    token = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="+", verbose_name=_("user"))
    town = models.ForeignKey("villages.AdminUnit", on_delete=models.CASCADE,
                             related_name="+", verbose_name=_("town"))
    month = models.DateField(_("month"))
    changes = models.JSONField(_("changes"), default=list)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("pending entry sheet")
        verbose_name_plural = _("pending entry sheets")

    def __str__(self) -> str:
        return f"{self.town} {self.month:%Y-%m}"
