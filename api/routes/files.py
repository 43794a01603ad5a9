"""Document images, only through short-lived signed URLs (minted for authorised examiners)."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from api.deps import ServicesDep
from api.errors import ApiError
from domain.messages import AccessRefusal, CaseRefusal
from infra.storage import ObjectNotFound, verify_object_signature

router = APIRouter(tags=["files"])


@router.get("/files/{key:path}")
async def signed_file(
    key: str,
    exp: int,
    sig: Annotated[str, Query(pattern=r"^[0-9a-f]{1,64}$")],  # hex HMAC (infra/storage.py)
    services: ServicesDep,
) -> Response:
    if not verify_object_signature(services.settings.secret_key, key, exp, sig):
        raise ApiError(AccessRefusal.FORBIDDEN, "链接已失效", status=403)
    try:
        data = await asyncio.to_thread(services.store.get, key)
    except (ObjectNotFound, ValueError):
        raise ApiError(CaseRefusal.APPLICATION_NOT_FOUND, "文件不存在", status=404) from None
    media = "image/png" if key.endswith(".png") else "image/jpeg"
    return Response(data, media_type=media, headers={"Cache-Control": "no-store"})
