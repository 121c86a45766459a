"""Every link a demo user is shown leads somewhere: no page they can reach links to a
page that answers 403, 404 or 500.

Walks the portal breadth-first from the start page as each role of the demo county,
following same-site links (not files, downloads, deletions or the admin).
"""

import io
import re
from collections import Counter, deque

import pytest
from django.core.management import call_command
from django.test import Client

pytestmark = pytest.mark.django_db

PAGES_PER_USER = 80
PER_SHAPE = 2  # URLs differing only in their numbers: a village page is a village page
SKIPPED = ("/static/", "/admin/", "/accounts/logout", "/i18n/", "/media/")
SKIPPED_PARTS = ("delete", ".xlsx", "xlsx/", "/file/", "/thumbnail/")


def _links(html: str) -> list[str]:
    return [href.replace("&amp;", "&") for href in re.findall(r'href="(/[^"#]*)"', html)
            if not href.startswith(SKIPPED) and not any(p in href for p in SKIPPED_PARTS)]


def _walk(username: str) -> tuple[int, list[tuple[str, int]]]:
    client = Client()
    assert client.post("/accounts/login/", {"username": username,
                                            "password": "wuxing-demo"}).status_code == 302
    seen, queue, broken, shapes = set(), deque(["/"]), [], Counter()
    while queue and len(seen) < PAGES_PER_USER:
        url = queue.popleft()
        shape = re.sub(r"\d+", "N", url)
        if url in seen or shapes[shape] >= PER_SHAPE:
            continue
        seen.add(url)
        shapes[shape] += 1
        response = client.get(url)
        if response.status_code in (301, 302):
            queue.append(response["Location"])
        elif response.status_code != 200:
            broken.append((url, response.status_code))
        elif "text/html" in response["Content-Type"]:
            queue.extend(_links(response.content.decode()))
    return len(seen), broken


def test_no_link_shown_to_a_demo_user_is_broken_or_forbidden():
    call_command("load_demo", stdout=io.StringIO())
    for username in ("county", "yuecun", "yuecun-official", "wawu", "observer", "admin"):
        pages, broken = _walk(username)
        assert pages > 10, username  # the walk went somewhere
        assert broken == [], username
