"""The HTTP SMS gateway provider against a real HTTP server in this process: signing, retries,
rejections, and what a candidate sees when the gateway is down."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlmodel import Session, select
from temporalio.testing import ActivityEnvironment

from activities.sms import SmsActivities
from domain.errors import RefusedError
from domain.messages import Notification
from infra import sms_http
from infra.config import Settings
from infra.db import SmsCode, SmsMessage
from infra.otp import OtpService
from infra.sms import build_sms_provider
from infra.sms_http import HttpSmsProvider, sign
from infra.sms_provider import SmsUnavailable
from ruji_cli.dev_procs import free_port

SECRET = "gateway-secret"
PHONE = "13912345678"


class Gateway:
    """An SMS platform stand-in: answers with the statuses it is told to, in order, then 200;
    refuses a bad signature with 401 like a real one would."""

    def __init__(self) -> None:
        self.script: list[int] = []
        self.received: list[dict] = []
        self.port = free_port()
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["content-length"]))
                stamp = self.headers["x-ruji-timestamp"]
                good = sign(SECRET, stamp, body) == self.headers["x-ruji-signature"]
                fresh = abs(time.time() - int(stamp)) < 300
                status = gateway.script.pop(0) if gateway.script else 200
                if not (good and fresh):
                    status = 401
                gateway.received.append(
                    {"status": status, "body": json.loads(body), "headers": dict(self.headers)}
                )
                self.send_response(status)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *_args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/sms/send"


@pytest.fixture
def gateway():
    server = Gateway()
    yield server
    server.server.shutdown()


@pytest.fixture(autouse=True)
def quick_retries(monkeypatch):
    monkeypatch.setattr(sms_http, "BACKOFF_S", (0.0, 0.0))


def test_a_signed_message_is_accepted_with_its_idempotency_key(gateway):
    HttpSmsProvider(gateway.url, SECRET).send(PHONE, "【湖南自考】审核通过", "enroll-1:approved")
    [call] = gateway.received
    assert call["status"] == 200
    assert call["body"] == {
        "phone": PHONE,
        "text": "【湖南自考】审核通过",
        "key": "enroll-1:approved",
    }
    assert call["headers"]["idempotency-key"] == "enroll-1:approved"


def test_a_wrong_secret_is_refused_by_the_gateway_and_not_retried(gateway):
    with pytest.raises(RefusedError) as refused:
        HttpSmsProvider(gateway.url, "not-the-secret").send(PHONE, "x", "k")
    assert refused.value.refusal.code == "SMS_REJECTED" and refused.value.refusal.measured == 401
    assert len(gateway.received) == 1


def test_a_blip_is_absorbed_by_quick_retries(gateway):
    gateway.script = [503, 429]
    HttpSmsProvider(gateway.url, SECRET).send(PHONE, "x", "k")
    assert [c["status"] for c in gateway.received] == [503, 429, 200]


def test_an_outage_is_unavailable_after_three_tries(gateway):
    gateway.script = [500, 502, 503, 200]
    with pytest.raises(SmsUnavailable):
        HttpSmsProvider(gateway.url, SECRET).send(PHONE, "x", "k")
    assert len(gateway.received) == 3


def test_no_gateway_listening_is_unavailable():
    with pytest.raises(SmsUnavailable, match="ConnectError"):
        HttpSmsProvider(f"http://127.0.0.1:{free_port()}/sms", SECRET).send(PHONE, "x", "k")


def test_a_code_not_sent_does_not_count_and_the_candidate_can_ask_again(gateway, any_engine):
    service = OtpService(any_engine, HttpSmsProvider(gateway.url, SECRET), "otp-secret")
    gateway.script = [503, 503, 503]
    with pytest.raises(RefusedError) as refused:
        service.send_code(PHONE, "10.0.0.1")
    assert refused.value.refusal.code == "SMS_UNAVAILABLE"
    assert refused.value.refusal.message == "短信服务暂不可用，请稍后再试"
    with Session(any_engine) as s:
        assert s.exec(select(SmsCode)).all() == []  # no cooldown, no daily-cap count
        assert s.exec(select(SmsMessage)).all() == []

    assert service.send_code(PHONE, "10.0.0.1") == 60  # at once, no SMS_COOLDOWN
    sent = gateway.received[-1]["body"]
    assert sent["phone"] == PHONE and "验证码是" in sent["text"]
    gateway.script = [400]
    with pytest.raises(RefusedError) as refused:
        service.send_code("13900000000", "10.0.0.1")
    assert refused.value.refusal.code == "SMS_REJECTED"


def test_an_undeliverable_notification_does_not_fail_the_activity(gateway, any_engine):
    provider = HttpSmsProvider(gateway.url, SECRET)
    activities = SmsActivities(any_engine, provider, OtpService(any_engine, provider, "s"))
    note = Notification(
        workflow_id="enroll-x", event="approved", phone=PHONE, phone_hash="h", text="审核通过"
    )
    gateway.script = [400]
    assert ActivityEnvironment().run(activities.notify_candidate, note) is False
    gateway.script = [503, 503, 503]
    with pytest.raises(SmsUnavailable):  # the activity fails this attempt; Temporal retries it
        ActivityEnvironment().run(activities.notify_candidate, note)
    assert ActivityEnvironment().run(activities.notify_candidate, note) is True
    assert ActivityEnvironment().run(activities.notify_candidate, note) is False  # sent once


def test_settings_choose_the_provider_and_refuse_an_incomplete_http_one():
    chosen = build_sms_provider(
        Settings(sms_provider="http", sms_http_url="http://sms.local/send", sms_http_secret="s")
    )
    assert isinstance(chosen, HttpSmsProvider) and chosen.url == "http://sms.local/send"
    with pytest.raises(ValueError, match="RUJI_SMS_HTTP_URL"):
        Settings(sms_provider="http", sms_http_url="http://sms.local/send")
