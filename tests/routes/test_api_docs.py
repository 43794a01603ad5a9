"""The OpenAPI document and its pages are served everywhere but in production, where the API's
port is published: whoever asks would get every route and field (unless RUJI_API_DOCS=true)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from api.app import create_app
from infra.config import Settings
from infra.keyring import new_key_entry

DOCS = ("/docs", "/redoc", "/openapi.json")


def _client(tmp_path, **settings: object) -> TestClient:
    # no lifespan: these paths need neither the database nor Temporal
    keys = {"secret_key": "k", "identity_hmac_key": "h", "chsi_callback_secret": "c"}
    keys |= {ring: new_key_entry("k1") for ring in ("codec_keys", "pii_keys", "caller_proof_keys")}
    base = {"var_dir": tmp_path, **keys}
    return TestClient(create_app(Settings(**base, **settings)))


def test_production_serves_no_api_documents_unless_asked(tmp_path) -> None:
    prod, asked = _client(tmp_path, env="prod"), _client(tmp_path, env="prod", api_docs=True)
    for path in DOCS:
        assert prod.get(path).status_code == 404, path
        assert asked.get(path).status_code == 200, path


def test_development_and_tests_serve_them(tmp_path) -> None:
    for env in ("dev", "test"):
        client = _client(tmp_path, env=env)
        assert all(client.get(path).status_code == 200 for path in DOCS), env
