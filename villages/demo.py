"""The article's town as demo data: 华龙区 → 岳村镇 (29 villages) and 孟轲乡 (5 villages).

Idempotent: every row is found by its natural key and updated, never duplicated.
"""

import random
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from scoring.stars import StarCode
from wuxing.accounts.models import Membership, User
from wuxing.accounts.roles import Role

from .models import (
    AdminUnit,
    GroupKind,
    ManagementArea,
    PartyBranch,
    UnitLevel,
    Village,
    WorkingGroup,
)

PROVINCE = ("410000000000", "河南省", UnitLevel.PROVINCE)
CITY = ("410900000000", "濮阳市", UnitLevel.CITY)
COUNTY = ("410902000000", "华龙区", UnitLevel.COUNTY)
YUECUN = ("410902101000", "岳村镇", UnitLevel.TOWN)
MENGKE = ("410902201000", "孟轲乡", UnitLevel.TOWN)

# The article names the first thirteen; the rest complete the town to 29 villages.
YUECUN_VILLAGES = [
    "瓦岗村", "东田村", "瓦屋村", "高庄村", "邢庄村", "石佛店村", "韩庄村", "岳村集村",
    "寨里村", "南田村", "大猛村", "东寨村", "西寨村", "西田村", "北田村", "前岳村",
    "后岳村", "小猛村", "张庄村", "李庄村", "王庄村", "赵庄村", "刘庄村", "孙庄村",
    "周庄村", "马庄村", "杨庄村", "新庄村", "岳庄村",
]
YUECUN_AREAS = ["第一管区", "第二管区", "第三管区"]
MENGKE_VILLAGES = ["孟轲村", "东孟村", "西孟村", "南街村", "北街村"]
MENGKE_AREAS = ["孟轲管区"]


@dataclass(frozen=True)
class DemoUser:
    username: str
    name: str
    role: str
    unit_code: str = ""
    village_name: str = ""


DEMO_USERS = [
    DemoUser("county", "华龙区组织部 审核员", Role.COUNTY_REVIEWER, COUNTY[0]),
    DemoUser("yuecun", "岳村镇 党委书记", Role.TOWN_LEADER, YUECUN[0]),
    DemoUser("yuecun-official", "岳村镇 产业兴旺星专班", Role.TOWN_OFFICIAL, YUECUN[0]),
    DemoUser("mengke-official", "孟轲乡 干部", Role.TOWN_OFFICIAL, MENGKE[0]),
    DemoUser("wagang", "瓦岗村 党支部书记", Role.VILLAGE_SECRETARY, village_name="瓦岗村"),
    DemoUser("wawu", "瓦屋村 党支部书记", Role.VILLAGE_SECRETARY, village_name="瓦屋村"),
    DemoUser("dongtian", "东田村 党支部书记", Role.VILLAGE_SECRETARY, village_name="东田村"),
    DemoUser("gaozhuang", "高庄村 党支部书记", Role.VILLAGE_SECRETARY, village_name="高庄村"),
    DemoUser("xingzhuang", "邢庄村 党支部书记", Role.VILLAGE_SECRETARY,
             village_name="邢庄村"),
    DemoUser("observer", "华龙区 观察员", Role.OBSERVER, COUNTY[0]),
    DemoUser("admin", "系统管理员", Role.ADMIN),
]

STAR_GROUP_NAMES = {
    StarCode.BRANCH: "支部过硬星专班", StarCode.INDUSTRY: "产业兴旺星专班",
    StarCode.ECOLOGY: "生态宜居星专班", StarCode.SAFETY: "平安法治星专班",
    StarCode.CIVILITY: "文明幸福星专班",
}


def _unit(code, name, level, parent=None) -> AdminUnit:
    unit, _ = AdminUnit.objects.update_or_create(
        code=code, defaults={"name": name, "level": level, "parent": parent})
    return unit


def _villages(town: AdminUnit, names: list[str], area_names: list[str]) -> list[Village]:
    areas = [ManagementArea.objects.get_or_create(town=town, name=n)[0] for n in area_names]
    rng = random.Random(town.code)  # the same numbers on every run
    villages = []
    for index, name in enumerate(names):
        population = rng.randrange(800, 3200)
        village, _ = Village.objects.update_or_create(
            code=f"{town.prefix}{201 + index:03d}",
            defaults={"name": name, "town": town,
                      "area": areas[index * len(areas) // len(names)],
                      "population": population, "households": population // 4,
                      "party_members": rng.randrange(25, 90),
                      "farmland_mu": rng.randrange(1500, 6000)})
        PartyBranch.objects.update_or_create(
            village=village, defaults={"name": f"{name}党支部",
                                       "member_count": village.party_members})
        villages.append(village)
    return villages


def _groups(town: AdminUnit, villages: list[Village], leader, members) -> None:
    for star, label in STAR_GROUP_NAMES.items():
        group, _ = WorkingGroup.objects.update_or_create(
            town=town, kind=GroupKind.STAR, star=star,
            defaults={"name": f"{town.name}{label}", "leader": leader})
        group.villages.set(villages)
        group.members.set(members.get(star, []))
    for area in town.areas.all():
        group, _ = WorkingGroup.objects.update_or_create(
            town=town, kind=GroupKind.PROMOTION, area=area,
            defaults={"name": f"{town.name}{area.name}推进组", "leader": leader})
        group.villages.set([v for v in villages if v.area_id == area.pk])


def _users() -> dict[str, User]:
    users = {}
    for spec in DEMO_USERS:
        user, _ = User.objects.update_or_create(
            username=spec.username,
            defaults={"name": spec.name, "is_staff": spec.role == Role.ADMIN,
                      "is_superuser": spec.role == Role.ADMIN})
        user.set_password(settings.WUXING_DEMO_PASSWORD)
        user.save(update_fields=["password"])
        village = Village.objects.get(name=spec.village_name) if spec.village_name else None
        unit = AdminUnit.objects.get(code=spec.unit_code) if spec.unit_code else None
        Membership.objects.get_or_create(user=user, role=spec.role, unit=unit, village=village)
        if village is not None:
            PartyBranch.objects.filter(village=village).update(secretary=user,
                                                               secretary_name=spec.name)
        users[spec.username] = user
    return users


@transaction.atomic
def load_tree_and_users() -> dict[str, User]:
    province = _unit(*PROVINCE)
    city = _unit(*CITY, parent=province)
    county = _unit(*COUNTY, parent=city)
    yuecun = _unit(*YUECUN, parent=county)
    mengke = _unit(*MENGKE, parent=county)
    yuecun_villages = _villages(yuecun, YUECUN_VILLAGES, YUECUN_AREAS)
    mengke_villages = _villages(mengke, MENGKE_VILLAGES, MENGKE_AREAS)
    users = _users()
    _groups(yuecun, yuecun_villages, users["yuecun"],
            {StarCode.INDUSTRY: [users["yuecun-official"]]})
    _groups(mengke, mengke_villages, None, {StarCode.INDUSTRY: [users["mengke-official"]]})
    return users


def login_lines() -> list[str]:
    password = settings.WUXING_DEMO_PASSWORD
    return [f"  {spec.username:<16} {password:<12} {spec.name}" for spec in DEMO_USERS]
