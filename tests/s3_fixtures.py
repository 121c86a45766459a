"""A real S3-protocol server for the tests: moto's standalone server on 127.0.0.1.

`s3_server` starts it once per session at a free port (it needs moto[server], which
`make test` installs from requirements-dev.txt); without it the tests skip, and under
CI=true they fail. `s3_evidence` points the evidence storage at a fresh bucket of it
through WUXING_STORAGE_URL's own parser, exactly as an operator would configure it.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from dataclasses import dataclass

import pytest

from tests.conftest import need_service
from wuxing.uploads.storage import storage_backend

ACCESS_KEY, SECRET_KEY, REGION = "wuxing-test", "wuxing-test-secret", "cn-north-1"
START_TIMEOUT = 30.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture(scope="session")
def s3_server():
    """The endpoint URL of a moto S3 server started for this test session."""
    try:
        import boto3  # noqa: F401
        import moto.server  # noqa: F401
        import storages.backends.s3  # noqa: F401
    except ImportError as exc:
        need_service(False, f"an S3 test server needs moto[server] and django-storages[s3] "
                            f"(make test installs them): {exc}")
    port = _free_port()
    endpoint = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + START_TIMEOUT
    while not _answers(f"{endpoint}/moto-api/"):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            need_service(False, f"moto's S3 server did not start on {endpoint}")
        time.sleep(0.2)
    yield endpoint
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


@dataclass
class Bucket:
    client: object
    name: str
    prefix: str
    url: str

    def keys(self) -> set[str]:
        """Stored names (as FileFields hold them) of every object under the prefix."""
        listing = self.client.list_objects_v2(Bucket=self.name, Prefix=f"{self.prefix}/")
        return {item["Key"].removeprefix(f"{self.prefix}/")
                for item in listing.get("Contents", [])}

    def read(self, name: str) -> bytes:
        return self.client.get_object(Bucket=self.name,
                                      Key=f"{self.prefix}/{name}")["Body"].read()

    def delete(self, name: str) -> None:
        self.client.delete_object(Bucket=self.name, Key=f"{self.prefix}/{name}")


def s3_url(bucket: str, endpoint: str, *, credentials: bool = True,
           prefix: str = "wuxing") -> str:
    userinfo = f"{ACCESS_KEY}:{SECRET_KEY}@" if credentials else ""
    return f"s3://{userinfo}{bucket}/{prefix}?endpoint_url={endpoint}&region={REGION}"


@pytest.fixture
def s3_bucket(s3_server):
    """A fresh, empty bucket on the test server (nothing to clean between tests)."""
    import boto3
    client = boto3.client("s3", endpoint_url=s3_server, region_name=REGION,
                          aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY)
    name = f"evidence-{uuid.uuid4().hex[:12]}"
    client.create_bucket(Bucket=name,
                         CreateBucketConfiguration={"LocationConstraint": REGION})
    return Bucket(client, name, "wuxing", s3_url(name, s3_server))


@pytest.fixture
def s3_evidence(s3_bucket, settings):
    """Evidence stored in the test bucket, configured as by WUXING_STORAGE_URL."""
    settings.STORAGES = {**settings.STORAGES, "evidence": storage_backend(s3_bucket.url)}
    return s3_bucket
