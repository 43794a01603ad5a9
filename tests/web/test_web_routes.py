"""What the clients' router serves, without a stack: the static files with their headers and
nothing outside web/, the code tables, and the candidate-only reads closed to strangers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.deps import Services
from domain.catalogs import MAJORS, REGIONS
from infra.config import Settings
from infra.otp import OtpService
from infra.sms import OutboxProvider
from infra.storage import LocalObjectStore


@pytest.fixture
def http(engine, tmp_path) -> Iterator[TestClient]:
    settings = Settings(env="test", var_dir=tmp_path, secret_key="web-test-key")
    services = Services(
        settings=settings,
        engine=engine,
        store=LocalObjectStore(tmp_path / "objects"),
        otp=OtpService(engine, OutboxProvider(), "web-test-hmac"),
    )
    with TestClient(create_app(settings, services), follow_redirects=False) as client:
        yield client


@pytest.mark.parametrize("client", ["h5", "console"])
def test_each_client_is_served_with_a_strict_policy(http: TestClient, client: str) -> None:
    assert http.get(f"/{client}").headers["location"] == f"/{client}/"
    page = http.get(f"/{client}/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert '<script type="module" src="app.js">' in page.text
    script = http.get(f"/{client}/app.js")
    assert script.headers["content-type"].startswith("text/javascript")


@pytest.mark.parametrize(
    "path", ["/h5/../../api/app.py", "/h5/%2e%2e/%2e%2e/pyproject.toml", "/console/nope.js"]
)
def test_nothing_outside_web_is_served(http: TestClient, path: str) -> None:
    r = http.get(path)
    assert r.status_code == 404 and "不存在" in r.json()["message"]


def test_code_tables_are_the_ones_the_form_is_checked_against(http: TestClient) -> None:
    tables = http.get("/api/v1/catalogs").json()
    assert tables["region"] == REGIONS
    assert [m["code"] for m in tables["major"]] == [m.code for m in MAJORS]
    assert {m["level_label"] for m in tables["major"]} == {"专科", "专升本"}
    assert tables["political_status"]["13"] == "群众" and tables["state"]["SUBMITTED"]


@pytest.mark.parametrize("path", ["/api/v1/me/id-card", "/api/v1/me/photo/fixed.jpg"])
def test_own_card_and_photos_need_the_candidate_token(http: TestClient, path: str) -> None:
    r = http.get(path)
    assert r.status_code == 401 and r.json()["message"] == "请先登录"
