"""WeCom and DingTalk stand-ins for tests: their servers are outside this machine.

`divert()` lets the robot sender run as in production (the stored webhook is checked,
its host resolved and the address checked, the connection pinned to it) and only at the
last step sends the pinned connection to a local HTTP server instead of the robot's
address. Any other connection that is not to this machine is refused, so a test can never
reach the outside.

Run as a module it starts a Celery worker with the diversion in place, for the
integration test that runs a real worker process:
``WUXING_TEST_WEBHOOK_PORT=… python -m tests.webhook_stub -A wuxing worker …``.
"""

from __future__ import annotations

import os
import socket
import sys

import urllib3.util.connection

from wuxing.notifications import webhooks

# What the robots' hosts "resolve" to here: a public address, so that the sender's
# address check passes; never connected to (the connection goes to the local server).
PUBLIC_IP = "1.2.3.4"
ROBOT_HOSTS = ("qyapi.weixin.qq.com", "oapi.dingtalk.com")
LOCAL = ("127.0.0.1", "::1", "localhost")


def divert(port: int, connections: list | None = None):
    """Divert robot calls to http://127.0.0.1:`port`; returns the function that undoes it.

    `connections` receives, per call, where the sender meant to connect and how."""
    real_getaddrinfo = socket.getaddrinfo
    real_create = urllib3.util.connection.create_connection
    real_attributes = webhooks.PinnedAdapter.build_connection_pool_key_attributes

    def getaddrinfo(host, *args, **kwargs):
        if host in ROBOT_HOSTS:
            return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "",
                     (PUBLIC_IP, 443))]
        return real_getaddrinfo(host, *args, **kwargs)

    def create_connection(address, *args, **kwargs):
        if address[0] not in LOCAL:
            raise OSError(f"tests never connect outside this machine ({address[0]})")
        return real_create(address, *args, **kwargs)

    def attributes(adapter, request, verify, cert=None):
        host_params, pool_kwargs = real_attributes(adapter, request, verify, cert)
        if connections is not None:
            connections.append({**host_params, **pool_kwargs})
        return {"scheme": "http", "host": "127.0.0.1", "port": port}, {}

    socket.getaddrinfo = getaddrinfo
    urllib3.util.connection.create_connection = create_connection
    webhooks.PinnedAdapter.build_connection_pool_key_attributes = attributes

    def undo():
        socket.getaddrinfo = real_getaddrinfo
        urllib3.util.connection.create_connection = real_create
        webhooks.PinnedAdapter.build_connection_pool_key_attributes = real_attributes
    return undo


if __name__ == "__main__":
    divert(int(os.environ["WUXING_TEST_WEBHOOK_PORT"]))
    from celery.__main__ import main
    sys.argv[0] = "celery"
    sys.exit(main())
