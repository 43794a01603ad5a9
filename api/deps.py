"""Dependencies of the routes, as `Annotated` aliases. The app's lifespan builds the shared parts
once and keeps them on `app.state`.

One DB session per request (`SessionDep`; the role checks and the OTP check use the same one),
and it holds a connection only while it works: `run_db` ends the transaction as soon as the
work is done, so no request keeps a connection while it awaits Temporal, the SMS gateway or a
password hash. Sizes and the rule behind them: docs/capacity.md."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass, field
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from temporalio.client import Client

from api.bearer import read_bearer, read_principal
from api.ended_sign_ins import EndedSignIns
from api.errors import ApiError, ApiRefusal
from api.throttling import Limits, client_ip
from api.vision_backpressure import VisionQueue
from domain.messages import AccessRefusal
from domain.roles import Role
from infra.config import Settings
from infra.db import Account, as_utc
from infra.kept import Kept
from infra.metrics import ApiMetrics
from infra.otp import OtpService
from infra.passwords import verify_password_or_dummy
from infra.readiness import READY_FRESH_S, Readiness, check_readiness
from infra.refresh_sessions import has_ended
from infra.storage import ObjectStore
from infra.tokens import CODEC_AUDIENCE, Principal

security_log = logging.getLogger("ruji.security")
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
R = TypeVar("R")


@dataclass
class Services:
    settings: Settings
    engine: Engine
    store: ObjectStore
    otp: OtpService
    temporal: Client | None = None
    limits: Limits = field(init=False)
    ended_sign_ins: EndedSignIns = field(init=False)
    metrics: ApiMetrics = field(init=False)
    readiness: Kept[Readiness] = field(init=False)
    vision_queue: VisionQueue = field(init=False)
    #: work an answered request left behind (the clean-up of an upload answered 202)
    follow_ups: set[asyncio.Task[None]] = field(init=False, default_factory=set)

    def __post_init__(self) -> None:
        self.limits = Limits(self.settings, self.engine)
        self.ended_sign_ins = EndedSignIns(self.engine, self.settings.ended_sign_ins_poll_s)
        self.metrics = ApiMetrics(self.engine)
        self.readiness = Kept(
            lambda: check_readiness(self.engine, self.temporal, self.store), READY_FRESH_S
        )
        self.vision_queue = VisionQueue(
            self.client, self.settings.vision_task_queue, self.settings.vision_task_s
        )

    def follow_up(self, work: Coroutine[None, None, None]) -> None:
        task = asyncio.create_task(work)
        self.follow_ups.add(task)  # held, or the loop may collect it half done
        task.add_done_callback(self.follow_ups.discard)

    async def close(self) -> None:
        for task in list(self.follow_ups):
            task.cancel()
        await asyncio.gather(*self.follow_ups, return_exceptions=True)

    def client(self) -> Client:
        if self.temporal is None:
            raise ApiError(ApiRefusal.TEMPORAL_UNAVAILABLE, "服务暂不可用，请稍后重试", status=503)
        return self.temporal


def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


def get_session(services: ServicesDep) -> Iterator[Session]:
    # objects read stay readable after `run_db` ends their transaction
    with Session(services.engine, expire_on_commit=False) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


def released(session: Session, work: Callable[..., R], *args: Any) -> R:
    """`work(session, *args)` in one transaction, committed when it returns and rolled back when
    it raises; either way the connection goes back to the pool at once."""
    try:
        result = work(session, *args)
    except BaseException:
        session.rollback()
        raise
    session.commit()
    return result


async def run_db(session: Session, work: Callable[..., R], *args: Any) -> R:
    """`released` in a worker thread: what a route does with the database between awaits."""
    return await asyncio.to_thread(released, session, work, *args)


#: HttpOnly cookie scoped to /codec, set by POST /api/v1/staff/codec-session: the Temporal Web UI
#: calls the codec endpoint from the browser and cannot send our bearer token.
CODEC_COOKIE = "ruji_codec"
CODEC_COOKIE_PATH = "/codec"


def _principal(request: Request, services: ServicesDep) -> Principal:
    return read_bearer(services.settings.secret_key, request.headers.get("authorization", ""))


def _bearer_or_codec_cookie(request: Request, services: ServicesDep) -> Principal:
    """Bearer first (CLI, scripts); otherwise the codec cookie (the Web UI in a browser). The
    cookie is accepted on the codec routes only, so it can never act on a case."""
    if request.headers.get("authorization"):
        return _principal(request, services)
    cookie = request.cookies.get(CODEC_COOKIE)
    if not cookie:
        raise ApiError(AccessRefusal.AUTH_REQUIRED)
    return read_principal(services.settings.secret_key, cookie, CODEC_AUDIENCE)


async def authenticate_staff(
    services: Services, request: Request, session: Session, username: str, password: str
) -> Account:
    """The active account with this name and password, or LOGIN_FAILED. Unknown names cost the
    same hashing time as wrong passwords; both the lookup and argon2 run off the event loop.

    Both staff logins (console and codec session) pass here, so they share one budget: attempts
    per client address, and a lockout of the account name after repeated wrong passwords (an
    unknown name locks the same way, so the lockout tells nothing). Each failure and lockout is
    logged on `ruji.security` with the account name and address (staff names are not PII)."""
    ip = client_ip(request)
    try:
        await services.limits.staff_attempt(request, username)
    except ApiError:
        security_log.warning("staff login locked: user=%r ip=%s", username[:60], ip)
        raise
    account = await run_db(session, _active_account, username)
    ok = await asyncio.to_thread(
        verify_password_or_dummy, account.password_hash if account else None, password
    )
    if not ok or account is None:  # its failure was counted before the check
        security_log.warning("staff login failed: user=%r ip=%s", username[:60], ip)
        raise ApiError(AccessRefusal.LOGIN_FAILED)
    await services.limits.staff_succeeded(username)
    security_log.info("staff login: user=%r ip=%s", username[:60], ip)
    return account


def _active_account(session: Session, username: str) -> Account | None:
    return session.exec(select(Account).where(Account.username == username, Account.active)).first()


def _current_staff(session: Session, principal: Principal) -> Principal:
    """Staff tokens live 30 minutes, but what an account may do is read at each request (one
    primary-key lookup): a disabled or deleted account stops at its next request, changed
    regions or role apply at once rather than when the token expires, and a logout or an admin's
    change of the account (infra/accounts.py) ends every token issued before it."""
    account = session.get(Account, principal.sub)
    if account is None or not account.active:
        raise ApiError(AccessRefusal.ACCOUNT_DISABLED)
    out = account.signed_out_at
    if out is not None and principal.iat_ms <= as_utc(out).timestamp() * 1000:
        raise ApiError(AccessRefusal.AUTH_INVALID)  # issued before the account's logout
    return principal.model_copy(update={"role": account.role, "regions": account.region_codes})


def _role(*roles: Role, source: Callable[..., Principal] = _principal) -> Callable[..., Principal]:
    # defaults, not Annotated: annotations are strings here and cannot see the closure
    def check(
        request: Request,
        principal: Principal = Depends(source),  # noqa: B008
        session: Session = Depends(get_session),  # noqa: B008 - the route's own session
        services: Services = Depends(get_services),  # noqa: B008
    ) -> Principal:
        if principal.role == Role.CANDIDATE:
            services.limits.candidate_request(principal.sub)
        else:
            principal = released(session, _current_staff, principal)
        if principal.role not in roles:
            raise ApiError(AccessRefusal.FORBIDDEN)
        if principal.role == Role.CANDIDATE and _ended(request, session, services, principal):
            raise ApiError(AccessRefusal.AUTH_INVALID)  # logged out, or a copy was seen
        return principal

    return check


def _ended(request: Request, session: Session, services: Services, principal: Principal) -> bool:
    """A request that changes the case asks the database (one primary-key lookup): after
    「退出所有设备」 a stolen phone's token must not withdraw or edit the case in the seconds the
    process's list (`EndedSignIns`, read every few seconds) lags. Reads use the list."""
    if not principal.sid:  # issued before tokens named their sign-in: it expires
        return False
    if request.method in READ_METHODS:
        return services.ended_sign_ins.ended(principal.sid)
    return released(session, has_ended, principal.sid)


CandidateDep = Annotated[Principal, Depends(_role(Role.CANDIDATE))]
ExaminerDep = Annotated[Principal, Depends(_role(Role.EXAMINER, Role.ADMIN))]
AdminDep = Annotated[Principal, Depends(_role(Role.ADMIN))]
OperatorDep = Annotated[Principal, Depends(_role(Role.OPERATOR, Role.ADMIN))]
StaffDep = Annotated[Principal, Depends(_role(Role.EXAMINER, Role.ADMIN, Role.OPERATOR))]
OPERATOR_ROLES = (Role.OPERATOR, Role.ADMIN)
require_operator = _role(*OPERATOR_ROLES)
require_codec_operator = _role(*OPERATOR_ROLES, source=_bearer_or_codec_cookie)
