"""Settings from the environment (prefix RUJI_), read once through get_settings().

One `Settings` for every process; the face verifier's and the observability settings are its
sections. A section reads its own variables (`RUJI_FACE_*`; `RUJI_LOG_FORMAT`,
`RUJI_TEMPORAL_METRICS_BIND`, `RUJI_METRICS_PORT`), so the names operators already set keep
working, and `RUJI_FACE__MODEL`-style nested names are not needed. Library code takes the
`Settings` it is given; only the entry points (worker.py, api/app.py, ruji_cli) call
get_settings().
"""

from __future__ import annotations

import secrets
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from domain.liveness import LivenessThresholds
from infra.dev_secrets import dev_signing_secrets

DEV_PLACEHOLDER = "dev-only-change-me"
#: what signs or keys tokens, file links, lookups and CHSI callbacks: the placeholder is refused
#: in prod, replaced by the var dir's own in dev (infra/dev_secrets.py), kept only by the tests'
#: stacks; a process that holds no secrets (`holds_secrets`) has none of them
SIGNING_SECRETS = ("secret_key", "identity_hmac_key", "chsi_callback_secret")


class FaceSettings(BaseSettings):
    """Model choice and thresholds of the face verifier (RUJI_FACE_*); figures in
    docs/decisions.md."""

    model_config = SettingsConfigDict(env_prefix="RUJI_FACE_", env_file=".env", extra="ignore")

    model: str = "Dlib"
    # deepface's detector, for models other than Dlib (Dlib embeds dlib's aligned chips);
    # `dlib` beat `opencv` on ID-portrait-sized crops (docs/decisions.md)
    detector: str = "dlib"
    # cosine; second generator (mirror-averaged chips): genuine <= 0.081, impostor >= 0.090
    match_threshold: float = 0.080
    # an action frame vs the kept frame, plain chips (docs/decisions.md, 2026-12-01 face3): on
    # the second generator genuine action frames <= 0.058 but a full nod's, impostors >= 0.092
    identity_threshold: float = 0.080
    identity_threshold_nod: float = 0.12  # a face bowed 30° is foreshortened: genuine <= 0.118
    replay_max_diff: float = 1.0  # mean grey-level change below which two frames are one still
    anti_spoofing: str = "auto"  # auto: when the Fasnet weights are in place | on | off
    liveness: LivenessThresholds = LivenessThresholds()


class ObservabilitySettings(BaseSettings):
    """Logs and metrics of every process (RUJI_LOG_FORMAT, RUJI_TEMPORAL_METRICS_BIND,
    RUJI_METRICS_PORT)."""

    model_config = SettingsConfigDict(env_prefix="RUJI_", env_file=".env", extra="ignore")

    log_format: str = "text"  # text | json (one JSON object per line, PII masked)
    #: host:port where the Temporal SDK serves its metrics; empty = off
    temporal_metrics_bind: str = ""
    #: port of a worker's own metrics (ticket counters); 0 = off. The API serves /metrics.
    metrics_port: int = 0

    @property
    def json_logs(self) -> bool:
        return self.log_format == "json"


class DatabasePool(BaseSettings):
    """The read model's connection pool of one process (an API worker or an enrollment worker),
    RUJI_DB_*: `pool_size` kept open, `max_overflow` more under a burst, and how long a request
    waits for one. The rule per process count is in docs/capacity.md."""

    model_config = SettingsConfigDict(env_prefix="RUJI_DB_", env_file=".env", extra="ignore")

    pool_size: int = Field(default=10, ge=1)
    max_overflow: int = Field(default=20, ge=0)
    #: a request that waited this long for a connection answers 503 SERVICE_OVERLOADED with
    #: Retry-After: a connection is held for milliseconds (never across a Temporal call), so a
    #: wait of seconds means the database is the bottleneck, and a quick answer beats a hang
    pool_timeout_s: float = Field(default=5.0, gt=0)

    @property
    def connections(self) -> int:
        """The most this process opens: what it costs of Postgres' `max_connections`."""
        return self.pool_size + self.max_overflow


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RUJI_", env_file=".env", extra="ignore")

    env: str = "dev"  # dev | test | prod
    #: the OpenAPI document and its pages (/docs, /redoc, /openapi.json); unset: everywhere but
    #: prod, where the published port would hand every route and field to whoever asks
    api_docs: bool | None = None
    var_dir: Path = Path("var")

    temporal_address: str = "127.0.0.1:7233"
    temporal_namespace: str = "default"
    enrollment_task_queue: str = "ruji-enrollment"
    vision_task_queue: str = "ruji-vision"

    database_url: str = ""  # empty: SQLite file under var_dir

    storage_backend: str = "local"  # local | s3
    storage_dir: Path | None = None
    s3_bucket: str = "ruji"
    s3_endpoint_url: str | None = None
    s3_region: str = "us-east-1"

    secret_key: str = DEV_PLACEHOLDER  # signs tokens
    identity_hmac_key: str = DEV_PLACEHOLDER  # workflow IDs and lookup hashes
    sms_provider: str = "outbox"  # outbox (dev) | http (infra/sms_http.py)
    sms_http_url: str = ""  # the gateway's send endpoint
    sms_http_secret: str = ""  # shared HMAC key: the gateway checks X-Ruji-Signature
    sms_http_timeout_s: float = 5.0
    chsi_callback_secret: str = DEV_PLACEHOLDER
    #: False in a vision-only worker (`worker.main`): it parses every upload, the code most
    #: exposed to a hostile file, and needs none of `SIGNING_SECRETS` (compose gives it none).
    #: Each becomes a random value of this process, so nothing it signs is believed anywhere.
    holds_secrets: bool = True

    #: the reverse proxies whose X-Forwarded-For names the client ("10.0.0.5,10.0.0.6" or "*"
    #: behind an ingress that is the only way in); empty: the TCP peer is the client
    forwarded_allow_ips: str = ""

    api_base_url: str = "http://127.0.0.1:8000"
    chsi_base_url: str = "http://127.0.0.1:8010"

    deepface_home: Path | None = None

    #: "k2:<base64 32 bytes>,k1:<base64>", the first current; empty in dev: var/secrets/codec-keys
    codec_keys: str = ""
    #: the Temporal Web UI's origin, the only one allowed to call the codec endpoints
    ui_origin: str = "http://127.0.0.1:8233"
    #: read-model column encryption (ID number, name), same format as codec_keys, its own ring
    #: so either rotates alone; empty in dev: var/secrets/pii-keys
    pii_keys: str = ""
    #: signs every workflow start, update and signal the API and the ticket coordinator send
    #: (infra/caller_proof.py); same format, its own ring; empty in dev: the generated
    #: var/secrets/caller-proof-keys
    caller_proof_keys: str = ""
    #: an upgrade's grace for activities scheduled before workflows signed them (ISO time, e.g.
    #: the deploy's): those run unsigned; every activity scheduled later needs the proof. Unset
    #: (the default) once no activity from before the upgrade can still be pending or retrying
    unsigned_activities_before: datetime | None = None

    @field_validator("unsigned_activities_before", mode="before")
    @classmethod
    def _unset_when_empty(cls, value: object) -> object:
        """Compose passes `${RUJI_UNSIGNED_ACTIVITIES_BEFORE:-}`: empty is unset."""
        return None if value == "" else value

    #: request bodies larger than these are refused before they are read (413). One JSON body
    #: is one update's input: 64 KiB is far below Temporal's payload limit (2 MiB, warning from
    #: 512 KiB) and far above the largest real form; the codec endpoints carry whole payloads.
    max_json_body_bytes: int = 64 * 1024
    max_codec_body_bytes: int = 4 * 1024 * 1024
    #: bytes one application may keep in the object store (all its uploads, accepted or not);
    #: a complete application holds about 10 MB
    storage_quota_bytes: int = 200 * 1024 * 1024
    max_multipart_body_bytes: int = 48 * 1024 * 1024

    #: the longest an upload (ID card, photo, face) waits for its vision answer before it is
    #: answered 202 with its place in line; at once when the queue is already longer
    upload_wait_s: float = 15.0
    #: seconds of the whole vision fleet per task, for the queue estimate until Temporal has
    #: measured a dispatch rate (~2.5 CPU s per candidate over three tasks, two cores)
    vision_task_s: float = 0.5
    #: niceness of a vision-only worker process: CPU-bound vision yields the cores to the API,
    #: Temporal and orchestration when they contend (docs/capacity.md)
    vision_nice: int = 10

    face: FaceSettings = Field(default_factory=FaceSettings)
    observability: ObservabilitySettings = Field(default_factory=ObservabilitySettings)
    db_pool: DatabasePool = Field(default_factory=DatabasePool)
    #: routes that can tell whether an ID number or phone is enrolled (register, verify, login):
    #: requests per client IP per minute, and per phone (or application) per 10 minutes
    probe_limit_per_ip: int = 30
    probe_limit_per_phone: int = 10
    #: staff and codec-session logins: failures per account before a lockout of
    #: `staff_lockout_s`, and attempts per client IP in the same window
    staff_failures_per_account: int = 5
    staff_attempts_per_ip: int = 30
    staff_lockout_s: int = 900
    #: requests of one candidate token per minute (every route a candidate token opens): polling
    #: /me every 3 s is 20, a whole application a few dozen; a client retrying in a loop is held
    #: back here
    candidate_requests_per_minute: int = Field(default=120, ge=1)
    #: how stale an API process's list of ended candidate sign-ins may be: a logout's access
    #: tokens stop within this (api/ended_sign_ins.py); one indexed query per interval
    ended_sign_ins_poll_s: float = Field(default=5.0, ge=0)
    #: seconds from a connection's first byte (or its opening) to a complete request head, per
    #: request; then it is closed (api/request_head_deadline.py). The ingress sends a head whole,
    #: a phone's is a round trip; a client trickling it (slowloris) holds no connection longer.
    request_head_timeout_s: float = Field(default=10.0, gt=0)
    #: admission control (api/admission.py): requests of each kind one API process works on at
    #: once; the next ones answer 429 TOO_MANY_CONCURRENT with Retry-After instead of queueing.
    #: Sign-ins (register, verify, login, login code) wait on Temporal and the SMS gateway;
    #: uploads (a multipart POST to an upload route, with a candidate token) hold their body and
    #: a decode thread; a staff login is an argon2 hash (64 MiB, ~0.1 s of a core). Sizes per
    #: process in docs/capacity.md.
    concurrent_sign_ins: int = Field(default=32, ge=1)
    concurrent_uploads: int = Field(default=16, ge=1)
    concurrent_staff_logins: int = Field(default=4, ge=1)
    #: days after the review deadline at which cases still SUBMITTED or RETURNED are closed
    #: (the period workflow's close-out; docs/operations.md "Close-out and retention")
    close_out_after_days: int = Field(default=14, ge=0, le=365)
    #: days an expired, withdrawn or rejected case keeps its images and personal data before the
    #: retention run deletes them (PIPL art. 19/47: no longer than the purpose needs; 180 days
    #: cover a complaint or review of the decision, docs/security.md "Retention")
    retention_days: int = Field(default=180, ge=1, le=3650)

    @model_validator(mode="after")
    def _refuse_placeholders_outside_dev(self) -> Settings:
        if not self.holds_secrets:
            for name in SIGNING_SECRETS:
                setattr(self, name, secrets.token_urlsafe(32))
        elif self.env == "dev":  # the var dir's own, never the public placeholder
            stored = dev_signing_secrets(self.var_dir, SIGNING_SECRETS)
            for name in SIGNING_SECRETS:
                if getattr(self, name) == DEV_PLACEHOLDER:
                    setattr(self, name, stored[name])
        elif self.env != "test":
            for name in SIGNING_SECRETS:
                if getattr(self, name) == DEV_PLACEHOLDER:
                    raise ValueError(f"RUJI_{name.upper()} must be set outside dev")
        if self.sms_provider == "http" and not (self.sms_http_url and self.sms_http_secret):
            raise ValueError("RUJI_SMS_PROVIDER=http needs RUJI_SMS_HTTP_URL and _SECRET")
        return self

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.var_dir / 'ruji.db'}"

    @property
    def resolved_storage_dir(self) -> Path:
        return self.storage_dir or self.var_dir / "objects"


@lru_cache
def get_settings() -> Settings:
    return Settings()
