"""`ruji bench export --n 10000`: N numbered candidates seeded straight into a read model of its
own (personal data sealed as the projection seals it, one small official photo each), then the
API (`create_app`, its own process, no Temporal needed) exports them as CSV, XLSX and the photo
ZIP over HTTP. Measured: wall time of each download and the peak RSS growth of the API process
(VmHWM after the exports minus VmRSS before them, from /proc). Target: ≤ 100 MB."""

from __future__ import annotations

import argparse
import io
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from PIL import Image
from sqlmodel import Session

from benchmarks.report import record
from benchmarks.stack import bench_id_number
from domain.identity import IdType
from domain.ids import identity_hash, keyed_hash
from domain.masking import mask_id_number, mask_name, mask_phone
from domain.roles import Role
from infra.config import Settings
from infra.db import Account, Application, Document, create_schema, make_engine
from infra.keyring import new_key_entry
from infra.pii import pii_sealer_for
from infra.storage import LocalObjectStore
from infra.tokens import issue_token
from ruji_cli.dev_procs import free_port

SECRET = "bench-export-hmac"
TOKEN_KEY = "bench-export-token-key"
AREAS = tuple(f"{a:02d}" for a in range(1, 15))
NAMES = ("张三", "李四", "王五", "赵六", "欧阳修远", "买买提·艾力")
TARGET_MB = 100


def _settings(var_dir: Path, pii_keys: str) -> Settings:
    return Settings(
        env="test",
        var_dir=var_dir,
        database_url=f"sqlite:///{var_dir / 'read.db'}",
        storage_dir=var_dir / "objects",
        secret_key=TOKEN_KEY,
        identity_hmac_key=SECRET,
        pii_keys=pii_keys,
    )


def _photo() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (48, 64), (100, 197, 255)).save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


def seed(settings: Settings, n: int) -> None:
    engine = make_engine(settings.resolved_database_url)
    create_schema(engine)
    sealer = pii_sealer_for(settings)
    assert settings.storage_dir is not None
    store, photo, now = LocalObjectStore(settings.storage_dir), _photo(), datetime.now(UTC)
    with Session(engine) as session:
        session.add(Account(id="bench-op", username="bench-op", password_hash="-", role="operator"))
        for i in range(n):
            number, phone, name = bench_id_number(i), f"135{i:08d}", NAMES[i % len(NAMES)]
            area, wid = AREAS[i % len(AREAS)], f"enroll-2026-2-{i:06d}"
            sealed = sealer.seal(id_number=number, name=name)
            session.add(
                Application(
                    workflow_id=wid, period_id="2026-2", status="TICKET_ISSUED", version=9,
                    id_hash=identity_hash(SECRET, IdType.RESIDENT_ID, number),
                    phone_hash=keyed_hash(SECRET, phone), id_masked=mask_id_number(number),
                    phone_masked=mask_phone(phone), name_masked=mask_name(name),
                    id_number_enc=sealed.id_number_enc, id_number_hash=sealed.id_number_hash,
                    name_enc=sealed.name_enc, name_hash=sealed.name_hash, region=area,
                    major="530302", level="zhuanke", submitted_at=now,
                    ticket_number=f"26{area}2{i:07d}",
                )
            )  # fmt: skip
            stored = store.put(f"{wid}/photo/official.jpg", photo, "image/jpeg")
            session.add(
                Document(
                    workflow_id=wid, kind="photo", object_key=stored.key,
                    sha256=stored.sha256, size=stored.size,
                )
            )  # fmt: skip
            if i % 1000 == 999:
                session.commit()
        session.commit()
    engine.dispose()


def serve(var_dir: str, pii_keys: str, port: str) -> None:
    """The API process being measured (started by `measure` in a child interpreter)."""
    import uvicorn

    from api.app import create_app
    from api.deps import Services
    from infra.db import engine_for
    from infra.otp import OtpService
    from infra.sms import OutboxProvider

    settings = _settings(Path(var_dir), pii_keys)
    engine = engine_for(settings)
    assert settings.storage_dir is not None
    services = Services(
        settings=settings,
        engine=engine,
        store=LocalObjectStore(settings.storage_dir),
        otp=OtpService(engine, OutboxProvider(), SECRET),
    )
    uvicorn.run(
        create_app(settings, services), host="127.0.0.1", port=int(port), log_level="warning"
    )


def _rss_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/{pid}/status")


def _wait_ready(url: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the API exited with {proc.returncode}")
        try:
            if httpx.get(f"{url}/healthz").status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError("the API did not answer in time")


def _download(http: httpx.Client, path: str) -> tuple[float, int]:
    started, size = time.perf_counter(), 0
    with http.stream("GET", path, params={"period": "2026-2"}) as r:
        r.raise_for_status()
        for chunk in r.iter_bytes():
            size += len(chunk)
    return time.perf_counter() - started, size


def measure(n: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="ruji-bench-export-") as tmp:
        var_dir, pii_keys = Path(tmp), new_key_entry("bench1")
        started = time.perf_counter()
        seed(_settings(var_dir, pii_keys), n)
        seeded_s = time.perf_counter() - started
        port = free_port()
        code = f"from benchmarks.export import serve; serve({tmp!r}, {pii_keys!r}, '{port}')"
        proc = subprocess.Popen([sys.executable, "-c", code], env=os.environ.copy())
        try:
            url = f"http://127.0.0.1:{port}"
            _wait_ready(url, proc)
            token = issue_token(TOKEN_KEY, "bench-op", Role.OPERATOR)
            headers = {"authorization": f"Bearer {token}"}
            with httpx.Client(base_url=url, headers=headers, timeout=600) as http:
                http.get("/api/v1/office/feed/candidates", params={"limit": 1}).raise_for_status()
                before_kb = _rss_kb(proc.pid, "VmRSS")
                timings = {}
                for kind, path in (
                    ("csv", "/api/v1/office/exports/approved.csv"),
                    ("xlsx", "/api/v1/office/exports/approved.xlsx"),
                    ("zip", "/api/v1/office/exports/photos.zip"),
                ):
                    seconds, size = _download(http, path)
                    timings[kind] = {"seconds": round(seconds, 2), "mb": round(size / 2**20, 1)}
                peak_kb = _rss_kb(proc.pid, "VmHWM")
        finally:
            proc.terminate()
            proc.wait(timeout=20)
    return {
        "rows": n,
        "seeded_s": round(seeded_s, 1),
        "exports": timings,
        "api_rss_before_mb": round(before_kb / 1024, 1),
        "seconds": round(sum(t["seconds"] for t in timings.values()), 2),
        "peak_rss_mb": round(max(peak_kb - before_kb, 0) / 1024, 1),
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="ruji bench export")
    parser.add_argument("--n", type=int, default=10_000, help="numbered candidates to export")
    args = parser.parse_args(argv)
    result = measure(args.n)
    record("export", result, {"peak_rss_mb": f"≤ {TARGET_MB}"})
    return 0 if result["peak_rss_mb"] <= TARGET_MB else 1
