"""No sign-in of an ended run reaches the next run at its workflow ID (docs/decisions.md, "A new
run at an ended seat ends its sign-ins", and its follow-up). Whether a run has ended was read
from the read model, which can lag behind Temporal (a withdrawal projected in the same
milliseconds as the next registration) or have forgotten the identity (the retention run scrubs
an ended row's identity hash). Identities of area 430124, which no other test module uses."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, select

from infra.db import Application
from infra.retention import run_retention
from infra.storage import LocalObjectStore
from tests.api.test_http_flow import age_codes
from tests.security.stack import register, running_stack, seeded_database
from tests.workflows.harness import valid_id_number

AREA = "430124"


@pytest.fixture(scope="module")
async def world(dev_env, tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("new-run")
    engine = seeded_database(tmp_path)
    stack = running_stack(
        dev_env.client, engine, tmp_path, probe_limit_per_ip=100, ended_sign_ins_poll_s=0
    )
    async with stack as (http, _settings, sms):
        yield http, sms, engine, tmp_path


def _row(engine, app_id: str) -> Application:
    with Session(engine) as s:
        return s.exec(select(Application).where(Application.workflow_id == app_id)).one()


def _shown_as(engine, app_id: str, status: str) -> None:
    """The row as it stood a moment before the withdrawal's projection landed."""
    with Session(engine) as s:
        row = s.exec(select(Application).where(Application.workflow_id == app_id)).one()
        row.status = status
        s.add(row)
        s.commit()


async def test_a_withdrawal_not_yet_in_the_read_model_does_not_keep_its_sign_ins(world) -> None:
    http, sms, engine, _tmp = world
    number = valid_id_number(1, area=AREA)
    app_id, old = await register(http, sms, number, "13743012401")
    assert (await http.post("/api/v1/me/withdraw", headers=old)).status_code == 200
    _shown_as(engine, app_id, "ID_PENDING")  # the registration read it before the projection
    age_codes(engine, 2)
    again_id, new = await register(http, sms, number, "13743012401")
    assert again_id == app_id  # the same workflow ID, a new run
    r = await http.get("/api/v1/me", headers=old)
    assert r.status_code == 401, r.text  # before: 200, the new run's case
    assert r.json()["code"] == "AUTH_INVALID"
    assert (await http.get("/api/v1/me", headers=new)).json()["state"] == "ID_PENDING"


async def test_a_withdrawn_seat_the_retention_run_scrubbed_is_not_the_old_phones(world) -> None:
    """The retention run empties an ended row's identity hash: the read model no longer knows
    the seat's run, and the next person's registration started the seat anew."""
    http, sms, engine, tmp_path = world
    number = valid_id_number(2, area=AREA)
    squat_id, squatter = await register(http, sms, number, "13743012402")
    assert (await http.post("/api/v1/me/withdraw", headers=squatter)).status_code == 200
    store = LocalObjectStore(tmp_path / "objects")
    # a day and a minute on: the withdrawn case is due, the codes of today are not yet dropped
    later = datetime.now(UTC) + timedelta(days=1, minutes=1)
    run_retention(engine, store, retention_days=1, now=later, actor="test")
    assert _row(engine, squat_id).id_hash == ""

    owner_id, owner = await register(http, sms, number, "13743012403")
    assert owner_id == squat_id  # the seat, started again for the owner
    r = await http.get("/api/v1/me", headers=squatter)
    assert r.status_code == 401, r.text  # before: 200, the new run's case
    assert r.json()["code"] == "AUTH_INVALID"
    assert (await http.post("/api/v1/me/withdraw", headers=squatter)).status_code == 401
    assert (await http.get("/api/v1/me", headers=owner)).json()["state"] == "ID_PENDING"


async def test_the_same_phone_registering_again_while_running_keeps_its_sign_ins(world) -> None:
    http, sms, engine, _tmp = world
    number = valid_id_number(3, area=AREA)
    app_id, first = await register(http, sms, number, "13743012404")
    age_codes(engine, 2)
    again_id, second = await register(http, sms, number, "13743012404")
    assert again_id == app_id
    for me in (first, second):
        assert (await http.get("/api/v1/me", headers=me)).status_code == 200
