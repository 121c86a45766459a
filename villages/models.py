"""The administrative tree, villages, Party branches and the town's working groups.

Every unit and village carries its 12-digit statistical division code. A unit's
`prefix` (2, 4, 6 or 9 significant digits) is a prefix of every code below it, so
"everything under unit X" is one indexed `code__startswith=X.prefix` filter.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from scoring.stars import StarCode
from wuxing.accounts.access import ScopedQuerySet
from wuxing.ranges import LATITUDE, LONGITUDE, in_range, range_checks

code_validator = RegexValidator(r"^\d{12}$", _("A division code has exactly 12 digits."))


class UnitLevel(models.TextChoices):
    PROVINCE = "province", _("Province")
    CITY = "city", _("City")
    COUNTY = "county", _("County or district")
    TOWN = "town", _("Town or subdistrict")


PREFIX_LENGTH = {UnitLevel.PROVINCE: 2, UnitLevel.CITY: 4, UnitLevel.COUNTY: 6,
                 UnitLevel.TOWN: 9}


class AdminUnitQuerySet(ScopedQuerySet):
    scope_field = "code"

    def towns(self):
        return self.filter(level=UnitLevel.TOWN)

    def top_code(self) -> str | None:
        """The code of the first unit without a parent (an administrator's "mine")."""
        return self.filter(parent__isnull=True).order_by("code").values_list(
            "code", flat=True).first()

    def visible_to(self, user):
        """Units inside the user's jurisdiction, plus the units above it (for breadcrumbs)."""
        return super().visible_to(user)


class AdminUnit(models.Model):
    code = models.CharField(_("division code"), max_length=12, unique=True,
                            validators=[code_validator])
    name = models.CharField(_("name"), max_length=60)
    level = models.CharField(_("level"), max_length=10, choices=UnitLevel.choices)
    parent = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True,
                               related_name="children", verbose_name=_("parent unit"))

    objects = AdminUnitQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("administrative unit")
        verbose_name_plural = _("administrative units")

    def __str__(self) -> str:
        return self.name

    @property
    def prefix(self) -> str:
        return self.code[: PREFIX_LENGTH[self.level]]

    @property
    def division_code(self) -> str:
        return self.code


class ManagementArea(models.Model):
    """A 管区: an informal grouping of a town's villages, each with its promotion group."""

    town = models.ForeignKey(AdminUnit, on_delete=models.CASCADE, related_name="areas",
                             limit_choices_to={"level": UnitLevel.TOWN},
                             verbose_name=_("town"))
    name = models.CharField(_("name"), max_length=60)

    class Meta:
        ordering = ["town__code", "name"]
        constraints = [models.UniqueConstraint(fields=["town", "name"],
                                               name="unique_area_name_per_town")]
        verbose_name = _("management area")
        verbose_name_plural = _("management areas")

    def __str__(self) -> str:
        return self.name


class VillageQuerySet(ScopedQuerySet):
    scope_field = "code"

    def under(self, prefix: str):
        return self.filter(code__startswith=prefix)

    def search(self, text: str):
        text = text.strip()
        if not text:
            return self
        return self.filter(models.Q(name__icontains=text) | models.Q(code__startswith=text))

    def for_list(self):
        return self.select_related("town", "area", "branch")


class VillageCategory(models.TextChoices):
    # The stored values are the words county rule sets use (threshold_for: category);
    # scoring/engine VILLAGE_CATEGORIES holds the same tuple (a test keeps them equal).
    PERI_URBAN = "城郊村", _("Peri-urban village")
    FARMING = "传统农业村", _("Traditional farming village")
    INDUSTRY = "特色产业村", _("Village with a distinctive industry")
    ECOLOGY = "生态保护村", _("Ecological protection village")
    OTHER = "其他", _("Other village")


# Village facts. Chinese administrative villages and urban communities have up to about
# 100,000 residents; the bounds leave ten times that and refuse typing slips such as
# 99,999,999,999. 10 million mu is 6,667 km², larger than any village's land.
VILLAGE_RANGES = {
    "population": (0, 1_000_000), "households": (0, 500_000),
    "party_members": (0, 100_000), "farmland_mu": (0, 10_000_000),
    "latitude": LATITUDE, "longitude": LONGITUDE,
    "poor_households": (0, 500_000), "area_km2": (0, 10_000),
}


class Village(models.Model):
    code = models.CharField(_("division code"), max_length=12, unique=True,
                            validators=[code_validator])
    name = models.CharField(_("name"), max_length=60)
    town = models.ForeignKey(AdminUnit, on_delete=models.PROTECT, related_name="villages",
                             limit_choices_to={"level": UnitLevel.TOWN},
                             verbose_name=_("town"))
    area = models.ForeignKey(ManagementArea, on_delete=models.SET_NULL, null=True,
                             blank=True, related_name="villages",
                             verbose_name=_("management area"))
    population = models.PositiveIntegerField(_("population"), default=0,
                                             validators=in_range(VILLAGE_RANGES["population"]))
    households = models.PositiveIntegerField(_("households"), default=0,
                                             validators=in_range(VILLAGE_RANGES["households"]))
    party_members = models.PositiveIntegerField(
        _("Party members"), default=0, validators=in_range(VILLAGE_RANGES["party_members"]))
    farmland_mu = models.DecimalField(_("farmland (mu)"), max_digits=10, decimal_places=1,
                                      default=0,
                                      validators=in_range(VILLAGE_RANGES["farmland_mu"]))
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6,
                                   null=True, blank=True,
                                   validators=in_range(VILLAGE_RANGES["latitude"]))
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6,
                                    null=True, blank=True,
                                    validators=in_range(VILLAGE_RANGES["longitude"]))
    # Facts a format 2 rule set may name (docs/rule-sets.md "Village facts").
    poor_households = models.PositiveIntegerField(
        _("registered poor households"), null=True, blank=True,
        validators=in_range(VILLAGE_RANGES["poor_households"]))
    area_km2 = models.DecimalField(_("area (km²)"), max_digits=8, decimal_places=2,
                                   null=True, blank=True,
                                   validators=in_range(VILLAGE_RANGES["area_km2"]))
    category = models.CharField(_("village category"), max_length=10, blank=True,
                                choices=VillageCategory.choices)

    history = HistoricalRecords()
    objects = VillageQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        constraints = range_checks("village", VILLAGE_RANGES)
        verbose_name = _("village")
        verbose_name_plural = _("villages")

    def __str__(self) -> str:
        return self.name

    @property
    def division_code(self) -> str:
        return self.code

    def facts(self) -> dict[str, Decimal | str | None]:
        """The village's facts as the engine takes them; unrecorded is None, never 0.

        Population, households and area are recorded as 0 until someone enters them, so
        0 there means "not recorded" (and they can safely divide).
        """
        def positive(value) -> Decimal | None:
            return Decimal(value) if value else None

        return {
            "population": positive(self.population),
            "households": positive(self.households),
            "poor_households": (Decimal(self.poor_households)
                                if self.poor_households is not None else None),
            "area_km2": positive(self.area_km2),
            "category": self.category or None,
        }


class BranchType(models.TextChoices):
    BRANCH = "branch", _("Party branch")
    GENERAL = "general", _("General Party branch")
    COMMITTEE = "committee", _("Party committee")


BRANCH_RANGES = {"member_count": VILLAGE_RANGES["party_members"]}


class PartyBranch(models.Model):
    village = models.OneToOneField(Village, on_delete=models.CASCADE, related_name="branch",
                                   verbose_name=_("village"))
    name = models.CharField(_("name"), max_length=80)
    branch_type = models.CharField(_("type"), max_length=10, choices=BranchType.choices,
                                   default=BranchType.BRANCH)
    secretary_name = models.CharField(_("secretary"), max_length=40, blank=True)
    secretary = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                  null=True, blank=True, related_name="branches",
                                  verbose_name=_("secretary's account"))
    member_count = models.PositiveIntegerField(
        _("members"), default=0, validators=in_range(BRANCH_RANGES["member_count"]))

    class Meta:
        ordering = ["village__code"]
        constraints = range_checks("partybranch", BRANCH_RANGES)
        verbose_name = _("Party branch")
        verbose_name_plural = _("Party branches")

    def __str__(self) -> str:
        return self.name


class GroupKind(models.TextChoices):
    STAR = "star", _("Star working group")
    PROMOTION = "promotion", _("Promotion group")
    CONTACT = "contact", _("Village-contact cadres")


class WorkingGroupQuerySet(ScopedQuerySet):
    scope_field = "town__code"

    def covering(self, village):
        return self.filter(villages=village)

    def of_member(self, user):
        return self.filter(models.Q(members=user) | models.Q(leader=user)).distinct()


class WorkingGroup(models.Model):
    """一星一专班 (one per star), a promotion group (one per 管区), or contact cadres."""

    town = models.ForeignKey(AdminUnit, on_delete=models.CASCADE, related_name="groups",
                             limit_choices_to={"level": UnitLevel.TOWN},
                             verbose_name=_("town"))
    kind = models.CharField(_("kind"), max_length=10, choices=GroupKind.choices)
    star = models.CharField(_("star"), max_length=10, choices=StarCode.choices, blank=True)
    area = models.ForeignKey(ManagementArea, on_delete=models.SET_NULL, null=True,
                             blank=True, related_name="groups",
                             verbose_name=_("management area"))
    name = models.CharField(_("name"), max_length=80)
    leader = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                               null=True, blank=True, related_name="led_groups",
                               verbose_name=_("leader"))
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True,
                                     related_name="working_groups",
                                     verbose_name=_("members"))
    villages = models.ManyToManyField(Village, blank=True, related_name="groups",
                                      verbose_name=_("villages covered"))

    objects = WorkingGroupQuerySet.as_manager()

    class Meta:
        ordering = ["town__code", "kind", "star", "name"]
        constraints = [
            models.UniqueConstraint(fields=["town", "star"], condition=models.Q(kind="star"),
                                    name="one_star_group_per_star_and_town"),
        ]
        verbose_name = _("working group")
        verbose_name_plural = _("working groups")

    def __str__(self) -> str:
        return self.name

    @property
    def division_code(self) -> str:
        return self.town.code
