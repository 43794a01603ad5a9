"""Caller proof: which messages to a workflow the worker believes.

Anyone who reaches the Temporal frontend (the Web UI's HTTP API needs no login) can start a
workflow, send an update or a signal. The API and the ticket coordinator therefore put an HMAC
into a Temporal header of every start, update and signal; the worker's inbound interceptor
(workflows/interceptors.py) refuses whatever does not carry a valid one. Pure: no I/O, no clock —
the caller passes "now" (the workflow passes workflow time, so a check is deterministic).

What is signed: the kind (start/update/signal), the workflow ID, the workflow type or handler
name (for an update with its update ID), the issuer, the time and a SHA-256 of the arguments as
the pydantic payload converter serializes them (before encryption: the worker sees decrypted,
deserialized arguments and re-serializes them the same way). Headers sit in the history in clear
text, which anyone with the UI can read; binding the proof to the workflow, the handler and the
arguments means a copied proof is good only for repeating the same message to the same workflow,
and for updates and starts only within MAX_AGE.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from temporalio.api.common.v1 import Payload
from temporalio.contrib.pydantic import pydantic_data_converter

HEADER = "ruji-caller-proof"
VERSION = 1
#: Updates are validated within seconds of being signed (the API waits for the answer); starts
#: are checked against the server's start time. Ten minutes absorb clock skew between hosts.
MAX_AGE = timedelta(minutes=10)


class ProofKind(StrEnum):
    START = "start"
    UPDATE = "update"
    SIGNAL = "signal"
    #: an activity a ruji workflow scheduled (signed by the worker that ran the workflow task)
    ACTIVITY = "activity"


@dataclass(frozen=True)
class CallerProof:
    key_id: str
    issuer: str  # "api", "worker" (ticket coordinator), "cli": for the log, not for trust
    issued_at: int  # unix seconds
    mac: str  # hex

    def to_payload(self) -> Payload:
        body = {
            "v": VERSION,
            "kid": self.key_id,
            "by": self.issuer,
            "at": self.issued_at,
            "mac": self.mac,
        }
        return Payload(
            metadata={"encoding": b"json/plain"},
            data=json.dumps(body, separators=(",", ":")).encode(),
        )

    @classmethod
    def from_headers(cls, headers: Mapping[str, Payload]) -> CallerProof | None:
        payload = headers.get(HEADER)
        if payload is None:
            return None
        try:
            body = json.loads(payload.data)
            if body["v"] != VERSION:
                return None
            return cls(str(body["kid"]), str(body["by"]), int(body["at"]), str(body["mac"]))
        except (ValueError, KeyError, TypeError):
            return None


def args_digest(serialized: Sequence[Payload]) -> bytes:
    """SHA-256 over each payload's encoding and data, length-prefixed (no two lists collide)."""
    digest = hashlib.sha256()
    for payload in serialized:
        for part in (payload.metadata.get("encoding", b""), payload.data):
            digest.update(len(part).to_bytes(8, "big"))
            digest.update(part)
    return digest.digest()


def digest_of(args: Sequence[Any]) -> bytes:
    """What both sides hash: the arguments as the project's pydantic payload converter writes
    them (the client before encryption; the worker re-serializing what it deserialized)."""
    return args_digest(pydantic_data_converter.payload_converter.to_payloads(list(args)))


def update_proof_name(update: str, update_id: str) -> str:
    """An update's proof names its update ID too: the server runs one update ID once per run, so
    a proof copied from the history cannot be sent again under a fresh ID."""
    return f"{update}/{update_id}"


def _message(
    kind: ProofKind, workflow_id: str, name: str, issuer: str, issued_at: int, digest: bytes
) -> bytes:
    fields = [f"v{VERSION}", kind.value, workflow_id, name, issuer, str(issued_at), digest.hex()]
    return "\n".join(json.dumps(f) for f in fields).encode()


def sign(
    key_id: str,
    key: bytes,
    *,
    kind: ProofKind,
    workflow_id: str,
    name: str,
    issuer: str,
    issued_at: int,
    digest: bytes,
) -> CallerProof:
    mac = hmac.new(
        key, _message(kind, workflow_id, name, issuer, issued_at, digest), hashlib.sha256
    )
    return CallerProof(key_id, issuer, issued_at, mac.hexdigest())


def refusal_reason(
    proof: CallerProof | None,
    keys: Mapping[str, bytes],
    *,
    kind: ProofKind,
    workflow_id: str,
    name: str,
    digest: bytes,
    now: datetime | None,
    max_age: timedelta | None = MAX_AGE,
) -> str | None:
    """None when the proof holds; otherwise why not (English, for the worker's log).

    ``now`` None skips the age check (signals: a signal may wait in the history for hours while
    no worker runs, and repeating one verbatim repeats the same fact)."""
    if proof is None:
        return "no caller proof header"
    key = keys.get(proof.key_id)
    if key is None:
        return f"unknown caller-proof key id {proof.key_id!r}"
    expected = sign(
        proof.key_id,
        key,
        kind=kind,
        workflow_id=workflow_id,
        name=name,
        issuer=proof.issuer,
        issued_at=proof.issued_at,
        digest=digest,
    )
    if not hmac.compare_digest(expected.mac, proof.mac):
        return "caller proof does not match this workflow, handler or arguments"
    if now is not None and max_age is not None:
        age = now.timestamp() - proof.issued_at
        if abs(age) > max_age.total_seconds():
            return f"caller proof issued {age:.0f} s from now, beyond {max_age}"
    return None
