"""More of the guide's paths walked over HTTP on the real workflows: a returned case told by when
it must go in again, the submit screen's texts once the window and the review deadline passed, a
return the examiner aimed at something the candidate cannot change, and a registration code and
a login code of one phone alive side by side. Identities of area 430182 (宁乡市), which no other
test uses."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlmodel import Session

from domain.closeout import WindowClosedNotice
from domain.liveness import SHANGHAI
from infra.db import Period
from synthetic.forms import form_fields
from tests.api.server import jpeg_bytes
from tests.api.test_guide_paths_http import cooldown_passed, examiner_call, period_moved
from tests.security.stack import bearer, reach_draft, register, through_face, walked_stack
from tests.workflows.harness import valid_id_number
from workflows.enrollment import EnrollmentWorkflow

AREA = "430182"
#: RUJI_CLOSE_OUT_AFTER_DAYS's default: a returned case still waiting then is closed out
CLOSE_OUT_AFTER = timedelta(days=14)


def number(serial: int) -> str:
    return valid_id_number(serial, area=AREA)


def phone_of(serial: int) -> str:
    return f"1391820{serial:04d}"


@pytest.fixture(scope="module")
async def world(dev_env, tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("returned-paths")
    # every walk registers and logs in from the one test address: the per-address limit of
    # those routes (30 a window) is not what these walks are about
    stack = walked_stack(dev_env.client, tmp_path, probe_limit_per_ip=1000)
    async with stack as (http, sms, examiner, engine):
        yield http, sms, examiner, engine, dev_env.client


def review_deadline(engine) -> datetime:
    with Session(engine) as s:
        period = s.get(Period, "2026-2")
        assert period is not None
        return period.review_deadline.replace(tzinfo=UTC)


def beijing(at: datetime) -> str:
    return f"{at.astimezone(SHANGHAI):%Y年%m月%d日 %H:%M}"


async def returned_case(world, serial: int, items: list[dict]) -> tuple[str, dict]:
    """A 专科 candidate's case submitted, claimed and returned for `items`."""
    http, sms, examiner, _engine, _client = world
    app_id, me = await register(http, sms, number(serial), phone_of(serial))
    await reach_draft(http, me, number(serial), None)
    assert (await http.put("/api/v1/me/form", json=form_fields(), headers=me)).status_code == 200
    assert (await http.post("/api/v1/me/submit", headers=me)).status_code == 200
    assert (await examiner_call(http, examiner, app_id, "claim")).status_code == 200
    r = await examiner_call(http, examiner, app_id, "return", {"items": items})
    assert r.status_code == 200 and r.json()["state"] == "RETURNED", r.text
    return app_id, me


FORM_RETURN = [{"item": "form", "reason": "邮政编码有误"}]


async def test_a_returned_case_is_told_by_when_it_must_go_in_again(world):
    """Returned for changes, the candidate must know by when to resubmit: the case is closed
    if still returned at the period's close-out (the review deadline plus the days set for it).
    「我的考籍信息」 and the SMS name that date; an extended review deadline moves it."""
    http, sms, _examiner, engine, _client = world
    _app_id, me = await returned_case(world, 1, FORM_RETURN)
    closes_out = review_deadline(engine) + CLOSE_OUT_AFTER

    view = (await http.get("/api/v1/me", headers=me)).json()
    assert datetime.fromisoformat(view["resubmit_by"]) == closes_out, view
    assert beijing(closes_out) in view["resubmit_note"], view["resubmit_note"]
    assert "重新提交" in view["resubmit_note"]
    told = sms.sent[phone_of(1)][-1]
    assert "退回" in told and beijing(closes_out) in told, told

    later = review_deadline(engine) + timedelta(days=3)
    with period_moved(engine, "review_deadline", later):
        view = (await http.get("/api/v1/me", headers=me)).json()
    assert datetime.fromisoformat(view["resubmit_by"]) == later + CLOSE_OUT_AFTER, view


async def test_a_returned_case_is_told_the_close_out_its_period_was_created_with(world):
    """The period's workflow closes out by the distance it was created with; an operator who
    changes RUJI_CLOSE_OUT_AFTER_DAYS later changes new periods, not this one, so the candidate
    is told the date this period's workflow will act on, not today's setting."""
    http, _sms, _examiner, engine, _client = world
    _app_id, me = await returned_case(world, 11, FORM_RETURN)
    created_with = timedelta(days=5)
    with period_moved(engine, "close_out_after_s", int(created_with.total_seconds())):
        view = (await http.get("/api/v1/me", headers=me)).json()
    assert datetime.fromisoformat(view["resubmit_by"]) == review_deadline(engine) + created_with


async def test_the_submit_texts_follow_the_window_and_the_review_deadline(world):
    """The submit dialog said, whatever the date, 「审核开始前可…修改」 and 「准考证号在审核截止
    时间后生成」. A returned case resubmitted after the window closed may no longer change to a
    choice that needs more proofs, and one resubmitted after the review deadline gets its
    number only from a supplementary run: the texts say so then, and the dates before."""
    http, _sms, _examiner, engine, client = world
    app_id, me = await returned_case(world, 2, FORM_RETURN)
    view = (await http.get("/api/v1/me", headers=me)).json()
    note = view["submit_note"]
    assert beijing(review_deadline(engine)) in note and "审核开始前" in note, note

    closes_at = datetime.now(UTC) - timedelta(seconds=2)
    with (
        period_moved(engine, "closes_at", closes_at),
        period_moved(engine, "review_deadline", closes_at + timedelta(seconds=1)),
    ):
        notice = WindowClosedNotice(period_id="2026-2", closes_at=closes_at)
        await client.get_workflow_handle(app_id).signal(EnrollmentWorkflow.window_closed, notice)
        note = (await http.get("/api/v1/me", headers=me)).json()["submit_note"]
    assert "审核截止时间后生成" not in note and "另行生成" in note, note
    assert "入籍已截止" in note and "补充材料" in note, note


async def test_a_return_for_what_the_candidate_cannot_change_names_it_in_chinese(world):
    """An examiner who returns a case for 「学信网校验」 or 「其他」 is refused: the candidate could
    not act on it. The refusal names the items in Chinese (not `chsi`, `other`) and says what
    to do instead."""
    http, sms, examiner, _engine, _client = world
    app_id, me = await register(http, sms, number(3), phone_of(3))
    await reach_draft(http, me, number(3), None)
    assert (await http.put("/api/v1/me/form", json=form_fields(), headers=me)).status_code == 200
    assert (await http.post("/api/v1/me/submit", headers=me)).status_code == 200
    assert (await examiner_call(http, examiner, app_id, "claim")).status_code == 200
    items = [
        {"item": "chsi", "reason": "学信网未查询到学历"},
        {"item": "other", "reason": "请补充说明"},
        {"item": "NURSING_SECONDARY_DIPLOMA", "reason": "请上传护理中专毕业证"},
    ]
    r = await examiner_call(http, examiner, app_id, "return", {"items": items})
    assert (r.status_code, r.json()["code"]) == (422, "RETURN_ITEM_UNKNOWN"), r.text
    message = r.json()["message"]
    for raw in ("chsi", "other", "NURSING_SECONDARY_DIPLOMA"):
        assert raw not in message, message
    assert "学信网校验" in message and "其他" in message and "毕业证" in message, message
    assert "审核不通过" in message, message  # what to do instead
    assert r.json()["measured"] == [i["item"] for i in items]


async def login_code(http: httpx.AsyncClient, engine, phone: str) -> httpx.Response:
    cooldown_passed(engine)
    return await http.post("/api/v1/candidate/login/code", json={"phone": phone})


async def test_a_login_code_asked_meanwhile_does_not_void_the_registration_code(world):
    """Registered (code texted), the candidate asks for a login code in another tab, then types
    the registration's code where the registration asks for it: it still works, and so does
    the login code where the login asks."""
    http, sms, _examiner, engine, _client = world
    phone = phone_of(4)
    r = await http.post("/api/v1/candidate/register", json={"id_number": number(4), "phone": phone})
    assert r.status_code == 201, r.text
    app_id, registration_code = r.json()["application_id"], sms.last_code(phone)
    r = await http.post("/api/v1/candidate/login/code", json={"phone": phone})
    assert (r.status_code, r.json()["code"]) == (429, "SMS_COOLDOWN"), r.text
    assert "有效" in r.json()["message"], r.text  # the code just texted is the one to type
    assert (await login_code(http, engine, phone)).status_code == 200
    login = sms.last_code(phone)
    assert login != registration_code

    r = await http.post(
        "/api/v1/candidate/verify", json={"application_id": app_id, "code": registration_code}
    )
    assert r.status_code == 200 and r.json()["application"]["state"] == "ID_PENDING", r.text
    r = await http.post("/api/v1/candidate/login", json={"phone": phone, "code": login})
    assert r.status_code == 200 and r.json()["application"]["application_id"] == app_id, r.text
    assert (await http.get("/api/v1/me", headers=bearer(r.json()["token"]))).status_code == 200


async def test_a_registration_asked_meanwhile_does_not_void_the_login_code(world):
    """The reverse: a login code asked, then a registration on another tab (another ID number
    of the same phone, e.g. a relative's): the login code still logs in."""
    http, sms, _examiner, engine, _client = world
    phone = phone_of(5)
    await register(http, sms, number(5), phone)
    assert (await login_code(http, engine, phone)).status_code == 200
    login = sms.last_code(phone)
    cooldown_passed(engine)
    r = await http.post("/api/v1/candidate/register", json={"id_number": number(6), "phone": phone})
    assert r.status_code == 201 and sms.last_code(phone) != login, r.text

    r = await http.post("/api/v1/candidate/login", json={"phone": phone, "code": login})
    assert r.status_code == 200, r.text


async def test_wrong_tries_count_across_the_registration_and_the_login_code(world):
    """Two live codes give no more guesses: the five wrong tries are shared. Three wrong at the
    login and two at the registration lock both codes, the right ones included."""
    http, sms, _examiner, engine, _client = world
    phone = phone_of(7)
    r = await http.post("/api/v1/candidate/register", json={"id_number": number(7), "phone": phone})
    app_id, registration_code = r.json()["application_id"], sms.last_code(phone)
    assert (await login_code(http, engine, phone)).status_code == 200
    login = sms.last_code(phone)
    wrong = next(c for c in ("000000", "111111", "222222") if c not in (login, registration_code))

    for _ in range(3):
        r = await http.post("/api/v1/candidate/login", json={"phone": phone, "code": wrong})
        assert r.json()["code"] == "SMS_CODE_WRONG", r.text
    for _ in range(2):
        r = await http.post(
            "/api/v1/candidate/verify", json={"application_id": app_id, "code": wrong}
        )
        assert r.json()["code"] in ("SMS_CODE_WRONG", "SMS_CODE_LOCKED"), r.text
    assert r.json()["code"] == "SMS_CODE_LOCKED", r.text

    r = await http.post(
        "/api/v1/candidate/verify", json={"application_id": app_id, "code": registration_code}
    )
    assert r.json()["code"] == "SMS_CODE_LOCKED", r.text
    r = await http.post("/api/v1/candidate/login", json={"phone": phone, "code": login})
    assert r.json()["code"] == "SMS_CODE_LOCKED", r.text


async def test_a_registration_asked_again_is_told_whether_the_code_sent_can_still_be_typed(
    world,
):
    """Within the 60 s cooldown no new code is sent and the H5 said 「请查收」 — also when that
    code was locked by five wrong tries, so the candidate typed a dead code until the countdown
    ended. The answer now says whether it can still be typed."""
    http, sms, _examiner, _engine, _client = world
    phone, body = phone_of(12), {"id_number": number(12), "phone": phone_of(12)}
    r = await http.post("/api/v1/candidate/register", json=body)
    app_id, code = r.json()["application_id"], sms.last_code(phone)
    again = await http.post("/api/v1/candidate/register", json=body)
    assert (again.json()["new_code"], again.json()["code_live"]) == (False, True), again.text

    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        r = await http.post(
            "/api/v1/candidate/verify", json={"application_id": app_id, "code": wrong}
        )
    assert r.json()["code"] == "SMS_CODE_LOCKED", r.text
    again = await http.post("/api/v1/candidate/register", json=body)
    assert again.status_code == 201, again.text
    assert (again.json()["new_code"], again.json()["code_live"]) == (False, False), again.text
    assert 0 < again.json()["code_sent"]["resend_after_s"] <= 60


async def test_a_login_whose_answer_was_lost_is_let_in_on_its_retry(world):
    """The H5 sends a login whose answer a dropped connection lost once more, with the same
    Idempotency-Key: the code it consumed lets that retry in — not 「请先获取验证码」 behind the
    60 s cooldown. Only that retry: the same code under another key stays used."""
    http, sms, _examiner, engine, _client = world
    phone = phone_of(8)
    app_id, _me = await register(http, sms, number(8), phone)
    assert (await login_code(http, engine, phone)).status_code == 200
    code = sms.last_code(phone)
    body = {"phone": phone, "code": code}
    key = {"idempotency-key": "login-retry-0008"}

    first = await http.post("/api/v1/candidate/login", json=body, headers=key)
    assert first.status_code == 200, first.text
    retry = await http.post("/api/v1/candidate/login", json=body, headers=key)
    assert retry.status_code == 200 and retry.json()["application"]["application_id"] == app_id
    assert (await http.get("/api/v1/me", headers=bearer(retry.json()["token"]))).status_code == 200

    other = {"idempotency-key": "login-other-0008"}
    r = await http.post("/api/v1/candidate/login", json=body, headers=other)
    assert r.json()["code"] == "SMS_NO_CODE", r.text


async def test_a_face_answer_sent_again_after_it_passed_answers_where_the_case_stands(world):
    """The liveness frames are the largest upload, the one a weak network most often loses the
    reply of; the H5 then sends the answer once more. The check had passed and its challenge is
    spent: the retry answers the case as it stands (the notice is next), not 「请先开始人脸核验」,
    which sent the candidate back to a check he had passed. Nothing is judged or stored again."""
    http, sms, _examiner, _engine, _client = world
    _app_id, me = await register(http, sms, number(9), phone_of(9))
    r = await http.post("/api/v1/me/liveness/challenge", headers=me)  # before the face step
    assert r.json()["code"] == "STEP_NOT_REACHED", r.text
    first = await through_face(http, me, number(9), None)
    assert first.status_code == 200 and first.json()["state"] == "NOTICE_PENDING", first.text
    body = first.request.read()  # the same multipart body (nonce, frames), sent once more
    again = await http.post(
        "/api/v1/me/liveness",
        content=body,
        headers={**me, "content-type": first.request.headers["content-type"]},
    )
    assert again.status_code == 200, again.text
    assert (again.json()["state"], again.json()["face_passed"]) == ("NOTICE_PENDING", True)


async def test_a_submitted_case_put_back_to_its_steps_is_told_the_window_s_close(world):
    """A submitted 护理 case deletes its only nursing diploma (to replace it) while the window is
    open: it is a draft again, and a draft ends at the window's close — sooner than a return's
    close-out. The view (which the submit dialog asks for) says by when it must go in again."""
    http, sms, _examiner, engine, _client = world
    _app_id, me = await register(http, sms, number(10), phone_of(10))
    await reach_draft(http, me, number(10), None)
    form = form_fields(major="520201")
    assert (await http.put("/api/v1/me/form", json=form, headers=me)).status_code == 200
    files = {"file": ("d.jpg", jpeg_bytes(seed=110), "image/jpeg")}
    r = await http.post("/api/v1/me/attachments/NURSING_SECONDARY_DIPLOMA", files=files, headers=me)
    assert r.status_code == 200, r.text
    assert (await http.post("/api/v1/me/submit", headers=me)).json()["state"] == "SUBMITTED"
    [proof] = (await http.get("/api/v1/me/attachments", headers=me)).json()
    r = await http.delete(f"/api/v1/me/attachments/{proof['code']}/{proof['id']}", headers=me)
    assert r.json()["state"] == "DRAFT", r.text

    view = (await http.get("/api/v1/me", headers=me)).json()
    with Session(engine) as s:
        period = s.get(Period, "2026-2")
        assert period is not None
        closes_at = period.closes_at.replace(tzinfo=UTC)
    assert datetime.fromisoformat(view["resubmit_by"]) == closes_at, view
    assert beijing(closes_at) in view["resubmit_note"] and "失效" in view["resubmit_note"], view
