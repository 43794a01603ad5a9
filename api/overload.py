"""What "too busy now" looks like from inside a request, and its answer: 503 SERVICE_OVERLOADED
with Retry-After, so a saturated back end answers at once and the client comes back later,
instead of a 500 or a request hanging. Faults (a bad statement, a bad RPC) stay 500s."""

from __future__ import annotations

import logging

from fastapi import Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from temporalio.service import RPCError, RPCStatusCode

from api.errors import ApiError, ApiRefusal, api_error_handler

log = logging.getLogger("ruji.api")

#: the exception types to look at; `is_load` says which of their instances are load
OVERLOAD_ERRORS: tuple[type[Exception], ...] = (PoolTimeout, OperationalError, RPCError)
#: Temporal: no frontend, a rate limit, a query nobody answered in time (DEADLINE_EXCEEDED, or
#: CANCELLED "context canceled" when the frontend gives up on a query a busy worker has not
#: answered: seen on a saturated dev server, a 500 until then)
_OVERLOADED_RPC = {
    RPCStatusCode.UNAVAILABLE,
    RPCStatusCode.RESOURCE_EXHAUSTED,
    RPCStatusCode.DEADLINE_EXCEEDED,
    RPCStatusCode.CANCELLED,
}
#: a query to a case whose workers are all down (restarting, scaled to zero): the server answers
#: FAILED_PRECONDITION at once after waiting for a poller, the same request works when they are back
_NO_WORKER = "no poller seen"
#: PostgreSQL SQLSTATE classes: connection lost (08), out of resources such as too many clients
#: (53), shutting down or not accepting connections yet (57), serialization failure or deadlock
#: (40, the same request again succeeds)
_OVERLOADED_SQLSTATE = {"08", "40", "53", "57"}


def is_load(exc: Exception) -> bool:
    if isinstance(exc, PoolTimeout):  # no pooled connection within RUJI_DB_POOL_TIMEOUT_S
        return True
    if isinstance(exc, RPCError):
        if exc.status == RPCStatusCode.FAILED_PRECONDITION:
            return _NO_WORKER in exc.message
        return exc.status in _OVERLOADED_RPC
    if isinstance(exc, OperationalError):
        if exc.connection_invalidated:
            return True
        sqlstate = getattr(exc.orig, "sqlstate", None)
        if sqlstate:
            return str(sqlstate)[:2] in _OVERLOADED_SQLSTATE
        # SQLite names no state; its OperationalError also means "no such table", a fault
        return "database is locked" in str(exc.orig)
    return False


async def overloaded_handler(request: Request, exc: Exception) -> JSONResponse:
    if not is_load(exc):
        raise exc  # a fault, not load: the 500, with its traceback in the log
    first_line = str(exc).partition("\n")[0][:200]  # the SQL and its parameters stay out
    log.warning("overloaded: %s: %s", type(exc).__name__, first_line)
    return await api_error_handler(request, ApiError(ApiRefusal.SERVICE_OVERLOADED))
