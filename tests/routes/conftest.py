"""The real app (api/app.create_app) in process, without a server: TestClient over it, the
Temporal client replaced by a double, a SQLite read model in tmp with staff accounts and one
submitted application. Built once for the package; each test gets a fresh double."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from api.app import create_app
from api.deps import Services
from domain.enrollment import ApplicationView
from domain.states import STATE_LABELS, AppState
from infra.config import Settings
from infra.db import Account, Application, create_schema, make_engine
from infra.otp import OtpService
from infra.sms import OutboxProvider
from infra.storage import LocalObjectStore
from infra.tokens import issue_token
from tests.routes.temporal_double import TemporalDouble

SECRET_KEY = "routes-test-key"
PERIOD = "2026-2"
#: a case submitted in region 01 (Changsha), and the candidate's own application
CASE = "enroll-2026-2-case01"
MINE = "enroll-2026-2-mine"
#: account id -> (role, regions, active)
STAFF = {
    "ex-changsha": ("examiner", "01", True),
    "ex-yueyang": ("examiner", "06", True),
    "ex-gone": ("examiner", "01", False),
    "admin": ("admin", "", True),
    "operator": ("operator", "", True),
}


def bearer(sub: str, role: str, *, key: str = SECRET_KEY, ttl_s: int | None = None) -> dict:
    return {"authorization": f"Bearer {issue_token(key, sub, role, ttl_s=ttl_s)}"}


#: callers by name: the candidate of MINE, and each staff account with the role it holds
CALLERS = {"candidate": bearer(MINE, "candidate")} | {
    sub: bearer(sub, role) for sub, (role, *_) in STAFF.items()
}


def view(application_id: str = MINE, state: AppState = AppState.DRAFT) -> ApplicationView:
    return ApplicationView(
        application_id=application_id,
        period_id=PERIOD,
        state=state,
        state_label=STATE_LABELS[state],
        id_number="430104********0012",
        phone="139****1111",
    )


def _seed(session: Session) -> None:
    for sub, (role, regions, active) in STAFF.items():
        session.add(
            Account(
                id=sub, username=sub, password_hash="-", role=role, regions=regions, active=active
            )
        )
    session.add(
        Application(
            workflow_id=CASE,
            period_id=PERIOD,
            status=AppState.SUBMITTED.value,
            id_hash="i" * 64,
            phone_hash="p" * 64,
            region="01",
            submitted_at=datetime.now(UTC),
        )
    )
    session.commit()


@pytest.fixture(scope="package")
def app_services(tmp_path_factory) -> Iterator[tuple[TestClient, Services]]:
    tmp = tmp_path_factory.mktemp("routes")
    engine = make_engine(f"sqlite:///{tmp / 'read.db'}")
    create_schema(engine)
    with Session(engine) as session:
        _seed(session)
    # the candidate's per-minute rate set aside: the matrix sends hundreds of requests with his
    # one token (the rate itself: tests/api/test_overload.py)
    settings = Settings(
        env="test", var_dir=tmp, secret_key=SECRET_KEY, candidate_requests_per_minute=1_000_000
    )
    services = Services(
        settings=settings,
        engine=engine,
        store=LocalObjectStore(tmp / "objects"),
        otp=OtpService(engine, OutboxProvider(), "routes-test-hmac"),
    )
    with TestClient(create_app(settings, services)) as client:
        yield client, services
    engine.dispose()


@pytest.fixture
def temporal(app_services) -> Iterator[TemporalDouble]:
    _, services = app_services
    services.temporal = double = TemporalDouble(answer=view())
    yield double
    services.temporal = None


@pytest.fixture
def http(app_services, temporal) -> TestClient:
    """The app's client; `temporal` makes each test's requests meet a fresh double."""
    assert app_services[1].temporal is temporal
    return app_services[0]
