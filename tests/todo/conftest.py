"""A built scenario for the to-do lists: mid-May 2026 (May open, April locked), town A
with its ecology working group, town B next door, a town C of the same county holding
applications at the county's stages, and a second county that nobody here may see."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from scoring.progress.models import MonthReopen
from scoring.reviews.models import AppState, Objection, PublicNotice
from tests import factories
from tests.reviews.fixtures import make_application, make_cycle
from villages.models import GroupKind, WorkingGroup

SHANGHAI = ZoneInfo("Asia/Shanghai")
MAY, APRIL = date(2026, 5, 1), date(2026, 4, 1)
NOW = datetime(2026, 5, 20, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def _notice(cycle, user, start, end):
    return PublicNotice.objects.create(cycle=cycle, starts_on=start, ends_on=end,
                                       published_by=user)


@pytest.fixture
def scenario(frozen, town_a, town_b, village_a, village_b, ruleset, official_a, leader_a,
             secretary_a, reviewer_a):
    """Everything waiting, with what each role must (and must not) see."""
    a2 = factories.VillageFactory(town=town_a, name="甲二村")
    group = WorkingGroup.objects.create(town=town_a, kind=GroupKind.STAR, star="ecology",
                                        name="生态宜居星专班")
    group.members.add(official_a)
    enter = factories.enter
    # May, ecology (three monthly items): 甲村 one missing and one draft; 甲二村 one
    # returned and two missing. 乙村 (town B) has nothing: it is not official A's.
    enter(village_a, ruleset, "garbage_cleanup", MAY, True)
    enter(village_a, ruleset, "trees_planted", MAY, 100, status="draft")
    enter(a2, ruleset, "garbage_cleanup", MAY, True, status="returned",
          return_reason="照片模糊，请重拍")
    # Waiting for verification: two in town A (safety), one in town B.
    waiting = [enter(village_a, ruleset, "criminal_cases", MAY, 0, status="submitted"),
               enter(a2, ruleset, "petitions_beyond", MAY, 0, status="submitted")]
    enter(village_b, ruleset, "criminal_cases", MAY, 0, status="submitted")
    # A returned civility item in 甲村: the secretary's, not the ecology group's.
    enter(village_a, ruleset, "cultural_events", MAY, 1, status="returned",
          return_reason="活动照片缺失")
    # April is locked; 甲二村's April was reopened, so only 甲村 is left to reopen.
    MonthReopen.objects.create(village=a2, month=APRIL, reason="补录",
                               open_until=timezone.now() + timedelta(days=3),
                               reopened_by=leader_a)
    cycle = make_cycle(town_a.parent, ruleset)
    returned = make_application(cycle, village_a, secretary_a, AppState.RETURNED,
                                returned_step="town",
                                flags={"stars": {"industry": "缺少合作社分红凭证"}})
    town_step = make_application(cycle, a2, official_a, AppState.TOWN)
    make_application(cycle, village_b, official_a, AppState.TOWN)  # town B's leader's
    town_c = factories.TownFactory(name="丙镇", parent=town_a.parent)
    c1, c2, c3, c4 = (factories.VillageFactory(town=town_c, name=f"丙{n}村")
                      for n in range(1, 5))
    applicant = factories.UserFactory()  # a reviewer never reviews what they submitted
    county_step = make_application(cycle, c1, applicant, AppState.COUNTY,
                                   state_since=timezone.now() - timedelta(days=5))
    today = timezone.localdate()
    running = _notice(cycle, reviewer_a, today - timedelta(days=2), today + timedelta(days=4))
    over = _notice(cycle, reviewer_a, today - timedelta(days=12), today - timedelta(days=5))
    in_notice = make_application(cycle, c2, applicant, AppState.NOTICE, notice=running,
                                 approved_stars=["industry"])
    to_award = make_application(cycle, c3, applicant, AppState.NOTICE, notice=over,
                                approved_stars=["ecology"])
    blocked = make_application(cycle, c4, applicant, AppState.NOTICE, notice=over,
                               approved_stars=["safety"])
    objections = [Objection.objects.create(application=in_notice, text="账目未公开"),
                  Objection.objects.create(application=blocked, text="有人上访")]
    Objection.objects.create(application=to_award, text="已核实", status="dismissed")
    # Another county: nobody above may see any of it.
    other_county = factories.CountyFactory(code="410923000000", name="南乐县")
    other_town = factories.TownFactory(parent=other_county, code="410923101000")
    far = factories.VillageFactory(town=other_town, name="远村")
    far_cycle = make_cycle(other_county, ruleset)
    make_application(far_cycle, far, applicant, AppState.COUNTY)
    return {"a2": a2, "group": group, "waiting": waiting, "returned_app": returned,
            "town_step": town_step, "county_step": county_step, "in_notice": in_notice,
            "to_award": to_award, "blocked": blocked, "objections": objections,
            "town_c": town_c, "cycle": cycle, "applicant": applicant}
