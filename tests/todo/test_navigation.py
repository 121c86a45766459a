"""The navigation shows each role what it uses (from ACTION_ROLES) and marks the page."""

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _nav(client, user, url):
    client.force_login(user)
    html = client.get(url).content.decode()
    keys = re.findall(r'data-nav="(\w+)"', html)
    current = re.findall(r'<a class="nav-link active" href="([^"]+)"[^>]*aria-current="page"',
                         html)
    return keys, current


def test_each_role_sees_only_what_it_uses(client, official_a, leader_a, secretary_a,
                                          reviewer_a, observer_a):
    home = reverse("villages:list")
    official, _ = _nav(client, official_a, home)
    assert "progress" in official
    assert not {"reviews", "mine", "verification", "cycles", "reminders"} & set(official)
    leader, _ = _nav(client, leader_a, home)
    assert {"progress", "verification", "reviews", "reminders"} <= set(leader)
    assert not {"mine", "cycles"} & set(leader)
    secretary, _ = _nav(client, secretary_a, home)
    assert "mine" in secretary
    assert not {"progress", "verification", "reviews", "cycles"} & set(secretary)
    county, _ = _nav(client, reviewer_a, home)
    assert {"reviews", "cycles"} <= set(county)
    assert not {"progress", "verification", "mine"} & set(county)
    observer, _ = _nav(client, observer_a, home)
    assert not {"progress", "verification", "reviews", "mine", "cycles"} & set(observer)


def test_the_current_page_is_marked(client, leader_a):
    for url_name, marked in (("villages:list", "villages:list"),
                             ("progress:verification", "progress:verification"),
                             ("progress:index", "progress:index"),
                             ("reviews:queue", "reviews:queue")):
        _keys, current = _nav(client, leader_a, reverse(url_name))
        assert current == [reverse(marked)], url_name
