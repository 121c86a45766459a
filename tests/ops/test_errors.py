"""Error reports leave the portal without personal data: captured through a fake Sentry
transport (no network), every name, phone, id number, password, token, email, cookie
and objection contact is gone."""

import json

import pytest
import sentry_sdk
from django.conf import settings
from sentry_sdk.transport import Transport

from wuxing.ops.errors import FILTERED, init_sentry, scrub

PERSONAL = ["张三", "13812345678", "110101199003071234", "s3cret-pass", "tok-abcdef",
            "zhangsan@example.cn", "sessionid-value", "李四", "13987654321"]


class FakeTransport(Transport):
    def __init__(self, options=None):
        super().__init__(options)
        self.envelopes = []

    def capture_envelope(self, envelope):
        self.envelopes.append(envelope)


@pytest.fixture
def sent():
    transport = FakeTransport()
    init_sentry("https://public@sentry.invalid/1", environment="test", transport=transport)
    yield transport
    sentry_sdk.get_client().close()
    sentry_sdk.init()  # no DSN: reporting off again


def _payloads(transport) -> str:
    return "\n".join(item.get_bytes().decode() for envelope in transport.envelopes
                     for item in envelope.items)


def test_reporting_is_off_without_a_dsn():
    assert settings.SENTRY_DSN == ""
    assert not sentry_sdk.get_client().is_active()


def test_a_reported_error_carries_no_personal_field(sent):
    with sentry_sdk.new_scope() as scope:
        scope.set_user({"id": 7, "username": "张三", "email": "zhangsan@example.cn"})
        scope.set_context("objection", {"contact_name": "李四", "contact_phone": "13987654321",
                                        "star": "industry"})
        scope.set_extra("form", {"password": "s3cret-pass", "token": "tok-abcdef",
                                 "id_number": "110101199003071234"})
        sentry_sdk.add_breadcrumb(message="called 13812345678 about 110101199003071234")
        try:
            raise ValueError("mail zhangsan@example.cn failed")
        except ValueError:
            sentry_sdk.capture_exception()
    sentry_sdk.flush()
    text = _payloads(sent)
    assert "ValueError" in text and "industry" in text  # the report itself arrived
    for value in PERSONAL:
        assert value not in text, value
    event = json.loads(next(line for line in text.splitlines() if '"exception"' in line))
    assert event["user"] == {"id": 7}


def test_the_request_part_loses_cookies_headers_and_body():
    event = {"request": {"url": "https://wx.example/reviews/1/objection",
                         "cookies": {"sessionid": "sessionid-value"},
                         "headers": {"Cookie": "sessionid=sessionid-value",
                                     "Authorization": "Bearer tok-abcdef",
                                     "X-Forwarded-For": "203.0.113.5",
                                     "User-Agent": "Mozilla"},
                         "data": {"name": "张三", "phone": "13812345678"},
                         "query_string": "phone=13812345678",
                         "env": {"REMOTE_ADDR": "203.0.113.5", "SERVER_NAME": "wx"}}}
    request = scrub(event)["request"]
    assert request["cookies"] == request["data"] == FILTERED
    assert request["headers"]["Cookie"] == request["headers"]["Authorization"] == FILTERED
    assert request["headers"]["X-Forwarded-For"] == FILTERED
    assert request["headers"]["User-Agent"] == "Mozilla"
    assert request["env"] == {"REMOTE_ADDR": FILTERED, "SERVER_NAME": "wx"}
    assert "query_string" not in request
