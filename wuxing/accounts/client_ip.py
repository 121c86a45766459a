"""The client's address, the one home for it (audit events, axes, the address throttle).

Behind nginx, REMOTE_ADDR is the proxy's. `WUXING_TRUSTED_PROXY_COUNT` says how many
proxies of our own stand in front of Django; each appends the address it saw to
X-Forwarded-For, so the client is the right-most entry none of them wrote, counted from
the right. Everything left of it came from the client and can be forged. With the
default 0 the header is never read: a client could otherwise pick its own address and
walk past every per-address limit.
"""

from __future__ import annotations

from django.conf import settings
from ipware import get_client_ip

_FORWARDED = ("HTTP_X_FORWARDED_FOR",)
_DIRECT = ("REMOTE_ADDR",)


def client_ip(request) -> str | None:
    """The client's address, computed once per request."""
    cached = getattr(request, "_wuxing_client_ip", None)
    if cached is None:
        cached = _resolve(request) or ""
        request._wuxing_client_ip = cached
    return cached or None


def _resolve(request) -> str | None:
    proxies = settings.WUXING_TRUSTED_PROXY_COUNT
    if proxies > 0:
        # ipware counts the proxies *inside* the header: the last of ours is REMOTE_ADDR,
        # so N trusted proxies wrote N entries and the client is entry -N. strict=False:
        # an entry too few (a request that did not come through every proxy) falls back to
        # REMOTE_ADDR, and forged garbage on the left is skipped without moving the right.
        ip, _routable = get_client_ip(request, proxy_order="left-most",
                                      proxy_count=proxies - 1,
                                      request_header_order=_FORWARDED, strict=False)
        if ip:
            return ip
    ip, _routable = get_client_ip(request, request_header_order=_DIRECT, strict=False)
    return ip or request.META.get("REMOTE_ADDR") or None
