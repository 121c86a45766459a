"""The one home of what a group robot's webhook may be and how it is called.

A webhook is an address a town leader types in and the server then calls: unchecked, it
lets anyone who may save a robot make the server send requests to itself or to the
internal network (SSRF). So:

- `normalise()` accepts only ``https://<allowed host>[:443]<the provider's path>?<its
  one token parameter>`` and rebuilds it from the checked parts. The address is parsed
  by the standard library, by urllib3 (what requests connects to) and through requests'
  own preparation; any disagreement between them is refused, so a trick such as
  ``http://127.0.0.1:1\\@qyapi.weixin.qq.com/`` (one parser reads the host as
  qyapi.weixin.qq.com, the HTTP client as 127.0.0.1) cannot pass. The model field, the
  model's clean(), the form and the sender all go through it.
- `post()` calls only a stored address that is already in normal form, resolves the
  host, refuses it unless every address it resolves to is public, and then connects to
  that checked address itself (the TLS name and certificate are still checked against
  the host name), so DNS cannot change the target between the check and the connection.
  Redirects are not followed, and no proxy or .netrc from the environment is used.
"""

from __future__ import annotations

import ipaddress
import socket
import string
from dataclasses import dataclass
from typing import NoReturn
from urllib.parse import parse_qsl, urlsplit

import idna
import requests
import urllib3
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from requests.adapters import HTTPAdapter

HTTPS_PORT = 443
TOKEN_CHARS = frozenset(string.ascii_letters + string.digits + "-._~")
MAX_TOKEN = 200


@dataclass(frozen=True)
class Provider:
    label: str
    path: str
    token: str  # the one query parameter of the webhook: the robot's key


# Keys are the robot kinds (models.Channel.WECOM / DINGTALK; plain strings here so that
# models.py can import this module).
PROVIDERS: dict[str, Provider] = {
    "wecom": Provider(_("WeCom"), "/cgi-bin/webhook/send", "key"),
    "dingtalk": Provider(_("DingTalk"), "/robot/send", "access_token"),
}


class WebhookRefused(Exception):  # noqa: N818 (a refusal, raised by the sender)
    """The sender will not call this address (invalid, or not a public address)."""


def allowed_hosts() -> list[str]:
    return [host for host in (_ascii_host(h) for h in settings.WUXING_ROBOT_HOSTS) if host]


def _ascii_host(host: str) -> str | None:
    """Lower-case IDNA (A-label) form of a host name, None if it is not a valid one."""
    try:
        return idna.encode(host.strip(), uts46=True, std3_rules=True).decode("ascii")
    except (idna.IDNAError, UnicodeError, ValueError):
        return None


def _refuse(message, **params) -> NoReturn:
    raise ValidationError(message, code="invalid_webhook", params=params or None)


def _check_characters(url: str) -> None:
    if "\\" in url:
        _refuse(_("The webhook may not contain a backslash (\\)."))
    if any(ch.isspace() or not ch.isprintable() or ord(ch) < 32 for ch in url):
        _refuse(_("The webhook may not contain spaces or control characters."))


def _host_key(host: str | None) -> str:
    # Compared in IDNA form (urllib3 encodes, urlsplit does not) and without the
    # brackets urllib3 keeps around an IPv6 literal.
    host = (host or "").strip("[]")
    return _ascii_host(host) or host.lower()


def _parsers_agree(url: str) -> tuple[str, str, int | None, str, str]:
    """(scheme, host, port, path, query) as read by all three parsers, or refused."""
    try:
        std = urlsplit(url)
        std_port = std.port
        client = urllib3.util.parse_url(url)
        prepared = requests.models.PreparedRequest()
        prepared.prepare_url(url, None)
        sent = urllib3.util.parse_url(prepared.url)
    except (ValueError, urllib3.exceptions.LocationParseError,
            requests.exceptions.RequestException):
        _refuse(_("This is not a valid web address."))
    if std.username is not None or std.password is not None or client.auth or sent.auth:
        _refuse(_("The webhook may not contain a user name or password (@)."))
    std_host = _host_key(std.hostname)
    readings = {
        (std.scheme.lower(), std_host, std_port, std.path, std.query, std.fragment),
        ((client.scheme or "").lower(), _host_key(client.host), client.port,
         client.path or "", client.query or "", client.fragment or ""),
    }
    if len(readings) != 1 or _host_key(sent.host) != std_host or sent.port != std_port:
        _refuse(_("The web address can be read in more than one way; copy it again "
                  "from the robot's settings."))
    if std.fragment:
        _refuse(_("The webhook may not contain a fragment (#)."))
    return std.scheme.lower(), std_host, std_port, std.path, std.query


def _check_host(host: str) -> str:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        pass
    else:
        _refuse(_("The webhook must use the robot's host name, not an IP address."))
    hosts = allowed_hosts()
    ascii_host = _ascii_host(host)
    if ascii_host is None or ascii_host not in hosts:
        _refuse(_("The webhook must point to %(hosts)s."), hosts="、".join(hosts))
    return ascii_host


def _provider(path: str, kind: str | None) -> Provider:
    if kind in PROVIDERS:
        provider = PROVIDERS[kind]
        if path != provider.path:
            _refuse(_("A %(provider)s robot's webhook has the path %(path)s."),
                    provider=provider.label, path=provider.path)
        return provider
    for provider in PROVIDERS.values():
        if path == provider.path:
            return provider
    _refuse(_("The webhook's path must be one of %(paths)s."),
            paths="、".join(p.path for p in PROVIDERS.values()))


def _token(query: str, provider: Provider) -> str:
    try:
        pairs = parse_qsl(query, keep_blank_values=True, strict_parsing=True)
    except ValueError:
        pairs = []
    if (len(pairs) != 1 or pairs[0][0] != provider.token or query != "=".join(pairs[0])
            or not 0 < len(pairs[0][1]) <= MAX_TOKEN or set(pairs[0][1]) - TOKEN_CHARS):
        _refuse(_("The webhook must end with ?%(param)s= and the robot's key, as copied "
                  "from the robot's settings."), param=provider.token)
    return pairs[0][1]


def normalise(url: str, kind: str | None = None) -> str:
    """The webhook in its one normal form, or ValidationError with the reason.

    `kind` ("wecom"/"dingtalk") pins the provider; without it (the model field's own
    validator) any known provider's path is accepted."""
    if not isinstance(url, str) or not url:
        _refuse(_("Enter the robot's webhook."))
    _check_characters(url)
    scheme, host, port, path, query = _parsers_agree(url)
    if scheme != "https":
        _refuse(_("The webhook must start with https://."))
    if port is not None and port != HTTPS_PORT:
        _refuse(_("The webhook must use the standard HTTPS port 443."))
    host = _check_host(host)
    provider = _provider(path, kind)
    token = _token(query, provider)
    return f"https://{host}{provider.path}?{provider.token}={token}"


def validate_webhook(url: str) -> None:
    """The model field's validator (the kind is checked by GroupRobot.clean())."""
    normalise(url)


# --- Calling ------------------------------------------------------------------------------

def _embedded_ipv4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """IPv4 addresses an IPv6 address leads to (mapped, 6to4, Teredo, NAT64)."""
    found = [ip.ipv4_mapped, ip.sixtofour]
    if ip.teredo:
        found.extend(ip.teredo)
    if ip in ipaddress.ip_network("64:ff9b::/96"):
        found.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    return [address for address in found if address is not None]


def is_public(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    bad = (ip.is_loopback or ip.is_private or ip.is_link_local or ip.is_reserved
           or ip.is_multicast or ip.is_unspecified or not ip.is_global)
    if bad:
        return False
    if ip.version == 6:
        return all(is_public(inner) for inner in _embedded_ipv4(ip))
    return True


def resolve_public(host: str, port: int = HTTPS_PORT) -> str:
    """The first address `host` resolves to, refused unless every address is public.

    One internal address among the answers is enough to refuse: a public host has no
    reason to resolve there, and the caller must not be steered by answer order."""
    try:
        answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM,
                                     proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError) as error:
        raise WebhookRefused(f"cannot resolve {host}: {error}") from None
    addresses = []
    for *_rest, sockaddr in answers:
        text = str(sockaddr[0]).split("%", 1)[0]
        try:
            addresses.append(ipaddress.ip_address(text))
        except ValueError:
            raise WebhookRefused(f"{host} resolved to {text!r}") from None
    if not addresses:
        raise WebhookRefused(f"{host} has no address")
    refused = [str(a) for a in addresses if not is_public(a)]
    if refused:
        raise WebhookRefused(f"{host} resolves to a non-public address {', '.join(refused)}")
    # IPv4 first: many servers have an IPv6 address but no IPv6 route.
    return str(min(addresses, key=lambda a: a.version))


class PinnedAdapter(HTTPAdapter):
    """Connects to one checked IP address while TLS (SNI and the certificate check) and
    the Host header use the host name, so a second DNS answer cannot change the target."""

    def __init__(self, host: str, ip: str, port: int = HTTPS_PORT, **kwargs):
        self.host, self.ip, self.port = host, ip, port
        super().__init__(max_retries=0, **kwargs)

    def build_connection_pool_key_attributes(self, request, verify, cert=None):
        host_params, pool_kwargs = super().build_connection_pool_key_attributes(
            request, verify, cert)
        if host_params["scheme"] != "https" or (host_params["host"] or "") != self.host:
            raise WebhookRefused(f"not the checked host: {request.url}")
        host_params = {**host_params, "host": self.ip, "port": self.port}
        pool_kwargs = {**pool_kwargs, "server_hostname": self.host,
                       "assert_hostname": self.host}
        return host_params, pool_kwargs

    def add_headers(self, request, **kwargs):
        request.headers["Host"] = self.host


def session_for(host: str, ip: str, port: int = HTTPS_PORT) -> requests.Session:
    session = requests.Session()
    session.trust_env = False  # no proxy, .netrc or CA bundle from the environment
    session.mount("https://", PinnedAdapter(host, ip, port))
    session.mount("http://", _Refusing())
    return session


class _Refusing(HTTPAdapter):
    def send(self, request, *args, **kwargs):
        raise WebhookRefused(f"only https is called: {request.url}")


def post(stored_url: str, kind: str, payload: dict, *, extra_query: str = "",
         timeout: float = 10) -> requests.Response:
    """POST `payload` as JSON to a robot's stored webhook.

    `extra_query` is added by the channel itself (DingTalk's timestamp and signature)."""
    try:
        url = normalise(stored_url, kind)
    except ValidationError as error:
        raise WebhookRefused(f"invalid stored webhook: {' '.join(error.messages)}") from None
    if url != stored_url:
        # Only what was checked and stored is called: an older row is saved again first.
        raise WebhookRefused("the stored webhook is not in normal form; save it again")
    host = urlsplit(url).hostname
    ip = resolve_public(host)
    if extra_query:
        url = f"{url}&{extra_query}"
    with session_for(host, ip) as session:
        response = session.post(url, json=payload, timeout=timeout, allow_redirects=False)
    if response.is_redirect or 300 <= response.status_code < 400:
        raise WebhookRefused(f"HTTP {response.status_code}: redirects are not followed")
    return response
