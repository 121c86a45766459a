"""Server-side request forgery through the group robots' webhooks (issue 14).

A town leader types in an address that the server then calls. Only
``https://<allowed host>[:443]<the provider's path>?<its key>`` is accepted, in one normal
form that is stored and called; the sender calls only a public address of that host, the
one it checked, and follows no redirect. WeCom and DingTalk themselves are outside this
machine: they are stood in for by a local HTTP server (tests/webhook_stub.py) or the
resolver and the connection are replaced, and no test here may connect anywhere else.
"""

import socket
import ssl
import subprocess
import threading
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from shutil import which

import pytest
import requests
import urllib3.util.connection
from django.core.exceptions import ValidationError
from django.urls import reverse

from scoring.reminders.sources import Status
from scoring.stars import StarCode
from tests.conftest import need_service
from tests.reminders_fixtures import run_dispatch
from tests.webhook_stub import PUBLIC_IP
from villages.models import GroupKind, WorkingGroup
from wuxing.accounts.models import AuditEvent
from wuxing.notifications import delivery, webhooks
from wuxing.notifications.models import Channel, Delivery, DeliveryStatus, GroupRobot, Message

pytestmark = pytest.mark.django_db

WECOM_HOST = "qyapi.weixin.qq.com"
WECOM = f"https://{WECOM_HOST}/cgi-bin/webhook/send?key=693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa"
DINGTALK = "https://oapi.dingtalk.com/robot/send?access_token=0123456789abcdef"


@pytest.fixture(autouse=True)
def connections(monkeypatch):
    """Every connection the HTTP client opens, noted; those leaving this machine refused."""
    attempts = []
    real = urllib3.util.connection.create_connection

    def guarded(address, *args, **kwargs):
        attempts.append(tuple(address))
        if address[0] not in ("127.0.0.1", "::1", "localhost"):
            raise OSError(f"refused by the test: {address}")
        return real(address, *args, **kwargs)

    monkeypatch.setattr(urllib3.util.connection, "create_connection", guarded)
    return attempts


class Listener:
    """A raw socket on 127.0.0.1 that notes every connection and answers like a robot."""

    def __init__(self):
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.received: list[bytes] = []
        self.running = True
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while self.running:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(2)
                try:
                    self.received.append(conn.recv(65536))
                except OSError:
                    self.received.append(b"")
                body = b'{"errcode": 0}'
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                             b"Content-Length: %d\r\nConnection: close\r\n\r\n%s"
                             % (len(body), body))

    def close(self):
        self.running = False
        self.thread.join(timeout=2)
        self.sock.close()


@pytest.fixture
def listener():
    server = Listener()
    yield server
    server.close()


@pytest.fixture
def group(town_a):
    return WorkingGroup.objects.create(town=town_a, kind=GroupKind.STAR, star="industry",
                                       name="甲镇产业兴旺星专班")


def robots_url(group):
    return reverse("reminders:robots", args=[group.pk])


def deliver_to(robot) -> Delivery:
    message = Message.objects.create(kind="test", period="2026-11", topic=f"t{robot.pk}",
                                     subject="测试")
    row = Delivery.objects.create(message=message, channel=robot.kind, robot=robot,
                                  recipient_key=f"robot:{robot.pk}")
    delivery.deliver([row.pk])
    row.refresh_from_db()
    return row


# --- The reproduction: a local listener must receive nothing -----------------------------

def test_the_backslash_userinfo_trick_never_reaches_a_local_listener(
        client, leader_a, group, listener):
    trick = f"http://127.0.0.1:{listener.port}\\@{WECOM_HOST}/cgi-bin/webhook/send?key=x"
    client.force_login(leader_a)
    response = client.post(robots_url(group), {"kind": "wecom", "webhook_url": trick,
                                               "enabled": "on"})
    assert response.status_code == 200 and "反斜杠" in response.content.decode()
    assert not GroupRobot.objects.exists()
    # A row stored before the fix (or written around the form) is refused when sent.
    stored = [GroupRobot.objects.create(group=group, kind=Channel.WECOM, webhook_url=trick),
              GroupRobot.objects.create(
                  group=group, kind=Channel.DINGTALK,
                  webhook_url=f"http://127.0.0.1:{listener.port}/robot/send?access_token=t")]
    rows = [deliver_to(robot) for robot in stored]
    assert [row.status for row in rows] == [DeliveryStatus.FAILED] * 2
    assert all("invalid stored webhook" in row.last_error for row in rows)
    assert listener.received == []


# --- The address forms -------------------------------------------------------------------

REFUSED = [
    ("http://127.0.0.1:18999\\@qyapi.weixin.qq.com/cgi-bin/webhook/send?key=x", "反斜杠"),
    ("https://qyapi.weixin.qq.com\\@evil.example.com/cgi-bin/webhook/send?key=x", "反斜杠"),
    ("https://127.0.0.1:18999@qyapi.weixin.qq.com/cgi-bin/webhook/send?key=x", "用户名或密码"),
    ("https://user:pw@qyapi.weixin.qq.com/cgi-bin/webhook/send?key=x", "用户名或密码"),
    ("https://qyapi.weixin.qq.com%2f@evil.example.com/cgi-bin/webhook/send?key=x",
     "用户名或密码"),
    ("http://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=x", "必须以 https:// 开头"),
    ("ftp://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=x", "必须以 https:// 开头"),
    ("gopher://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=x", "必须以 https:// 开头"),
    ("https://qyapi.weixin.qq.com:8443/cgi-bin/webhook/send?key=x", "443"),
    ("https://qyapi.weixin.qq.com:80/cgi-bin/webhook/send?key=x", "443"),
    ("https://qyapi.weixin.qq.com:443:80/cgi-bin/webhook/send?key=x", "不是一个有效的网址"),
    ("https://evil.example.com/cgi-bin/webhook/send?key=x", "必须指向 qyapi.weixin.qq.com"),
    ("https://qyapi.weixin.qq.com.evil.com/cgi-bin/webhook/send?key=x", "必须指向"),
    ("https://evilqyapi.weixin.qq.com/cgi-bin/webhook/send?key=x", "必须指向"),
    ("https://x.qyapi.weixin.qq.com/cgi-bin/webhook/send?key=x", "必须指向"),
    ("https://qyapi.weixin.qq.com./cgi-bin/webhook/send?key=x", "必须指向"),
    ("https://qyapi.weixin.qq.c\u03bfm/cgi-bin/webhook/send?key=x", "必须指向"),  # Greek ο
    ("https://127.0.0.1/cgi-bin/webhook/send?key=x", "不能使用 IP 地址"),
    ("https://169.254.169.254/cgi-bin/webhook/send?key=x", "不能使用 IP 地址"),
    ("https://[::1]/cgi-bin/webhook/send?key=x", "不能使用 IP 地址"),
    ("https://[::ffff:127.0.0.1]/cgi-bin/webhook/send?key=x", "不能使用 IP 地址"),
    ("https://2130706433/cgi-bin/webhook/send?key=x", "必须指向"),
    ("https://qyapi.weixin.qq.com/robot/send?access_token=x", "/cgi-bin/webhook/send"),
    ("https://qyapi.weixin.qq.com/cgi-bin/webhook/send/../../x?key=x", "歧义"),
    ("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=x&url=http://127.0.0.1/",
     "?key="),
    ("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?token=x", "?key="),
    ("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=", "?key="),
    ("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=x#y", "锚点"),
    ("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=x y", "空格或控制字符"),
    ("https://qyapi.weixin.qq.com\t/cgi-bin/webhook/send?key=x", "空格或控制字符"),
    ("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=x\r\nHost: evil", "空格或控制字符"),
    ("https://qyapi.weixin.qq.com\u202e/cgi-bin/webhook/send?key=x", "空格或控制字符"),
    ("//qyapi.weixin.qq.com/cgi-bin/webhook/send?key=x", "不是一个有效的网址"),
]


@pytest.mark.parametrize("url, reason", REFUSED)
def test_it_refuses_a_webhook_that_could_lead_elsewhere(url, reason):
    with pytest.raises(ValidationError) as refused:
        webhooks.normalise(url, "wecom")
    assert reason in " ".join(refused.value.messages)


def test_it_refuses_a_dingtalk_robot_on_the_wecom_path():
    with pytest.raises(ValidationError, match="/robot/send"):
        webhooks.normalise("https://oapi.dingtalk.com/cgi-bin/webhook/send?key=x", "dingtalk")


@pytest.mark.parametrize("url, normal", [
    (WECOM, WECOM),
    (DINGTALK, DINGTALK),
    ("https://QYAPI.Weixin.QQ.com/cgi-bin/webhook/send?key=Ab-1",
     "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=Ab-1"),
    ("HTTPS://oapi.dingtalk.com:443/robot/send?access_token=ab",
     "https://oapi.dingtalk.com/robot/send?access_token=ab"),
])
def test_it_accepts_the_providers_own_webhooks_in_one_normal_form(url, normal):
    assert webhooks.normalise(url) == normal


def test_an_allowed_international_host_is_stored_in_its_idna_form(settings):
    settings.WUXING_ROBOT_HOSTS = ["机器人.example.cn"]
    assert webhooks.normalise("https://机器人.EXAMPLE.cn/robot/send?access_token=t") == (
        "https://xn--gmqz0qc7o.example.cn/robot/send?access_token=t")
    with pytest.raises(ValidationError, match="必须指向 xn--gmqz0qc7o.example.cn"):
        webhooks.normalise("https://机器入.example.cn/robot/send?access_token=t")


def test_the_model_stores_the_normal_form():
    robot = GroupRobot(kind=Channel.WECOM,
                       webhook_url="https://QYAPI.weixin.qq.com:443/cgi-bin/webhook/send?key=k")
    robot.clean_fields(exclude=["group"])
    robot.clean()
    assert robot.webhook_url == "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k"


# --- The form ----------------------------------------------------------------------------

@pytest.mark.parametrize("url, reason", [
    (REFUSED[0][0], "反斜杠"),
    ("http://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=x", "https://"),
    ("https://qyapi.weixin.qq.com:8443/cgi-bin/webhook/send?key=x", "443"),
    ("ftp://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=x", "https://"),
    ("https://qyapi.weixin.qq.com.evil.com/cgi-bin/webhook/send?key=x", "必须指向"),
    ("https://127.0.0.1/cgi-bin/webhook/send?key=x", "IP 地址"),
    ("https://qyapi.weixin.qq.com/robot/send?access_token=x", "路径应为"),
])
def test_the_robot_form_refuses_a_bad_webhook_in_chinese_and_saves_nothing(
        client, leader_a, group, url, reason):
    client.force_login(leader_a)
    response = client.post(robots_url(group), {"kind": "wecom", "webhook_url": url,
                                               "enabled": "on"})
    page = response.content.decode()
    assert response.status_code == 200 and reason in page and "is-invalid" in page
    assert "The webhook" not in page  # the reason is in Chinese
    assert not GroupRobot.objects.exists()
    assert not AuditEvent.objects.filter(kind="settings").exists()


def test_the_robot_form_stores_the_normalised_webhook(client, leader_a, group):
    client.force_login(leader_a)
    client.post(robots_url(group), {
        "kind": "dingtalk", "enabled": "on",
        "webhook_url": "  HTTPS://OAPI.DingTalk.com:443/robot/send?access_token=abc  "})
    assert GroupRobot.objects.get().webhook_url == (
        "https://oapi.dingtalk.com/robot/send?access_token=abc")


def test_replacing_a_robot_with_a_bad_webhook_keeps_the_stored_one(client, leader_a, group):
    GroupRobot.objects.create(group=group, kind=Channel.WECOM, webhook_url=WECOM)
    client.force_login(leader_a)
    client.post(robots_url(group), {"kind": "wecom", "enabled": "on",
                                    "webhook_url": REFUSED[0][0]})
    assert GroupRobot.objects.get().webhook_url == WECOM


# --- The sender --------------------------------------------------------------------------

ROBOT_HOSTS = (WECOM_HOST, "oapi.dingtalk.com")


def resolving_to(monkeypatch, *answers):
    """The robot hosts resolve to answers[0] (an address or a tuple of them), the next
    lookup to answers[1] and so on, the last one repeating. Returns the lookups made."""
    lookups = []
    real = socket.getaddrinfo

    def fake(host, port, *args, **kwargs):
        if host not in ROBOT_HOSTS:
            return real(host, port, *args, **kwargs)
        answer = answers[min(len(lookups), len(answers) - 1)]
        lookups.append(host)
        return [(socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM,
                 socket.IPPROTO_TCP, "", (a, port))
                for a in (answer if isinstance(answer, tuple) else (answer,))]

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    return lookups


INTERNAL = ["127.0.0.1", "127.8.9.10", "10.1.2.3", "172.16.0.1", "192.168.1.1",
            "169.254.169.254", "100.64.0.1", "0.0.0.0", "224.0.0.1", "255.255.255.255",
            "::1", "::", "fe80::1", "fc00::1", "ff02::1", "::ffff:127.0.0.1",
            "::ffff:10.0.0.1", "64:ff9b::a9fe:a9fe", "2002:7f00:1::1", "2001:db8::1"]


@pytest.mark.parametrize("address", INTERNAL)
def test_the_sender_refuses_a_host_that_resolves_to_an_internal_address(
        monkeypatch, connections, address):
    resolving_to(monkeypatch, address)
    with pytest.raises(webhooks.WebhookRefused, match="non-public"):
        webhooks.post(WECOM, "wecom", {"msgtype": "text"})
    assert connections == []


def test_one_internal_address_among_public_ones_is_enough_to_refuse(monkeypatch, connections):
    resolving_to(monkeypatch, (PUBLIC_IP, "10.0.0.7"))
    with pytest.raises(webhooks.WebhookRefused, match="10.0.0.7"):
        webhooks.post(WECOM, "wecom", {})
    assert connections == []


def test_a_delivery_to_a_host_resolving_to_loopback_fails_without_connecting(
        monkeypatch, connections, group):
    resolving_to(monkeypatch, "127.0.0.1")
    row = deliver_to(GroupRobot.objects.create(group=group, kind=Channel.WECOM,
                                               webhook_url=WECOM))
    assert row.status == DeliveryStatus.FAILED and "non-public" in row.last_error
    assert connections == []


def test_the_sender_connects_only_to_the_address_it_checked(monkeypatch, connections):
    # DNS rebinding: a public answer for the check, loopback for any later lookup.
    lookups = resolving_to(monkeypatch, PUBLIC_IP, "127.0.0.1")
    with pytest.raises(requests.ConnectionError):
        webhooks.post(WECOM, "wecom", {})
    assert lookups == [WECOM_HOST] and connections == [(PUBLIC_IP, 443)]


def test_the_pinned_connection_keeps_the_host_name_for_tls():
    adapter = webhooks.session_for(WECOM_HOST, PUBLIC_IP).get_adapter(WECOM)
    request = requests.Request("POST", WECOM, json={}).prepare()
    pool = adapter.get_connection_with_tls_context(request, verify=True)
    assert (pool.host, pool.port) == (PUBLIC_IP, 443)
    assert pool.conn_kw["server_hostname"] == WECOM_HOST
    assert pool.assert_hostname == WECOM_HOST and pool.cert_reqs == "CERT_REQUIRED"
    adapter.add_headers(request)
    assert request.headers["Host"] == WECOM_HOST


def test_the_pinned_adapter_refuses_another_host_or_plain_http():
    session = webhooks.session_for(WECOM_HOST, PUBLIC_IP)
    with pytest.raises(webhooks.WebhookRefused, match="not the checked host"):
        session.post("https://evil.example.com/", json={})
    with pytest.raises(webhooks.WebhookRefused, match="only https"):
        session.post("http://127.0.0.1:1/", json={})


def test_the_sender_ignores_proxies_from_the_environment(monkeypatch, webhook, group):
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")
    monkeypatch.setenv("ALL_PROXY", "http://127.0.0.1:9")
    row = deliver_to(GroupRobot.objects.create(group=group, kind=Channel.WECOM,
                                               webhook_url=webhook.wecom))
    assert row.status == DeliveryStatus.SENT


def test_a_webhook_not_stored_in_normal_form_is_not_called(group, webhook):
    robot = GroupRobot.objects.create(
        group=group, kind=Channel.WECOM,
        webhook_url="https://QYAPI.weixin.qq.com:443/cgi-bin/webhook/send?key=k")
    row = deliver_to(robot)
    assert row.status == DeliveryStatus.FAILED and "save it again" in row.last_error
    assert webhook.requests == []


def test_a_delivery_goes_to_the_checked_public_address_under_the_host_name(
        star_groups, missing, village_a, webhook):
    industry = star_groups[StarCode.INDUSTRY]
    missing.set(industry, [(village_a, Status.MISSING)])
    GroupRobot.objects.create(group=industry, kind=Channel.WECOM, webhook_url=webhook.wecom)
    run_dispatch(date(2026, 12, 6))
    [request] = webhook.requests
    assert request["host"] == WECOM_HOST and request["path"] == "/cgi-bin/webhook/send"
    [connection] = webhook.connections
    assert (connection["host"], connection["port"]) == (PUBLIC_IP, 443)
    assert connection["server_hostname"] == connection["assert_hostname"] == WECOM_HOST


def test_a_redirect_from_the_robot_is_not_followed(group, webhook, listener):
    webhook.answer(302, {}, headers={
        "Location": f"http://127.0.0.1:{listener.port}/cgi-bin/webhook/send?key=k"})
    row = deliver_to(GroupRobot.objects.create(group=group, kind=Channel.WECOM,
                                               webhook_url=webhook.wecom))
    assert row.status == DeliveryStatus.FAILED and "redirects are not followed" in row.last_error
    assert len(webhook.requests) == 1 and listener.received == []


# --- TLS through the pinned address, against a local server with a test CA ----------------

def _openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture(scope="module")
def certificates(tmp_path_factory):
    need_service(which("openssl") is not None, "the TLS test needs the openssl command")
    folder = tmp_path_factory.mktemp("tls")
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
             "/CN=Test CA", "-keyout", "ca.key", "-out", "ca.pem", cwd=folder)
    for name in (WECOM_HOST, "evil.example.com"):
        _openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={name}",
                 "-keyout", f"{name}.key", "-out", f"{name}.csr", cwd=folder)
        (folder / f"{name}.ext").write_text(f"subjectAltName=DNS:{name}\n")
        _openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
                 "-CAcreateserial", "-days", "2", "-extfile", f"{name}.ext",
                 "-out", f"{name}.pem", cwd=folder)
    return folder


@pytest.fixture
def tls_server(certificates):
    def start(name: str):
        seen = {"sni": [], "hosts": []}

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                seen["hosts"].append(self.headers.get("Host"))
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args):
                pass

        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(Path(certificates, f"{name}.pem"),
                                Path(certificates, f"{name}.key"))
        context.sni_callback = lambda sock, server_name, ctx: seen["sni"].append(server_name)
        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.socket = context.wrap_socket(server.socket, server_side=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return server.server_address[1], seen

    servers = []
    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def test_tls_to_the_pinned_address_checks_the_certificate_of_the_host_name(
        tls_server, certificates):
    port, seen = tls_server(WECOM_HOST)
    with webhooks.session_for(WECOM_HOST, "127.0.0.1", port) as session:
        response = session.post(WECOM, json={}, verify=str(certificates / "ca.pem"))
    assert response.status_code == 200
    assert seen == {"sni": [WECOM_HOST], "hosts": [WECOM_HOST]}


def test_tls_to_the_pinned_address_refuses_a_certificate_for_another_name(
        tls_server, certificates):
    port, seen = tls_server("evil.example.com")
    with (webhooks.session_for(WECOM_HOST, "127.0.0.1", port) as session,
          pytest.raises(requests.exceptions.SSLError)):
        session.post(WECOM, json={}, verify=str(certificates / "ca.pem"))
    assert seen["hosts"] == []
