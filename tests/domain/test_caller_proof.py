"""The caller proof holds only for the workflow, handler, arguments and time it was made for: a
proof copied out of a history (headers are readable in the Web UI) is good for nothing else."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain.caller_proof import (
    HEADER,
    MAX_AGE,
    CallerProof,
    ProofKind,
    digest_of,
    refusal_reason,
    sign,
)
from domain.enrollment import ExaminerAction

KEY, OTHER_KEY = b"k" * 32, b"o" * 32
NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
ARGS = [ExaminerAction(examiner="ex1")]


def proof(**changes) -> CallerProof:
    fields = {
        "kind": ProofKind.UPDATE,
        "workflow_id": "enroll-2026-2-abc",
        "name": "approve/u1",
        "issuer": "api",
        "issued_at": int(NOW.timestamp()),
        "digest": digest_of(ARGS),
    }
    return sign("p1", changes.pop("key", KEY), **{**fields, **changes})


def reason(p: CallerProof | None, **changes) -> str | None:
    fields = {
        "kind": ProofKind.UPDATE,
        "workflow_id": "enroll-2026-2-abc",
        "name": "approve/u1",
        "digest": digest_of(ARGS),
        "now": NOW,
    }
    return refusal_reason(p, {"p1": KEY}, **{**fields, **changes})


def test_a_proof_holds_for_what_it_was_made_for_and_survives_the_header():
    header = {HEADER: proof().to_payload()}
    assert reason(CallerProof.from_headers(header)) is None


@pytest.mark.parametrize(
    "changes",
    [
        {"workflow_id": "enroll-2026-2-other"},
        {"name": "approve/u2"},  # same update sent again under a fresh update ID
        {"name": "reject/u1"},
        {"kind": ProofKind.SIGNAL},
        {"digest": digest_of([ExaminerAction(examiner="ex2")])},
        {"now": NOW + MAX_AGE + timedelta(seconds=1)},
    ],
    ids=["other workflow", "fresh update id", "other handler", "other kind", "other args", "old"],
)
def test_a_proof_is_refused_for_anything_else(changes):
    assert reason(proof(), **changes) is not None


def test_missing_forged_or_unknown_key_proofs_are_refused():
    assert reason(None) == "no caller proof header"
    assert reason(proof(key=OTHER_KEY)) is not None
    unknown = CallerProof("p9", "api", int(NOW.timestamp()), proof().mac)
    assert "unknown" in (reason(unknown) or "")
    assert CallerProof.from_headers({}) is None
