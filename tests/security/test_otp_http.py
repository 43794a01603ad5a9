"""OTP limits as a returning candidate meets them over HTTP: 429 with the code, and the locked
code stays locked even when the right one is finally typed. (The limits themselves are tested in
tests/infra/test_otp.py; registration's cooldown over HTTP in tests/api/test_http_flow.py.)"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, select

from domain import otp
from domain.ids import keyed_hash
from infra.db import Application, SmsCode
from tests.api.server import seed
from tests.security.stack import running_stack
from tests.workflows.harness import SECRET

PHONE = "13655550001"


def _application_for(engine, phone: str) -> None:
    with Session(engine) as s:
        s.add(
            Application(
                workflow_id=f"enroll-2026-2-{phone}",
                period_id="2026-2",
                status="DRAFT",
                id_hash="0" * 64,
                phone_hash=keyed_hash(SECRET, phone),
            )
        )
        s.commit()


def _age_codes(engine, minutes: int) -> None:
    with Session(engine) as s:
        for row in s.exec(select(SmsCode)):
            row.created_at = row.created_at - timedelta(minutes=minutes)
            s.add(row)
        s.commit()


@pytest.fixture
async def api(engine, tmp_path):
    seed(engine, "2026-2")
    _application_for(engine, PHONE)
    # the in-memory per-phone throttle (tests/security/test_identity_probes_http.py) set aside:
    # these tests reach the limits kept in the database
    async with running_stack(None, engine, tmp_path, probe_limit_per_phone=100) as (
        http,
        _settings,
        sms,
    ):
        yield http, sms


async def test_sixth_try_fails_even_with_the_right_code(api) -> None:
    http, sms = api
    assert (
        await http.post("/api/v1/candidate/login/code", json={"phone": PHONE})
    ).status_code == 200
    right = sms.last_code(PHONE)
    wrong = f"{(int(right) + 1) % 10**6:06d}"
    statuses = []
    for _ in range(otp.MAX_WRONG_TRIES):
        r = await http.post("/api/v1/candidate/login", json={"phone": PHONE, "code": wrong})
        statuses.append((r.status_code, r.json()["code"]))
    assert statuses == [(422, "SMS_CODE_WRONG")] * 4 + [(429, "SMS_CODE_LOCKED")]
    r = await http.post("/api/v1/candidate/login", json={"phone": PHONE, "code": right})
    assert (r.status_code, r.json()["code"]) == (429, "SMS_CODE_LOCKED")
    assert r.json()["message"] == "验证码错误次数过多，请重新获取"


async def test_resend_cooldown_and_daily_cap_per_phone(api, engine) -> None:
    http, _ = api
    assert (
        await http.post("/api/v1/candidate/login/code", json={"phone": PHONE})
    ).status_code == 200
    r = await http.post("/api/v1/candidate/login/code", json={"phone": PHONE})
    assert (r.status_code, r.json()["code"]) == (429, "SMS_COOLDOWN")
    assert 0 < r.json()["measured"] <= 60  # seconds left, for the button's countdown
    for _ in range(otp.DAILY_CAP_PER_PHONE - 1):
        _age_codes(engine, minutes=2)
        r = await http.post("/api/v1/candidate/login/code", json={"phone": PHONE})
        assert r.status_code == 200, r.text
    _age_codes(engine, minutes=2)
    r = await http.post("/api/v1/candidate/login/code", json={"phone": PHONE})
    assert (r.status_code, r.json()["code"]) == (429, "SMS_DAILY_CAP")


async def test_daily_cap_per_client_ip(api, engine) -> None:
    http, _ = api
    now = datetime.now(UTC)
    with Session(engine) as s:  # other phones already asked from this address today
        for i in range(otp.DAILY_CAP_PER_IP):
            s.add(
                SmsCode(
                    phone_hash=keyed_hash(SECRET, f"1360000{i:04d}"),
                    client_ip="127.0.0.1",
                    code_hash="x",
                    created_at=now - timedelta(hours=1),
                    expires_at=now,
                )
            )
        s.commit()
    r = await http.post("/api/v1/candidate/login/code", json={"phone": PHONE})
    assert (r.status_code, r.json()["code"]) == (429, "SMS_DAILY_CAP")


async def test_another_spelling_of_the_phone_does_not_escape_its_cooldown(api) -> None:
    """Python's `\\d` takes every script's decimal digits and `$` matches before a final newline:
    each spelling was a phone of its own to the limits (another keyed hash), while a gateway
    that normalises digits texts the same handset — an SMS bomb past the cooldown and daily cap."""
    http, sms = api
    assert (
        await http.post("/api/v1/candidate/login/code", json={"phone": PHONE})
    ).status_code == 200
    fullwidth = "".join(chr(0xFF10 + int(d)) for d in PHONE[2:])
    arabic = "".join(chr(0x0660 + int(d)) for d in PHONE[2:])
    for spelling in (PHONE + "\n", PHONE[:2] + fullwidth, PHONE[:2] + arabic):
        r = await http.post("/api/v1/candidate/login/code", json={"phone": spelling})
        assert (r.status_code, r.json()["code"]) == (422, "PHONE_INVALID"), (spelling, r.text)
    assert len(sms.sent) == 1
