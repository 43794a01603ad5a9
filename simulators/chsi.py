"""CHSI (学信网) simulator: plays CHSI's side of the QR check over real HTTP.

Our back end registers each QR token here; a demo or test then "scans" it as one of the synthetic
identities, and the simulator posts a signed callback exactly as our verifier expects. It can be
told to stay silent (R9's "no feedback") or to answer late, globally or per token, so the
timeout and late-callback paths can be exercised end to end. Run: `python -m simulators.chsi`.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import secrets
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from enum import StrEnum

import httpx
import uvicorn
from fastapi import FastAPI, HTTPException, Response, status
from pydantic import BaseModel, Field

from domain.chsi import (
    ChsiCallback,
    ChsiOutcome,
    TokenRegistration,
    callback_headers,
    subject_digest,
)
from infra.config import get_settings
from simulators.chsi_identities import IDENTITIES, Identity, graduate_records

DEFAULT_PORT = 8010
CALLBACK_TIMEOUT = httpx.Timeout(10.0, connect=2.0)
log = logging.getLogger(__name__)


class Mode(StrEnum):
    NOW = "now"  # call back before answering the scan
    SILENT = "silent"  # never call back: our timeout opens the manual path
    LATE = "late"  # call back after delay_seconds, in the background


class ModeSetting(BaseModel):
    mode: Mode = Mode.NOW
    delay_seconds: float = Field(default=0.0, ge=0, le=3600)


class ScanRequest(BaseModel):
    token: str
    identity_key: str


class ScanResult(BaseModel):
    token: str
    outcome: ChsiOutcome
    mode: Mode
    delivered: bool  # the callback was sent and answered 2xx before this response
    callback_status: int | None = None


class TokenStatus(BaseModel):
    token: str
    kind: str
    expires_at: datetime
    scanned: bool


class IdentityView(BaseModel):
    key: str
    name: str
    id_number: str  # synthetic: shown in full so a demo can register with it
    note: str
    kinds: list[str]


class _Simulator:
    """In-memory CHSI: registrations, single-use scans and delivery modes."""

    def __init__(
        self, secret: str, identities: Mapping[str, Identity], clock: Callable[[], datetime]
    ):
        self.secret = secret
        self.identities = dict(identities)  # demos add people
        self.clock = clock
        self.registrations: dict[str, TokenRegistration] = {}
        self.scanned: set[str] = set()
        self.token_modes: dict[str, ModeSetting] = {}
        self.default_mode = ModeSetting()
        self.background: set[asyncio.Task[int | None]] = set()
        self.client: httpx.AsyncClient | None = None

    def outcome(self, registration: TokenRegistration, person: Identity) -> ChsiCallback:
        record = person.record(registration.kind)
        if subject_digest(self.secret, person.id_number) != registration.subject_digest:
            outcome, record = ChsiOutcome.IDENTITY_MISMATCH, None
        else:
            outcome = ChsiOutcome.VERIFIED if record else ChsiOutcome.NO_RECORD
        return ChsiCallback(
            token=registration.token,
            kind=registration.kind,
            application_ref=registration.application_ref,
            outcome=outcome,
            scanned_at=self.clock(),
            record=record,
        )

    async def deliver(self, url: str, callback: ChsiCallback, delay: float = 0.0) -> int | None:
        if delay:
            await asyncio.sleep(delay)  # the point of "late" mode: a real wait
        body = callback.model_dump_json().encode()
        headers = callback_headers(self.secret, body, now=self.clock(), nonce=secrets.token_hex(16))
        headers["Content-Type"] = "application/json"
        assert self.client is not None, "the lifespan opens the client"
        try:
            response = await self.client.post(url, content=body, headers=headers)
        except httpx.HTTPError as error:
            log.warning("callback for %s failed: %r", callback.token, error)
            return None
        return response.status_code


class NewGraduate(BaseModel):
    key: str = Field(min_length=1, max_length=64)
    name: str
    id_number: str
    school: str = "湖南某职业技术学院"
    major_name: str = "大数据与会计"
    major_code: str = "530302"
    graduated_year: int = 2024


def create_app(
    *,
    secret: str,
    identities: Mapping[str, Identity] = IDENTITIES,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> FastAPI:
    sim = _Simulator(secret, identities, clock)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        async with httpx.AsyncClient(timeout=CALLBACK_TIMEOUT) as client:
            sim.client = client
            yield
            for task in sim.background:
                task.cancel()

    app = FastAPI(title="CHSI simulator (学信网模拟)", lifespan=lifespan)
    app.state.simulator = sim

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/identities")
    async def list_identities() -> list[IdentityView]:
        return [
            IdentityView(key=p.key, name=p.name, id_number=p.id_number, note=p.note,
                         kinds=[r.kind.value for r in p.records])
            for p in sim.identities.values()
        ]  # fmt: skip

    @app.post("/identities", status_code=status.HTTP_201_CREATED)
    async def add_graduate(person: NewGraduate) -> IdentityView:
        """Demos and load tests add their own synthetic 专科 graduates (both records)."""
        records = graduate_records(
            person.id_number, person.name, person.school, person.major_name, person.major_code,
            person.graduated_year - 3, person.graduated_year,
        )  # fmt: skip
        sim.identities[person.key] = Identity(
            key=person.key, name=person.name, id_number=person.id_number,
            note="added at run time", records=records,
        )  # fmt: skip
        return IdentityView(
            key=person.key, name=person.name, id_number=person.id_number,
            note="added at run time", kinds=[r.kind.value for r in records],
        )  # fmt: skip

    @app.post("/tokens", status_code=status.HTTP_201_CREATED)
    async def register(registration: TokenRegistration, response: Response) -> TokenStatus:
        known = sim.registrations.get(registration.token)
        if known is not None and known != registration:
            raise HTTPException(status.HTTP_409_CONFLICT, "token already registered differently")
        if known is not None:
            response.status_code = status.HTTP_200_OK  # a retried registration: idempotent
        sim.registrations[registration.token] = registration
        return _token_status(registration)

    def _token_status(registration: TokenRegistration) -> TokenStatus:
        return TokenStatus(token=registration.token, kind=registration.kind.value,
                           expires_at=registration.expires_at,
                           scanned=registration.token in sim.scanned)  # fmt: skip

    @app.get("/q/{token}")
    async def token_status(token: str) -> TokenStatus:
        """What the CHSI app sees when it opens the QR code's address."""
        return _token_status(_registration(token))

    def _registration(token: str) -> TokenRegistration:
        registration = sim.registrations.get(token)
        if registration is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "二维码无效")
        return registration

    @app.put("/mode")
    async def set_default_mode(setting: ModeSetting) -> ModeSetting:
        sim.default_mode = setting
        return setting

    @app.put("/tokens/{token}/mode")
    async def set_token_mode(token: str, setting: ModeSetting) -> ModeSetting:
        _registration(token)
        sim.token_modes[token] = setting
        return setting

    @app.post("/scan")
    async def scan(scan: ScanRequest, response: Response) -> ScanResult:
        registration = _registration(scan.token)
        person = sim.identities.get(scan.identity_key)
        if person is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"unknown identity {scan.identity_key}")
        if scan.token in sim.scanned:
            raise HTTPException(status.HTTP_409_CONFLICT, "二维码已使用，请刷新后重新扫码")
        if sim.clock() >= registration.expires_at:
            raise HTTPException(status.HTTP_410_GONE, "二维码已过期，请刷新后重新扫码")
        sim.scanned.add(scan.token)
        callback = sim.outcome(registration, person)
        setting = sim.token_modes.get(scan.token, sim.default_mode)
        result = ScanResult(token=scan.token, outcome=callback.outcome, mode=setting.mode,
                            delivered=False)  # fmt: skip
        if setting.mode is Mode.NOW:
            result.callback_status = await sim.deliver(registration.callback_url, callback)
            result.delivered = result.callback_status is not None and result.callback_status < 300
        elif setting.mode is Mode.LATE:
            task = asyncio.create_task(
                sim.deliver(registration.callback_url, callback, setting.delay_seconds)
            )
            sim.background.add(task)
            task.add_done_callback(sim.background.discard)
            response.status_code = status.HTTP_202_ACCEPTED
        return result

    @app.post("/reset", status_code=status.HTTP_204_NO_CONTENT)
    async def reset() -> None:
        """Forget every token and mode: lets a long-running dev simulator start a demo clean."""
        sim.registrations.clear()
        sim.scanned.clear()
        sim.token_modes.clear()
        sim.default_mode = ModeSetting()

    return app


def main(argv: list[str] | None = None) -> int:
    """Entry point for `ruji chsi-sim` and `python -m simulators.chsi`."""
    parser = argparse.ArgumentParser(prog="ruji chsi-sim", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--log-level", default="info")
    args = parser.parse_args(argv)
    app = create_app(secret=get_settings().chsi_callback_secret)
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
