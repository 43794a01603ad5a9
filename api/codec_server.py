"""Codec endpoints for the Temporal Web UI and CLI, so operators read decrypted payloads.

Temporal's remote-codec protocol: ``POST {endpoint}/encode`` and ``/decode`` with a ``Payloads``
message in protobuf JSON (metadata values and data base64), answered in the same shape. The UI
adds ``X-Namespace``; we serve one namespace, so it is not consulted. Decrypted histories hold ID
numbers and faces, hence every call needs the operator dependency the app passes in.

Operators read. ``/encode`` would turn an operator's hand-written input into a payload the worker
decrypts as if the API had sent it, so it encodes nothing: it answers an empty list (the Web UI
encodes the empty arguments of a query) and refuses any payload with ``CODEC_ENCODE_REFUSED``.
Changes to a case go through the API (docs/security.md).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request, status
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field, ValidationError
from temporalio.api.common.v1 import Payload, Payloads
from temporalio.converter import PayloadCodec

from api.errors import ApiRefusal
from infra.codec import PayloadDecryptionError
from infra.keyring import UnknownKeyError

MAX_PAYLOADS_PER_CALL = 1000


class CodecPayload(BaseModel):
    metadata: dict[str, str] = Field(default_factory=dict, description="values are base64")
    data: str = Field(default="", description="base64")


class CodecPayloads(BaseModel):
    payloads: list[CodecPayload] = Field(default_factory=list, max_length=MAX_PAYLOADS_PER_CALL)


def _refuse(code: ApiRefusal, detail: str | None = None) -> HTTPException:
    message = f"{code.message}：{detail}" if detail else code.message
    return HTTPException(status.HTTP_400_BAD_REQUEST, detail={"code": code, "message": message})


#: the body as the OpenAPI document shows it (the routes read it themselves: `_payloads`)
_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CodecPayloads"}}},
    }
}


async def _payloads(request: Request) -> CodecPayloads:
    """The body, read only once the operator dependency has passed. A body parameter would be
    read and parsed before any dependency runs: 4 MiB of `{}` is ~75 MB of Python objects, and
    16 anonymous calls at once took the API from 230 MB to 1.46 GB."""
    try:
        return CodecPayloads.model_validate_json(await request.body())
    except ValidationError as invalid:
        errors = [{**e, "loc": ("body", *e["loc"])} for e in invalid.errors(include_url=False)]
        raise RequestValidationError(errors) from None


def _b64decode(text: str) -> bytes:
    """Strict base64 (standard or URL-safe, padding optional, as protobuf JSON allows).

    protobuf's own JSON parser silently drops invalid characters; a codec endpoint should say
    the input is wrong instead of decoding something else.
    """
    normalized = text.replace("-", "+").replace("_", "/")
    try:
        return base64.b64decode(normalized + "=" * (-len(normalized) % 4), validate=True)
    except (binascii.Error, ValueError):  # ValueError: non-ASCII text
        raise _refuse(ApiRefusal.CODEC_BAD_PAYLOAD) from None


def _b64encode(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _to_proto(body: CodecPayloads) -> Payloads:
    return Payloads(
        payloads=[
            Payload(
                metadata={k: _b64decode(v) for k, v in p.metadata.items()},
                data=_b64decode(p.data),
            )
            for p in body.payloads
        ]
    )


def _from_proto(payloads: Payloads) -> CodecPayloads:
    return CodecPayloads(
        payloads=[
            CodecPayload(
                metadata={k: _b64encode(v) for k, v in p.metadata.items()},
                data=_b64encode(p.data),
            )
            for p in payloads.payloads
        ]
    )


def codec_router(
    codec: PayloadCodec, require_operator: Callable[..., Any | Awaitable[Any]]
) -> APIRouter:
    """Routes under ``/codec``; ``require_operator`` is a FastAPI dependency that refuses others."""
    router = APIRouter(prefix="/codec", tags=["codec"], dependencies=[Depends(require_operator)])

    @router.post("/encode", response_model=CodecPayloads, openapi_extra=_BODY)
    async def encode(request: Request) -> CodecPayloads:
        body = await _payloads(request)
        if body.payloads:
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                detail={
                    "code": "CODEC_ENCODE_REFUSED",
                    "message": "运维人员只能查看数据，不能通过编解码服务写入；请通过入籍系统办理",
                },
            )
        return CodecPayloads()

    @router.post("/decode", response_model=CodecPayloads, openapi_extra=_BODY)
    async def decode(request: Request) -> CodecPayloads:
        payloads = _to_proto(await _payloads(request))
        try:
            await codec.decode_wrapper(payloads)
        except UnknownKeyError as exc:
            raise _refuse(ApiRefusal.CODEC_UNKNOWN_KEY, repr(exc.key_id)) from None
        except PayloadDecryptionError:
            raise _refuse(ApiRefusal.CODEC_UNDECRYPTABLE) from None
        return _from_proto(payloads)

    return router
