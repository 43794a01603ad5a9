"""Who a token speaks for (DESIGN.md "Privacy and access")."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    CANDIDATE = "candidate"
    #: a candidate's refresh token: accepted by the refresh route only, never as a bearer token
    CANDIDATE_REFRESH = "candidate_refresh"
    EXAMINER = "examiner"  # reviews the cases of his regions
    ADMIN = "admin"  # everything, every region
    OPERATOR = "operator"  # watches: read-only case views, the Web UI's codec


STAFF_ROLES = (Role.EXAMINER, Role.ADMIN, Role.OPERATOR)
