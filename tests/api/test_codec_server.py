"""The Web UI's codec endpoint: operators read decrypted payloads, nobody else does."""

from __future__ import annotations

import base64
import json

import httpx
import pytest
from fastapi import FastAPI, Header, HTTPException
from google.protobuf import json_format
from temporalio.api.common.v1 import Payloads
from temporalio.converter import DataConverter

from api.codec_server import codec_router
from infra.codec import EncryptionCodec
from infra.keyring import new_key_entry, parse_key_ring

OPERATOR = {"Authorization": "Bearer operator-token"}
K1 = new_key_entry("k1")
K2 = new_key_entry("k2")


def stand_in_operator(authorization: str | None = Header(default=None)) -> str:
    if authorization is None:
        raise HTTPException(401, detail={"code": "AUTH_REQUIRED", "message": "请先登录"})
    if authorization != OPERATOR["Authorization"]:
        raise HTTPException(403, detail={"code": "AUTH_FORBIDDEN", "message": "无权限"})
    return "operator"


async def _post(ring_text: str, path: str, body: dict, headers: dict) -> httpx.Response:
    app = FastAPI()
    app.include_router(codec_router(EncryptionCodec(parse_key_ring(ring_text)), stand_in_operator))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        return await client.post(path, json=body, headers=headers)


async def _history_payloads(ring_text: str, value: object) -> dict:
    """What the Web UI sends: a stored (encrypted) payload as protobuf JSON."""
    plain = await DataConverter.default.encode([value])
    encrypted = await EncryptionCodec(parse_key_ring(ring_text)).encode(plain)
    return json_format.MessageToDict(Payloads(payloads=encrypted))


async def test_operator_decodes_stored_payload() -> None:
    body = await _history_payloads(K1, {"id_number": "43010219900101123X"})

    response = await _post(K1, "/codec/decode", body, OPERATOR)

    assert response.status_code == 200
    [payload] = response.json()["payloads"]
    assert base64.b64decode(payload["metadata"]["encoding"]) == b"json/plain"
    assert json.loads(base64.b64decode(payload["data"])) == {"id_number": "43010219900101123X"}


async def test_decode_after_rotation_reads_old_history() -> None:
    body = await _history_payloads(K1, "旧历史")
    response = await _post(f"{K2},{K1}", "/codec/decode", body, OPERATOR)
    assert json.loads(base64.b64decode(response.json()["payloads"][0]["data"])) == "旧历史"


@pytest.mark.parametrize(("headers", "expected"), [({}, 401), ({"Authorization": "Bearer x"}, 403)])
async def test_decode_refused_without_operator(headers: dict, expected: int) -> None:
    body = await _history_payloads(K1, "secret")
    response = await _post(K1, "/codec/decode", body, headers)
    assert response.status_code == expected
    assert "payloads" not in response.json()


async def test_encode_refuses_every_payload_operators_read_only() -> None:
    """An operator could otherwise encrypt a hand-written update for the worker (issue #14 H1)."""
    plain = {
        "payloads": [
            {
                "metadata": {"encoding": base64.b64encode(b"json/plain").decode()},
                "data": base64.b64encode(b'{"examiner": "anyone"}').decode(),
            }
        ]
    }

    response = await _post(K1, "/codec/encode", plain, OPERATOR)
    assert response.status_code == 403
    assert response.json()["detail"]["code"] == "CODEC_ENCODE_REFUSED"
    assert "payloads" not in response.json()
    # the Web UI encodes a query's empty argument list; that still answers
    empty = await _post(K1, "/codec/encode", {"payloads": []}, OPERATOR)
    assert (empty.status_code, empty.json()) == (200, {"payloads": []})


async def test_unknown_key_answers_400_with_code() -> None:
    body = await _history_payloads(K1, "x")
    response = await _post(K2, "/codec/decode", body, OPERATOR)
    assert response.status_code == 400
    assert response.json()["detail"]["code"] == "CODEC_UNKNOWN_KEY"


async def test_bad_base64_answers_400_with_code() -> None:
    body = {"payloads": [{"metadata": {"encoding": "!!"}, "data": "%%%"}]}
    response = await _post(K1, "/codec/decode", body, OPERATOR)
    assert response.status_code == 400
    assert response.json()["detail"]["code"] == "CODEC_BAD_PAYLOAD"
