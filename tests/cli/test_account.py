"""`ruji account`: the way a deployment gets its first admin and its examiners."""

from __future__ import annotations

import io
import re

import httpx
import pytest

from infra.config import get_settings
from infra.db import default_engine, make_engine
from infra.migrations import upgrade
from ruji_cli import account
from tests.api.server import serve


@pytest.fixture
def database(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'read.db'}"
    monkeypatch.setenv("RUJI_DATABASE_URL", url)
    monkeypatch.setenv("RUJI_VAR_DIR", str(tmp_path))
    fresh_settings()
    engine = make_engine(url)
    upgrade(engine)
    yield engine
    fresh_settings()


def fresh_settings() -> None:
    """Settings and the default engine are cached per process: read the environment again."""
    get_settings.cache_clear()
    default_engine.cache_clear()


def cli(capsys, *argv: str, stdin: str | None = None, monkeypatch=None) -> tuple[int, str, str]:
    if stdin is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = account.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def printed_password(out: str) -> str:
    return re.search(r"password: (\S+)", out).group(1)


async def login(engine, tmp_path, username: str, password: str) -> int:
    async with serve(None, engine, tmp_path, "q", "vq") as url, httpx.AsyncClient() as http:
        r = await http.post(
            f"{url}/api/v1/staff/login", json={"username": username, "password": password}
        )
        return r.status_code


async def test_new_regions_and_disabling_end_the_tokens_already_issued(database, tmp_path, capsys):
    _, out, _ = cli(capsys, "create", "zhou", "--role", "examiner", "--regions", "01")
    login = {"username": "zhou", "password": printed_password(out)}
    async with serve(None, database, tmp_path, "q", "vq") as url, httpx.AsyncClient() as http:

        async def signed_in() -> dict:
            r = await http.post(f"{url}/api/v1/staff/login", json=login)
            return {"authorization": f"Bearer {r.json()['token']}"}

        queue = f"{url}/api/v1/examiner/applications"
        me = await signed_in()
        assert (await http.get(queue, headers=me)).status_code == 200
        r = await http.get(queue, params={"region": "03"}, headers=me)
        assert r.status_code == 403 and r.json()["code"] == "REGION_FORBIDDEN"
        assert cli(capsys, "set-regions", "zhou", "01,03")[0] == 0
        r = await http.get(queue, params={"region": "03"}, headers=me)
        assert r.status_code == 401 and r.json()["code"] == "AUTH_INVALID"
        me = await signed_in()
        assert (await http.get(queue, params={"region": "03"}, headers=me)).status_code == 200
        cli(capsys, "disable", "zhou")
        r = await http.get(queue, headers=me)
        assert r.status_code == 401 and r.json()["code"] == "ACCOUNT_DISABLED"
        assert r.json()["message"] == "账号已停用，请联系管理员"


async def test_created_examiner_logs_in_with_the_printed_password_until_disabled(
    database, tmp_path, capsys
):
    code, out, _ = cli(capsys, "create", "wang", "--role", "examiner", "--regions", "01,02")
    assert code == 0 and "created examiner wang 01,02" in out
    password = printed_password(out)
    with database.connect() as conn:  # nothing but the argon2 hash is kept
        stored = conn.exec_driver_sql("SELECT password_hash FROM account").scalar_one()
    assert stored.startswith("$argon2id$") and password not in stored
    assert await login(database, tmp_path, "wang", password) == 200

    code, out, _ = cli(capsys, "disable", "wang")
    assert code == 0
    assert await login(database, tmp_path, "wang", password) == 401

    cli(capsys, "enable", "wang")
    code, out, _ = cli(capsys, "reset-password", "wang")
    fresh = printed_password(out)
    assert fresh != password
    assert await login(database, tmp_path, "wang", password) == 401
    assert await login(database, tmp_path, "wang", fresh) == 200

    code, out, _ = cli(capsys, "list")
    assert re.search(r"wang\s+examiner\s+active\s+01,02", out)


def test_first_admin_from_a_password_on_stdin(database, capsys, monkeypatch):
    chosen = "a-long-enough-secret"
    code, out, _ = cli(
        capsys, "create", "root", "--role", "admin", "--password-stdin",
        stdin=chosen + "\n", monkeypatch=monkeypatch,
    )  # fmt: skip
    assert code == 0 and "password:" not in out  # the operator chose it; nothing to show
    from sqlmodel import Session, select

    from infra.db import Account
    from infra.passwords import verify_password

    with Session(database) as session:
        row = session.exec(select(Account).where(Account.username == "root")).one()
    assert row.role == "admin" and row.regions == "" and verify_password(row.password_hash, chosen)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["create", "li", "--role", "examiner"], "an examiner needs --regions"),
        (["create", "li", "--role", "examiner", "--regions", "01,99"], "unknown region codes: 99"),
        (["create", "li", "--role", "admin", "--regions", "01"], "examiners only"),
        (["disable", "nobody"], "no such account"),
    ],
)
def test_refusals_name_the_problem_and_change_nothing(database, capsys, argv, message):
    code, out, err = cli(capsys, *argv)
    assert code == 2 and message in err and out == ""
    assert cli(capsys, "list")[1] == ""


def test_duplicate_name_and_short_password_are_refused(database, capsys, monkeypatch):
    assert cli(capsys, "create", "zhao", "--role", "operator")[0] == 0
    code, _, err = cli(capsys, "create", "zhao", "--role", "admin")
    assert code == 2 and "account exists" in err
    code, _, err = cli(
        capsys, "reset-password", "zhao", "--password-stdin", stdin="short\n",
        monkeypatch=monkeypatch,
    )  # fmt: skip
    assert code == 2 and "at least 12" in err


def test_refuses_a_schema_behind_the_code(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("RUJI_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    fresh_settings()
    try:
        code, _, err = cli(capsys, "list")
    finally:
        fresh_settings()
    assert code == 2 and "ruji db upgrade" in err
