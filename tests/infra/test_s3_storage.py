"""S3ObjectStore over real HTTP: moto's S3 server on a loopback port, the client built by
`build_object_store` exactly as production builds it (boto3, standard retries)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import boto3
import httpx
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, EndpointConnectionError
from moto.server import ThreadedMotoServer

from infra.config import Settings
from infra.readiness import _storage
from infra.storage import ObjectNotFound, S3ObjectStore, build_object_store
from ruji_cli.dev_procs import free_port

BUCKET = "ruji-test"


@pytest.fixture(scope="module")
def s3_url() -> Iterator[str]:
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture(autouse=True)
def credentials(monkeypatch):
    """boto3 reads these from the environment, as in compose (.env.example)."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test-access")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test-secret")
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)


def s3_store(endpoint: str, bucket: str = BUCKET) -> S3ObjectStore:
    store = build_object_store(
        Settings(env="test", storage_backend="s3", s3_endpoint_url=endpoint, s3_bucket=bucket)
    )
    assert isinstance(store, S3ObjectStore)
    return store


@pytest.fixture(scope="module")
def bucket(s3_url) -> str:
    boto3.client(
        "s3",
        endpoint_url=s3_url,
        region_name="us-east-1",
        aws_access_key_id="test-access",
        aws_secret_access_key="test-secret",
    ).create_bucket(Bucket=BUCKET)
    return BUCKET


def test_put_get_exists_delete(s3_url, bucket):
    store = s3_store(s3_url)
    data = b"\xff\xd8\xff\xe0 a photo"

    meta = store.put("2026-2/app1/photo.jpg", data, "image/jpeg")

    assert meta.size == len(data) and len(meta.sha256) == 64
    assert store.get("2026-2/app1/photo.jpg") == data
    assert store.exists("2026-2/app1/photo.jpg")
    store.delete("2026-2/app1/photo.jpg")
    assert not store.exists("2026-2/app1/photo.jpg")
    with pytest.raises(ObjectNotFound):
        store.get("2026-2/app1/photo.jpg")
    with pytest.raises(ValueError, match="invalid object key"):
        store.put("../escape", data)


def test_usage_counts_the_bytes_under_one_application(s3_url, bucket):
    store = s3_store(s3_url)
    store.put("enroll-a/photo/1.jpg", b"x" * 100)
    store.put("enroll-a/id/front.jpg", b"x" * 20)
    store.put("enroll-ab/photo/1.jpg", b"x" * 7)  # another application, same leading letters
    assert store.usage("enroll-a") == 120
    assert store.usage("enroll-none") == 0


def test_presigned_url_is_fetchable_over_http(s3_url, bucket):
    store = s3_store(s3_url)
    store.put("a/id/front.jpg", b"front side", "image/jpeg")

    url = store.presigned_url("a/id/front.jpg", expires_s=60)

    assert "X-Amz-Signature=" in url or "Signature=" in url
    response = httpx.get(url)
    assert response.status_code == 200 and response.content == b"front side"
    assert response.headers["content-type"] == "image/jpeg"
    tampered = url.replace("a/id/front.jpg", "a/id/back.jpg")
    assert httpx.get(tampered).status_code in (403, 404)


def test_missing_bucket_is_a_clear_error(s3_url, bucket):
    store = s3_store(s3_url, bucket="no-such-bucket")

    with pytest.raises(ClientError) as err:
        store.put("a/photo.jpg", b"x")

    assert err.value.response["Error"]["Code"] == "NoSuchBucket"
    assert "no-such-bucket" in str(err.value) or "does not exist" in str(err.value)
    with pytest.raises(ClientError):  # what /readyz reports as `storage` failing
        _storage(store)


class FlakyProxy:
    """A TCP proxy that drops the first `fail_first` connections without answering (a reset
    load balancer, a restarting MinIO), then forwards to the real server."""

    def __init__(self, target_port: int, fail_first: int):
        self.target_port, self.fail_first = target_port, fail_first
        self.connections = 0
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            if self.connections <= self.fail_first:
                conn.recv(65536)  # read the request, then hang up without a response
                conn.close()
                continue
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            for src, dst in ((conn, upstream), (upstream, conn)):
                threading.Thread(target=self._pipe, args=(src, dst), daemon=True).start()

    @staticmethod
    def _pipe(src: socket.socket, dst: socket.socket) -> None:
        try:
            while chunk := src.recv(65536):
                dst.sendall(chunk)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def close(self) -> None:
        self.listener.close()


def test_a_dropped_connection_is_retried(s3_url, bucket):
    proxy = FlakyProxy(int(s3_url.rsplit(":", 1)[1]), fail_first=2)
    try:
        store = s3_store(f"http://127.0.0.1:{proxy.port}")

        store.put("retried/photo.jpg", b"arrives on the third try")

        assert proxy.connections == 3
        assert s3_store(s3_url).get("retried/photo.jpg") == b"arrives on the third try"
    finally:
        proxy.close()


def test_an_unreachable_endpoint_fails_clearly_after_retries():
    """Nothing listens: every attempt is refused, botocore retries, then names the endpoint.
    (botocore's `max_attempts` counts retries, not attempts: 2 retries = 3 sends.)"""
    port = free_port()
    attempts = []
    client = boto3.client(
        "s3",
        endpoint_url=f"http://127.0.0.1:{port}",
        region_name="us-east-1",
        config=Config(retries={"max_attempts": 2, "mode": "standard"}, connect_timeout=1),
    )
    client.meta.events.register("before-send.s3", lambda **kw: attempts.append(1))
    store = S3ObjectStore(BUCKET, client)

    with pytest.raises(EndpointConnectionError, match=f"127.0.0.1:{port}"):
        store.put("a/photo.jpg", b"x")

    assert len(attempts) == 3


def test_delete_prefix_removes_one_application_and_nothing_else(s3_url, bucket):
    store = s3_store(s3_url)
    for i in range(30):
        store.put(f"enroll-gone/att/{i:02d}.jpg", b"x" * 10)
    store.put("enroll-gone/photo/official.jpg", b"y")
    store.put("enroll-gone-not/photo/official.jpg", b"z")  # same leading letters, other case
    assert store.delete_prefix("enroll-gone") == 31
    assert store.usage("enroll-gone") == 0 and not store.exists("enroll-gone/photo/official.jpg")
    assert store.exists("enroll-gone-not/photo/official.jpg")
    assert store.delete_prefix("enroll-gone") == 0
