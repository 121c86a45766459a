import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests import factories
from villages.models import Village

pytestmark = pytest.mark.django_db


def test_an_official_sees_only_the_villages_of_their_town(client, official_a, village_a,
                                                          village_b):
    client.force_login(official_a)
    page = client.get(reverse("villages:list")).content.decode()
    assert village_a.name in page
    assert village_b.name not in page


def test_a_village_secretary_sees_only_their_village(client, secretary_a, village_a, town_a):
    neighbour = factories.VillageFactory(town=town_a, name="邻村")
    assert list(Village.objects.visible_to(secretary_a)) == [village_a]
    client.force_login(secretary_a)
    assert client.get(reverse("villages:detail", args=[neighbour.code])).status_code == 404


def test_the_secretary_starts_on_their_village_star_card(client, secretary_a, village_a):
    client.force_login(secretary_a)
    response = client.get(reverse("home"))
    assert response["Location"] == reverse("dashboards:village", args=[village_a.code])


def test_the_list_searches_and_filters_by_area(client, official_a, town_a):
    area = factories.AreaFactory(town=town_a, name="东管区")
    factories.VillageFactory(town=town_a, name="东风村", area=area)
    factories.VillageFactory(town=town_a, name="西风村")
    client.force_login(official_a)
    page = client.get(reverse("villages:list"), {"area": area.pk}).content.decode()
    assert "东风村" in page and "西风村" not in page
    page = client.get(reverse("villages:list"), {"q": "西风"}).content.decode()
    assert "西风村" in page and "东风村" not in page


def test_the_list_is_paginated(client, official_a, town_a):
    factories.VillageFactory.create_batch(30, town=town_a)
    client.force_login(official_a)
    response = client.get(reverse("villages:list"))
    assert len(response.context["page"].object_list) == 25
    assert "第 1 页，共 2 页" in response.content.decode()


def _list_queries(client, user) -> int:
    client.force_login(user)
    client.get(reverse("villages:list"))  # warm the session
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("villages:list")).status_code == 200
    return len(queries)


def test_the_list_query_count_does_not_grow_with_villages(client, official_a, town_a):
    factories.VillageFactory.create_batch(3, town=town_a)
    few = _list_queries(client, official_a)
    factories.VillageFactory.create_batch(22, town=town_a)
    assert _list_queries(client, official_a) == few
    assert few <= 10


def test_the_detail_query_count_does_not_grow_with_groups(client, official_a, village_a):
    from villages.models import GroupKind, WorkingGroup

    def count():
        client.force_login(official_a)
        with CaptureQueriesContext(connection) as queries:
            client.get(reverse("villages:detail", args=[village_a.code]))
        return len(queries)

    def add_group(star):
        group = WorkingGroup.objects.create(town=village_a.town, kind=GroupKind.STAR,
                                            star=star, name=star)
        group.villages.add(village_a)
        group.members.add(factories.UserFactory())

    add_group("branch")
    few = count()
    for star in ("industry", "ecology", "safety"):
        add_group(star)
    assert count() == few


def test_editing_facts_rejects_a_negative_value_and_changes_nothing(client, official_a,
                                                                    village_a):
    client.force_login(official_a)
    response = client.post(reverse("villages:edit", args=[village_a.code]),
                           {"population": 10, "households": 5, "party_members": 3,
                            "farmland_mu": "-5"})
    assert response.status_code == 200
    village_a.refresh_from_db()
    assert village_a.population == 1500


def test_load_demo_is_idempotent_and_scopes_the_demo_official(demo):
    from villages import demo as demo_module
    count = Village.objects.count()
    demo_module.load_tree_and_users()
    assert Village.objects.count() == count == 34
    names = set(Village.objects.visible_to(demo["yuecun-official"]).values_list("name",
                                                                                  flat=True))
    assert len(names) == 29 and "瓦岗村" in names and "孟轲村" not in names


def test_leaders_reviewers_and_observers_start_on_their_dashboard(client, leader_a, observer_a,
                                                                  town_a):
    from tests import factories
    reviewer = factories.user_with_role("county_reviewer", unit=town_a.parent)
    for user, target in ((leader_a, reverse("dashboards:town", args=[town_a.code])),
                         (observer_a, reverse("dashboards:town", args=[town_a.code])),
                         (reviewer, reverse("dashboards:unit", args=[town_a.parent.code]))):
        client.force_login(user)
        response = client.get(reverse("home"), follow=True)
        assert response.redirect_chain[-1][0] == target, user
        assert response.status_code == 200


def test_officials_and_administrators_start_on_the_village_list(client, official_a):
    from tests.factories import UserFactory
    admin = UserFactory(is_superuser=True, is_staff=True)
    for user in (official_a, admin):
        client.force_login(user)
        assert client.get(reverse("home"))["Location"] == reverse("villages:list")
