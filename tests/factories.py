import factory

from villages.models import AdminUnit, ManagementArea, PartyBranch, UnitLevel, Village
from wuxing.accounts.models import Membership, User

DEMO_PASSWORD = "a-test-password-1"


class CountyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AdminUnit
        django_get_or_create = ["code"]

    code = "410902000000"
    name = "华龙区"
    level = UnitLevel.COUNTY


class TownFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AdminUnit

    # Wraps like the village codes: a long session creates more than 899 towns (each test
    # rolls its own back), and a fourth digit would make a 13-digit code.
    code = factory.Sequence(lambda n: f"410902{101 + n % 899:03d}000")
    name = factory.Sequence(lambda n: f"测试镇{n}")
    level = UnitLevel.TOWN
    parent = factory.SubFactory(CountyFactory)


class AreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ManagementArea

    town = factory.SubFactory(TownFactory)
    name = factory.Sequence(lambda n: f"第{n}管区")


class VillageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Village
        skip_postgeneration_save = True

    town = factory.SubFactory(TownFactory)
    code = factory.LazyAttributeSequence(lambda o, n: f"{o.town.prefix}{200 + n % 800:03d}")
    name = factory.Sequence(lambda n: f"测试村{n}")
    population = 1500
    households = 400
    party_members = 40

    @factory.post_generation
    def branch(self, create, extracted, **kwargs):
        if create:
            PartyBranch.objects.create(village=self, name=f"{self.name}党支部",
                                       member_count=self.party_members)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    name = factory.Sequence(lambda n: f"用户{n}")
    password = factory.PostGenerationMethodCall("set_password", DEMO_PASSWORD)

    @classmethod
    def _after_postgeneration(cls, instance, create, results=None):
        if create:
            instance.save()


def user_with_role(role: str, *, unit=None, village=None, **fields) -> User:
    user = UserFactory(**fields)
    Membership.objects.create(user=user, role=role, unit=unit, village=village)
    return user


def enter(village, ruleset, code: str, month, value, *, status="verified", **fields):
    """Store one entry (the indicator found by code in the rule set)."""
    from scoring.progress.models import Entry
    indicator = ruleset.indicators.get(code=code)
    entry = Entry(village=village, indicator=indicator, month=month, status=status, **fields)
    entry.set_value(value, indicator.kind)
    entry.save()
    return entry
