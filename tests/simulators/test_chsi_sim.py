"""The CHSI simulator over real HTTP, checked by our own gateway and callback verifier."""

from __future__ import annotations

import asyncio
import queue
import socket
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from io import BytesIO

import httpx
import pytest
import uvicorn
from fastapi import FastAPI, Request
from PIL import Image

from domain.chsi import (
    ChsiKind,
    ChsiOutcome,
    QrState,
    TokenRegistration,
    issue_token,
    redeem_token,
    subject_digest,
)
from domain.errors import RefusedError
from infra.chsi_gateway import CallbackVerifier, HttpChsiGateway, InMemoryNonceStore, qr_png
from simulators.chsi import create_app
from simulators.chsi_identities import IDENTITIES

SECRET = "sim-test-secret"
CALLBACK_WAIT = 10  # seconds; an upper bound on a local HTTP round trip, not a pause
_serial = iter(range(1, 10_000))


class _ThreadedServer(uvicorn.Server):
    """uvicorn on an already bound socket in a daemon thread; `ready` fires after startup."""

    def __init__(self, app: FastAPI):
        super().__init__(uvicorn.Config(app, log_level="warning", lifespan="on"))
        self.ready = threading.Event()
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.socket.getsockname()[1]}"

    async def startup(self, sockets=None):
        await super().startup(sockets=sockets)
        self.ready.set()

    def __enter__(self):
        self.thread = threading.Thread(target=self.run, kwargs={"sockets": [self.socket]})
        self.thread.start()
        assert self.ready.wait(CALLBACK_WAIT), "server did not start"
        return self

    def __exit__(self, *_):
        self.should_exit = True
        self.thread.join(CALLBACK_WAIT)


@pytest.fixture(scope="module")
def received() -> Iterator[tuple[str, queue.Queue]]:
    """Our stand-in callback endpoint: hands each (raw body, headers) to the test."""
    inbox: queue.Queue[tuple[bytes, dict[str, str]]] = queue.Queue()
    app = FastAPI()

    @app.post("/chsi/callback")
    async def callback(request: Request) -> dict[str, bool]:
        inbox.put((await request.body(), dict(request.headers)))
        return {"ok": True}

    with _ThreadedServer(app) as server:
        yield server.url + "/chsi/callback", inbox


@pytest.fixture(scope="module")
def simulator() -> Iterator[str]:
    with _ThreadedServer(create_app(secret=SECRET)) as server:
        yield server.url


@pytest.fixture
async def gateway(simulator):
    gateway = HttpChsiGateway(simulator)
    yield gateway
    await gateway.aclose()


async def _register(gateway, callback_url, *, kind=ChsiKind.XUELI, person="nurse", ttl=None):
    app_ref = f"enroll-test-{next(_serial)}"
    token = issue_token(
        kind, app_ref, now=datetime.now(UTC), entropy=next(_serial).to_bytes(16, "big")
    )
    if ttl is not None:
        token = token.model_copy(update={"expires_at": token.issued_at + ttl})
    await gateway.register_token(
        TokenRegistration(
            token=token.token, kind=kind, application_ref=app_ref, callback_url=callback_url,
            expires_at=token.expires_at,
            subject_digest=subject_digest(SECRET, IDENTITIES[person].id_number),
        )
    )  # fmt: skip
    return QrState(application_ref=app_ref).with_token(token), token


async def _scan(simulator, token, person):
    async with httpx.AsyncClient() as client:
        return await client.post(
            f"{simulator}/scan", json={"token": token.token, "identity_key": person}
        )


async def _next_callback(inbox: queue.Queue):
    return await asyncio.to_thread(inbox.get, timeout=CALLBACK_WAIT)


async def test_a_scan_sends_a_signed_callback_that_our_verifier_accepts(
    simulator, gateway, received
):
    callback_url, inbox = received
    state, token = await _register(gateway, callback_url)

    scan = await _scan(simulator, token, "nurse")
    assert scan.status_code == 200
    assert scan.json()["delivered"] is True

    body, headers = await _next_callback(inbox)
    verifier = CallbackVerifier(SECRET, InMemoryNonceStore())
    callback = await verifier.verify(body, headers, now=datetime.now(UTC))
    assert callback.outcome is ChsiOutcome.VERIFIED
    assert callback.record is not None
    assert (callback.record.school, callback.record.major_name) == ("长沙卫生职业学院", "护理")
    assert "*" in callback.record.id_number_masked
    assert IDENTITIES["nurse"].id_number not in body.decode()
    redemption = redeem_token(
        state, callback.token, callback.application_ref, scanned_at=callback.scanned_at
    )
    assert redemption.token.used_at is not None

    with pytest.raises(RefusedError) as replay:
        await verifier.verify(body, headers, now=datetime.now(UTC))
    assert replay.value.refusal.code == "CHSI_REPLAY"

    with pytest.raises(RefusedError) as forged:
        await CallbackVerifier("other-secret", InMemoryNonceStore()).verify(
            body, headers, now=datetime.now(UTC)
        )
    assert forged.value.refusal.code == "CHSI_BAD_SIGNATURE"


async def test_a_token_can_be_scanned_only_once(simulator, gateway, received):
    callback_url, inbox = received
    _, token = await _register(gateway, callback_url)
    assert (await _scan(simulator, token, "nurse")).status_code == 200
    await _next_callback(inbox)
    again = await _scan(simulator, token, "nurse")
    assert again.status_code == 409
    assert "刷新" in again.json()["detail"]


@pytest.mark.parametrize(
    ("kind", "registered_for", "scanned_by", "outcome"),
    [
        (ChsiKind.XUEJI, "student", "student", ChsiOutcome.VERIFIED),
        (ChsiKind.XUELI, "student", "student", ChsiOutcome.NO_RECORD),
        (ChsiKind.XUELI, "nobody", "nobody", ChsiOutcome.NO_RECORD),
        (ChsiKind.XUELI, "nurse", "clinical", ChsiOutcome.IDENTITY_MISMATCH),
    ],
)
async def test_the_callback_reports_what_chsi_knows(
    simulator, gateway, received, kind, registered_for, scanned_by, outcome
):
    callback_url, inbox = received
    _, token = await _register(gateway, callback_url, kind=kind, person=registered_for)
    assert (await _scan(simulator, token, scanned_by)).json()["outcome"] == outcome.value
    body, headers = await _next_callback(inbox)
    callback = await CallbackVerifier(SECRET, InMemoryNonceStore()).verify(
        body, headers, now=datetime.now(UTC)
    )
    assert (callback.token, callback.outcome) == (token.token, outcome)
    assert (callback.record is not None) == (outcome is ChsiOutcome.VERIFIED)


async def test_silent_mode_sends_nothing(simulator, gateway, received):
    callback_url, inbox = received
    _, silent = await _register(gateway, callback_url)
    _, answered = await _register(gateway, callback_url)
    async with httpx.AsyncClient() as client:
        put = await client.put(f"{simulator}/tokens/{silent.token}/mode", json={"mode": "silent"})
        assert put.status_code == 200

    scan = await _scan(simulator, silent, "nurse")
    assert scan.json() == {
        "token": silent.token, "outcome": "verified", "mode": "silent", "delivered": False,
        "callback_status": None,
    }  # fmt: skip
    # "now" mode delivers before it answers, so had the silent scan sent anything it would
    # already be queued ahead of this one
    await _scan(simulator, answered, "nurse")
    body, _ = await _next_callback(inbox)
    assert answered.token in body.decode() and silent.token not in body.decode()
    assert inbox.empty()


async def test_late_mode_answers_after_the_scan(simulator, gateway, received):
    callback_url, inbox = received
    _, token = await _register(gateway, callback_url)
    async with httpx.AsyncClient() as client:
        await client.put(
            f"{simulator}/tokens/{token.token}/mode", json={"mode": "late", "delay_seconds": 0.2}
        )
    scan = await _scan(simulator, token, "pharmacist")
    assert scan.status_code == 202 and scan.json()["delivered"] is False
    body, _ = await _next_callback(inbox)
    assert token.token in body.decode()


async def test_an_expired_token_cannot_be_scanned(simulator, gateway, received):
    callback_url, _ = received
    _, token = await _register(gateway, callback_url, ttl=timedelta(seconds=-1))
    assert (await _scan(simulator, token, "nurse")).status_code == 410


async def test_registration_is_idempotent_but_not_rewritable(simulator, gateway, received):
    callback_url, _ = received
    registration = TokenRegistration(
        token="xl_idempotent", kind=ChsiKind.XUELI, application_ref="enroll-test-a",
        callback_url=callback_url, expires_at=datetime.now(UTC) + timedelta(minutes=5),
        subject_digest="d",
    )  # fmt: skip
    await gateway.register_token(registration)
    await gateway.register_token(registration)
    with pytest.raises(ValueError, match="409"):
        await gateway.register_token(registration.model_copy(update={"application_ref": "b"}))


async def test_qr_code_is_a_png_of_the_scan_address(simulator, gateway):
    content = gateway.qr_content("xj_abc")
    assert content == f"{simulator}/q/xj_abc"
    image = Image.open(BytesIO(qr_png(content)))
    assert image.format == "PNG" and image.width == image.height > 100
