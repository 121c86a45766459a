"""Malformed ids, codes, months, quarters, years and versions: 400 or 404, never 500.

Every URL pattern that takes such a value is found by introspecting the URL resolver and
must have a row in the permission matrix (tests/permission_matrix.py); each row is then
requested with every malformed value in place of each of its URL values, by a user of
each role, and with malformed query parameters and form values.
"""

from urllib.parse import quote, unquote

import pytest
from django.urls import Resolver404, URLPattern, URLResolver, get_resolver, resolve, reverse

from tests.permission_matrix import CASES, ROLE_USERS
from tests.permission_matrix import _none as no_values

pytestmark = pytest.mark.django_db

# URL values of these names identify something; a malformed one must never crash.
VALUE_NAMES = {"pk", "code", "month", "quarter", "token", "indicator", "year", "version"}

# Every URL value gets the values that break any kind of value, and those aimed at its
# own kind (a month where a month goes, ...).
ANY_KIND = ["abc", "x" * 3000, "甲村", "\u202e1", "1\x00"]
BY_KIND = {
    "pk": ["-1", "0", "99999999999999999999"],
    "code": ["0", "99999999999999999999", "4109", "410902101001410902101001"],
    "month": ["9999-12", "0001-01", "2026-13", "2026-00", "٢٠٢٦-٠٥"],
    "quarter": ["2026Q5", "2026Q0", "9999Q4", "0001Q1"],
    "token": ["0", "00000000-0000-0000-0000-00000000000g"],
    "indicator": ["-1", "0"],
}


def _patterns(resolver=None, namespace=""):
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                continue
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _patterns(pattern, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}{pattern.name}", set(pattern.pattern.converters)


def test_every_url_taking_a_value_has_a_matrix_row_with_that_value(request):
    rows = {}
    for case in CASES:
        rows.setdefault(case.name, set()).update(case.kwargs(request))
    missing = {name: names & VALUE_NAMES - rows.get(name, set())
               for name, names in _patterns() if names & VALUE_NAMES}
    missing = {name: keys for name, keys in missing.items() if keys}
    assert not missing, f"add matrix rows for: {missing}"


def _urls_with(case, kwargs):
    """(kwarg, url) for every malformed value put in place of each URL value of the row."""
    url = reverse(case.name, kwargs=kwargs)
    for key, value in kwargs.items():
        segment = f"/{value}/" if f"/{value}/" in url else f"/{value}"
        assert url.count(segment) == 1, (url, segment)
        for bad in ANY_KIND + BY_KIND[key]:
            yield key, bad, url.replace(segment, segment.replace(str(value), quote(bad)))


def _call(client, case, url, data):
    return client.post(url, data) if case.method == "post" else client.get(url)


WITH_VALUES = [c for c in CASES if c.kwargs is not no_values]


@pytest.mark.parametrize("case", WITH_VALUES, ids=[c.id for c in WITH_VALUES])
def test_malformed_url_values_answer_400_or_404_for_every_role(client, case, request):
    users = {role: request.getfixturevalue(name) for role, name in ROLE_USERS.items()}
    kwargs, data = case.kwargs(request), case.data(request)
    urls = list(_urls_with(case, kwargs))
    for role, user in users.items():
        client.force_login(user)
        # One who may not act may be refused before the value is looked at.
        expected = (400, 404, 403) if case.expected(role) == (403,) else (400, 404)
        for key, bad, url in urls:
            if role != "admin" and not _reaches_a_view(url):
                continue  # the resolver's 404 does not depend on who asks: once is enough
            status = _call(client, case, url, data).status_code
            assert status in expected, (role, key, bad[:40], url[:120], status)


def _reaches_a_view(url: str) -> bool:
    try:
        resolve(unquote(url))
    except Resolver404:
        return False
    return True


BAD_QUERY = ["abc", "-1", "9999-12", "0001-01", "2026-13", "2026Q5", "99999999999999999999",
             "x" * 3000, "2026-05\x00"]
# Pages that read a query parameter: a malformed value is a bad request (400).
QUERY_READERS = {
    "month": {"dashboards:village", "dashboards:town"},
    "year": {"rulesets:in_force"},
}
GETS = [c for c in CASES if c.method == "get"]


@pytest.mark.parametrize("case", GETS, ids=[c.id for c in GETS])
def test_malformed_query_parameters_answer_400_where_read_and_are_ignored_elsewhere(
        client, case, request):
    client.force_login(request.getfixturevalue(case.owner))
    url = reverse(case.name, kwargs=case.kwargs(request))
    for param in ("month", "quarter", "year", "version"):
        for bad in BAD_QUERY:
            response = client.get(url, {param: bad})
            reads = case.name in QUERY_READERS.get(param, ()) or "\x00" in bad  # NUL: 400
            expected = (400,) if reads else case.ok
            assert response.status_code in expected, (param, bad[:40], response.status_code)
            if response.status_code == 400:
                text = response.content.decode()
                assert "格式" in text or "必须" in text or "NUL" in text, text[:300]


def test_a_good_month_parameter_is_still_read(client, official_a, village_a):
    client.force_login(official_a)
    url = reverse("dashboards:village", kwargs={"code": village_a.code})
    assert client.get(url, {"month": "2026-03"}).context["month"].isoformat() == "2026-03-01"


# Form fields that carry a whole number a view reads itself (not through a form).
VERSION_READERS = {"progress:save", "progress:carry", "progress:verify", "progress:return"}
POSTS = [c for c in CASES if c.method == "post"]
NOT_A_VERSION = [v for v in BAD_QUERY if not (v.isascii() and v.isdigit() and int(v) < 2**31)]


@pytest.mark.parametrize("case", POSTS, ids=[c.id for c in POSTS])
def test_malformed_numbers_in_forms_never_crash(client, case, request):
    client.force_login(request.getfixturevalue(case.owner))
    url = reverse(case.name, kwargs=case.kwargs(request))
    data = case.data(request)
    numeric = [k for k, v in data.items() if isinstance(v, int) or str(v).isdigit()]
    for key in {*numeric, "version", "ids", "year"}:
        for bad in BAD_QUERY:
            response = client.post(url, {**data, key: bad})
            if key == "version" and case.name in VERSION_READERS and bad in NOT_A_VERSION:
                assert response.status_code == 400, (key, bad[:40], response.status_code)
                text = response.content.decode()
                assert "整数" in text or "NUL" in text, text[:300]
            else:
                assert response.status_code < 500, (key, bad[:40], response.status_code)
