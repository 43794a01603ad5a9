"""`ruji dev` as an outsider probes it: the keys that sign its tokens, keep its lookup hashes and
check CHSI's callbacks are its own, generated once under var/secrets, not the placeholder in
infra/config.py that anyone can read (docs/decisions.md, "ruji dev signs with its own secrets")."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest

from domain.chsi import callback_headers
from domain.roles import Role
from infra.config import DEV_PLACEHOLDER
from infra.tokens import issue_token
from tests.devstack import DevStack

START_TIMEOUT = 60.0


@pytest.fixture
def stack(tmp_path) -> Iterator[DevStack]:
    dev = DevStack(tmp_path, START_TIMEOUT)
    dev.start()
    yield dev
    dev.stop()


@pytest.mark.timeout(150)
def test_tokens_and_callbacks_signed_with_the_placeholder_open_nothing(stack: DevStack) -> None:
    http = httpx.Client(base_url=stack.url, timeout=30)
    # before: a token for the demo admin's predictable ID, signed with the public placeholder,
    # listed the accounts; one for the demo examiner could claim and approve every case
    for account, role, path in (
        ("dev-admin", Role.ADMIN, "/api/v1/admin/accounts"),
        ("dev-examiner", Role.EXAMINER, "/api/v1/examiner/applications"),
    ):
        forged = issue_token(DEV_PLACEHOLDER, account, role, ["01", "02"])
        answer = http.get(path, headers={"authorization": f"Bearer {forged}"})
        assert (answer.status_code, answer.json()["code"]) == (401, "AUTH_INVALID"), answer.text

    body = json.dumps({"token": "t", "kind": "xueji", "application_ref": "enroll-x"}).encode()
    headers = callback_headers(DEV_PLACEHOLDER, body, now=datetime.now(UTC), nonce=uuid.uuid4().hex)
    answer = http.post(
        "/api/v1/chsi/callback",
        content=body,
        headers={**headers, "content-type": "application/json"},
    )
    assert (answer.status_code, answer.json()["code"]) == (401, "CHSI_BAD_SIGNATURE"), answer.text

    # the examiner who signs in with the banner's password still works
    login = http.post(
        "/api/v1/staff/login",
        json={"username": "examiner", "password": stack.password("examiner")},
    )
    assert login.status_code == 200, login.text
    token = login.json()["token"]
    queue = http.get("/api/v1/examiner/applications", headers={"authorization": f"Bearer {token}"})
    assert queue.status_code == 200, queue.text

    secrets_file = stack.var_dir / "secrets" / "signing-secrets.json"
    assert oct(secrets_file.stat().st_mode & 0o777) == "0o600"
    assert DEV_PLACEHOLDER not in secrets_file.read_text()
