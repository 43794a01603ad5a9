"""Identifiers that carry no personal data: workflow IDs and lookup hashes are keyed HMACs."""

from __future__ import annotations

import hashlib
import hmac
import re

from domain.identity import IdType, normalize_id_number


def keyed_hash(secret: str, value: str) -> str:
    return hmac.new(secret.encode(), value.encode(), hashlib.sha256).hexdigest()


def identity_hash(secret: str, id_type: IdType, id_number: str) -> str:
    return keyed_hash(secret, f"{id_type.value}:{normalize_id_number(id_number)}")


#: what an application ID sent by a client may look like: anything else cannot be one (and an
#: empty or oversized ID is refused by Temporal as an invalid request, which was a 500)
ENROLLMENT_ID_PATTERN = r"^enroll-[A-Za-z0-9-]{1,72}$"


ENROLLMENT_ID_RE = re.compile(ENROLLMENT_ID_PATTERN)


def enrollment_workflow_id(period_id: str, identity_digest: str) -> str:
    """`enroll-{period}-{hmac(id_type:id_number)[:20]}`: one live application per person, period."""
    return f"enroll-{period_id}-{identity_digest[:20]}"


#: a period's ID as staff type it, e.g. 2026-2 (ASCII digits: `\d` takes every script's digits)
PERIOD_ID_PATTERN = r"^[0-9]{4}-[12](-[a-z0-9]{1,20})?$"


def period_workflow_id(period_id: str) -> str:
    return f"period-{period_id}"
