"""M2–M4: the candidate identity routes answer alike whether or not an ID number or a phone is
known, never reveal or text another person's phone, never land a phone login on an application
that phone did not verify, and throttle probing per client IP and per phone. Issue 15, item 5:
the owner of an ID number another phone registered first gets in from his own phone and takes
the number over by passing the ID card and face checks (before, his code was refused: he was
stuck for the period); the first phone's token then acts on nothing."""

from __future__ import annotations

import re

import pytest

from domain.identity_claims import ClaimRefusal
from domain.masking import mask_phone
from domain.messages import IDENTITY_TAKEN_OVER_SMS
from tests.api.test_http_flow import age_codes
from tests.security.stack import (
    api_only,
    register,
    running_stack,
    seeded_database,
    through_face,
)
from tests.workflows.harness import valid_id_number

HAN = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
async def world(dev_env, tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("probes")
    engine = seeded_database(tmp_path)
    # one client address for every test of the module: room for all of them within a minute
    # (the throttle itself is tested below, on a stack of its own)
    stack = running_stack(dev_env.client, engine, tmp_path, probe_limit_per_ip=100)
    async with stack as (http, _settings, sms):
        yield http, sms, engine


def _shape(body: dict) -> tuple:
    return (sorted(body), sorted(body["code_sent"]))


async def test_registering_someone_elses_id_number_answers_as_a_new_one(world) -> None:
    http, sms, engine = world
    owner_number, owner_phone = valid_id_number(701), "13722220001"
    await register(http, sms, owner_number, owner_phone)
    owner_texts = len(sms.sent[owner_phone])

    fresh = await http.post(
        "/api/v1/candidate/register",
        json={"id_number": valid_id_number(702), "phone": "13722220002"},
    )
    probe = await http.post(
        "/api/v1/candidate/register", json={"id_number": owner_number, "phone": "13722220003"}
    )
    assert (fresh.status_code, probe.status_code) == (201, 201), probe.text
    assert _shape(fresh.json()) == _shape(probe.json())
    # what the prober sees is his own phone, masked, and a code on it, as for a new number
    assert probe.json()["code_sent"]["phone_masked"] == mask_phone("13722220003")
    assert len(sms.sent["13722220003"]) == 1
    assert len(sms.sent[owner_phone]) == owner_texts  # the owner is not texted
    # his code opens an application of his own, as a new one would: a claim on the number that
    # wins only by passing the ID card and face checks (tests/workflows/test_identity_takeover.py)
    r = await http.post(
        "/api/v1/candidate/verify",
        json={
            "application_id": probe.json()["application_id"],
            "code": sms.last_code("13722220003"),
        },
    )
    assert r.status_code == 200, r.text
    mine = r.json()["application"]
    assert (mine["state"], mine["phone"]) == ("ID_PENDING", mask_phone("13722220003"))
    assert mine["application_id"] == probe.json()["application_id"]
    assert len(sms.sent[owner_phone]) == owner_texts


async def test_the_owner_gets_in_from_his_own_phone_and_takes_the_number_over(world) -> None:
    http, sms, engine = world
    number, squatter, owner = valid_id_number(801), "13722228001", "13722228002"
    squat_id, squat_me = await register(http, sms, number, squatter)

    owner_id, owner_me = await register(http, sms, number, owner)  # his code works now
    assert owner_id != squat_id
    face = await through_face(http, owner_me, number, "张三")
    assert face.status_code == 200 and face.json()["state"] == "NOTICE_PENDING", face.text

    seen_by_squatter = (await http.get("/api/v1/me", headers=squat_me)).json()
    assert seen_by_squatter["state"] == "SUPERSEDED"
    assert sms.sent[squatter][-1] == IDENTITY_TAKEN_OVER_SMS
    r = await http.post("/api/v1/me/notice/accept", headers=squat_me)
    assert (r.status_code, r.json()["code"]) == (409, "WRONG_STATE")
    r = await http.post("/api/v1/me/withdraw", headers=squat_me)
    assert (r.status_code, r.json()["code"]) == (409, "WRONG_STATE")

    # the owner's phone logs in to his application; the squatter's phone, registering the
    # number again, gets what a new registration gets and lands on neither application
    age_codes(engine, minutes=2)  # past the resend cooldown
    r = await http.post("/api/v1/candidate/login/code", json={"phone": owner})
    assert r.status_code == 200, r.text
    r = await http.post(
        "/api/v1/candidate/login", json={"phone": owner, "code": sms.last_code(owner)}
    )
    assert r.status_code == 200 and r.json()["application"]["application_id"] == owner_id
    again_id, again_me = await register(http, sms, number, squatter)
    assert again_id not in (squat_id, owner_id)
    mine = (await http.get("/api/v1/me", headers=again_me)).json()
    assert mine["state"] == "ID_PENDING" and mine["phone"] == "137****8001"


async def test_a_number_verified_by_its_holder_stays_with_the_holder(world) -> None:
    http, sms, _engine = world
    number, holder, other = valid_id_number(802), "13722228011", "13722228012"
    holder_id, holder_me = await register(http, sms, number, holder)
    assert (await through_face(http, holder_me, number, "张三")).status_code == 200
    before = (await http.get("/api/v1/me", headers=holder_me)).json()

    _claim_id, claim_me = await register(http, sms, number, other)
    face = await through_face(http, claim_me, number, "张三", face_seed=20)
    assert face.status_code == 409, face.text
    assert face.json()["code"] == ClaimRefusal.IDENTITY_VERIFIED_ELSEWHERE
    assert "携带身份证" in face.json()["message"]
    assert (await http.get("/api/v1/me", headers=claim_me)).json()["state"] == "SUPERSEDED"
    assert (await http.get("/api/v1/me", headers=holder_me)).json() == before


async def test_login_code_answers_alike_for_known_and_unknown_phones(world) -> None:
    http, sms, engine = world
    await register(http, sms, valid_id_number(711), "13722220011")
    known = await http.post("/api/v1/candidate/login/code", json={"phone": "13722220011"})
    unknown = await http.post("/api/v1/candidate/login/code", json={"phone": "13722220012"})
    # the known phone is still in its registration cooldown: wait for neither, compare shapes
    if known.status_code == 429:
        assert known.json()["code"] == "SMS_COOLDOWN"
    else:
        assert known.status_code == unknown.status_code == 200
    assert unknown.status_code == 200, unknown.text
    assert sorted(unknown.json()) == ["phone_masked", "resend_after_s"]
    assert len(sms.sent["13722220012"]) == 1  # the same SMS behaviour as for a known phone
    # the owner of an unknown phone learns there is nothing only after proving the phone
    r = await http.post(
        "/api/v1/candidate/login",
        json={"phone": "13722220012", "code": sms.last_code("13722220012")},
    )
    assert (r.status_code, r.json()["code"]) == (404, "APPLICATION_NOT_FOUND")
    r = await http.post("/api/v1/candidate/login", json={"phone": "13722220013", "code": "000000"})
    assert r.json()["code"] != "APPLICATION_NOT_FOUND"  # no probe without the phone's code


async def test_phone_login_never_lands_on_an_application_the_phone_did_not_verify(world) -> None:
    http, sms, engine = world
    victim_phone = "13722220021"
    victim_app, _ = await register(http, sms, valid_id_number(721), victim_phone)
    # the attacker registers a fresh ID number with the victim's phone and never verifies it
    r = await http.post(
        "/api/v1/candidate/register",
        json={"id_number": valid_id_number(722), "phone": victim_phone},
    )
    assert r.status_code in (201, 429), r.text
    age_codes(engine, minutes=2)
    r = await http.post("/api/v1/candidate/login/code", json={"phone": victim_phone})
    assert r.status_code == 200, r.text
    r = await http.post(
        "/api/v1/candidate/login", json={"phone": victim_phone, "code": sms.last_code(victim_phone)}
    )
    assert r.status_code == 200, r.text
    assert r.json()["application"]["application_id"] == victim_app


async def test_a_verify_key_read_from_the_history_opens_nothing_without_the_code(world) -> None:
    """The Idempotency-Key of a verification is the update's ID, readable by anyone who sees the
    case's history (Temporal Web UI, gRPC). Sent again with another code it must not be answered
    with the first verification's session; sent again with the same code (the phone's retry
    after a lost answer, the code now used up) it still is."""
    http, sms, _engine = world
    phone = "13722220031"
    r = await http.post(
        "/api/v1/candidate/register", json={"id_number": valid_id_number(731), "phone": phone}
    )
    app_id, code = r.json()["application_id"], sms.last_code(phone)
    key = {"Idempotency-Key": "0123456789abcdef0123456789abcdef"}
    verify = {"application_id": app_id, "code": code}
    first = await http.post("/api/v1/candidate/verify", json=verify, headers=key)
    assert first.status_code == 200, first.text

    guessed = f"{(int(code) + 1) % 10**6:06d}"
    stolen = await http.post(
        "/api/v1/candidate/verify", json={**verify, "code": guessed}, headers=key
    )
    assert stolen.status_code == 422 and "token" not in stolen.json(), stolen.text
    assert stolen.json()["code"] in ("SMS_NO_CODE", "SMS_CODE_WRONG")  # the code is used up

    retried = await http.post("/api/v1/candidate/verify", json=verify, headers=key)
    assert retried.status_code == 200, retried.text
    assert retried.json()["application"]["application_id"] == app_id


@pytest.fixture
async def tight(engine, tmp_path):
    async with api_only(engine, tmp_path, probe_limit_per_ip=6, probe_limit_per_phone=3) as http:
        yield http


def _assert_throttled(r) -> None:
    assert (r.status_code, r.json()["code"]) == (429, "TOO_MANY_REQUESTS"), r.text
    assert int(r.headers["retry-after"]) > 0
    assert HAN.search(r.json()["message"])


async def test_probing_many_phones_from_one_address_is_throttled(tight) -> None:
    http = tight
    answers = [
        await http.post("/api/v1/candidate/login/code", json={"phone": f"1373333{i:04d}"})
        for i in range(8)
    ]
    assert [r.status_code for r in answers[:6]] == [200] * 6
    _assert_throttled(answers[6])
    r = await http.post(
        "/api/v1/candidate/register", json={"id_number": "X" * 18, "phone": "13733339999"}
    )
    _assert_throttled(r)  # the budget is the address's, across the identity routes


async def test_guessing_codes_for_one_phone_is_throttled(tight) -> None:
    http = tight
    answers = [
        await http.post(
            "/api/v1/candidate/login", json={"phone": "13733330001", "code": f"{i:06d}"}
        )
        for i in range(4)
    ]
    assert all(r.status_code != 429 or r.json()["code"] != "TOO_MANY_REQUESTS" for r in answers[:3])
    _assert_throttled(answers[3])
    answers = [
        await http.post(
            "/api/v1/candidate/verify",
            json={"application_id": "enroll-2026-2-0123456789abcdef0123", "code": f"{i:06d}"},
        )
        for i in range(3)
    ]
    _assert_throttled(answers[2])
