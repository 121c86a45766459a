"""The one bulk loader: rows through the csv module into COPY (FORMAT csv) and back exactly
as given — empty strings stay empty, NULL stays NULL, and nothing is hand-escaped."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.db import connection  # noqa: F401  (read by skipif)

from tests import factories
from wuxing import bulkload
from wuxing.notifications.bulk import insert_ignoring_conflicts
from wuxing.notifications.models import Notification

pytestmark = pytest.mark.django_db

AWKWARD = ["", "\\N", "\\", 'say "hi", then', "line\nbreak\r\n", "tab\there", "=1+2",
           "村民议事会 ✔", "NULL", ",", '"']


def test_the_csv_cells_keep_empty_strings_apart_from_null():
    text = bulkload.csv_buffer([["", None, "\\N", 3, Decimal("2.50"), True]]).getvalue()
    assert text == '"",\\N,"\\N",3,2.50,True\n'


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_awkward_text_round_trips_through_copy(town_a):
    user = factories.user_with_role("town_official", unit=town_a)
    when = datetime(2026, 3, 1, 8, 30, tzinfo=UTC)
    rows = [(user.pk, text, text, "", None, when, None) for text in AWKWARD]
    bulkload.copy_upsert(Notification, ["recipient_id", "title", "body", "url", "message_id",
                                        "created_at", "read_at"], rows, unique=[],
                         update=False)
    stored = list(Notification.objects.order_by("pk").values_list(
        "title", "body", "read_at", "created_at"))
    assert [(t, b) for t, b, _r, _c in stored] == [(text, text) for text in AWKWARD]
    assert {r for _t, _b, r, _c in stored} == {None}
    assert {c for _t, _b, _r, c in stored} == {when}


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_conflicting_rows_are_skipped_and_json_strings_stay_json():
    from wuxing.notifications.models import Message
    first = Message(kind="reminder", period="2026-03", topic="t", subject="=cmd",
                    context="just a string")
    insert_ignoring_conflicts(Message, [first])
    insert_ignoring_conflicts(Message, [Message(kind="reminder", period="2026-03", topic="t",
                                                subject="other", context={})])
    stored = Message.objects.get(kind="reminder", period="2026-03", topic="t")
    assert (stored.subject, stored.context) == ("=cmd", "just a string")
