"""Every URL: anonymous → login, another town → 404, observer → 403 on writes, owner → OK."""

import re
import uuid

import pytest
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.urls.exceptions import Resolver404

from tests.permission_matrix import CASES, OUTSIDE_MATRIX, ROLE_USERS

pytestmark = pytest.mark.django_db
ids = [case.id for case in CASES]


def _request(client, user, case, request):
    if user is not None:
        client.force_login(user)
    url = reverse(case.name, kwargs=case.kwargs(request))
    if case.method == "post":
        return client.post(url, case.data(request))
    return client.get(url)


@pytest.mark.parametrize("case", [c for c in CASES if not c.anonymous],
                         ids=[c.id for c in CASES if not c.anonymous])
def test_anonymous_users_are_sent_to_login(client, case, request):
    response = _request(client, None, case, request)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse(settings.LOGIN_URL))


@pytest.mark.parametrize("case", [c for c in CASES if c.anonymous],
                         ids=[c.id for c in CASES if c.anonymous])
def test_public_pages_answer_anonymous_users(client, case, request):
    response = _request(client, None, case, request)
    assert response.status_code in case.ok
    assert "login" not in response.get("Location", "")


@pytest.mark.parametrize("case", [c for c in CASES if c.scoped], ids=[c.id for c in CASES
                                                                      if c.scoped])
def test_an_official_of_another_town_gets_404(client, case, request, official_b):
    assert _request(client, official_b, case, request).status_code == 404


@pytest.mark.parametrize("case", [c for c in CASES if c.write],
                         ids=[c.id for c in CASES if c.write])
def test_an_observer_may_not_write(client, case, request, observer_a):
    assert _request(client, observer_a, case, request).status_code == 403


@pytest.mark.parametrize("case", [c for c in CASES if c.forbidden_to],
                         ids=[c.id for c in CASES if c.forbidden_to])
def test_roles_without_the_right_get_403(client, case, request):
    for fixture in case.forbidden_to:
        client.logout()
        user = request.getfixturevalue(fixture)
        assert _request(client, user, case, request).status_code == 403, fixture


@pytest.mark.parametrize("case", CASES, ids=ids)
def test_the_owner_may(client, case, request):
    owner = request.getfixturevalue(case.owner)
    response = _request(client, owner, case, request)
    assert response.status_code in case.ok, response.content[:500]


@pytest.mark.parametrize("case", [c for c in CASES if not c.write],
                         ids=[c.id for c in CASES if not c.write])
def test_an_observer_may_read(client, case, request, observer_a):
    assert _request(client, observer_a, case, request).status_code in (200, 302)


ROLE_ROWS = [(case, role) for case in CASES if case.action for role in ROLE_USERS]


@pytest.mark.parametrize(("case", "role"), ROLE_ROWS,
                         ids=[f"{case.id} as {role}" for case, role in ROLE_ROWS])
def test_each_role_gets_what_action_roles_allows_inside_the_jurisdiction(client, case, role,
                                                                           request):
    """Allowed by wuxing/accounts/roles.py ACTION_ROLES: the row's `ok`; otherwise 403."""
    user = request.getfixturevalue(ROLE_USERS[role])
    response = _request(client, user, case, request)
    assert response.status_code in case.expected(role), (
        role, sorted(case.allowed_roles), response.status_code)


def test_every_action_url_names_its_action():
    """A write without an ACTION_ROLES entry would escape the per-role test above."""
    assert not [case.id for case in CASES if case.write and not case.action]


# --- every URL pattern needs a login ----------------------------------------------------

SAMPLES = {"app_label": "villages", "model_name": "village", "object_id": "1",
           "content_type_id": "1", "uidb64": "MQ", "token": "x-y", "url": "x",
           "month": "2026-05", "quarter": "2026Q3"}
PUBLIC_PREFIXES = ("/admin/login/", "/admin/password_reset", "/admin/reset/", "/health/",
                   "/accounts/login/", "/i18n/setlang/", "/admin/logout/",
                   "/accounts/logout/", "/admin/jsi18n/",
                   "/reviews/public/")  # the 公示 board (anonymous cases of the matrix)


def _all_paths(resolver=None, prefix=""):
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        text = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _all_paths(pattern, text)
        elif isinstance(pattern, URLPattern):
            yield text


def _sample_url(pattern: str) -> str:
    text = pattern.lstrip("^").rstrip("$").replace("\\Z", "")

    def typed(match):
        kind, name = match.group(1), match.group(2)
        if kind == "int":
            return "1"
        if kind == "uuid":
            return str(uuid.UUID(int=1))
        return SAMPLES.get(name, "x")

    text = re.sub(r"<(?:(\w+):)?(\w+)>", typed, text)
    text = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: SAMPLES.get(m.group(1), "1"), text)
    return "/" + text.replace("\\", "")


def test_every_url_pattern_requires_login(client):
    checked = 0
    for pattern in _all_paths():
        url = _sample_url(pattern)
        if url.startswith(PUBLIC_PREFIXES):
            continue
        try:
            resolve(url)
        except Resolver404:
            pytest.fail(f"cannot build a sample URL for {pattern!r} (got {url!r})")
        response = client.get(url)
        assert response.status_code in (301, 302), (url, response.status_code)
        assert "login" in response["Location"], (url, response["Location"])
        checked += 1
    assert checked > 20  # the admin alone has dozens


def test_every_url_is_in_the_matrix():
    named = set()
    resolver = get_resolver()
    for name in resolver.reverse_dict:
        if isinstance(name, str):
            named.add(name)
    for namespace, (_prefix, sub) in resolver.namespace_dict.items():
        if namespace in ("admin",):
            continue
        named.update(f"{namespace}:{n}" for n in sub.reverse_dict if isinstance(n, str))
    missing = named - {case.name for case in CASES} - OUTSIDE_MATRIX
    assert not missing, f"URLs missing from tests/permission_matrix.py: {sorted(missing)}"
