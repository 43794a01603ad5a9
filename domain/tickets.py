"""Admission-ticket numbers: 12 digits `YY AA B SSSSSSS` (DESIGN.md)."""

from __future__ import annotations

import re

from pydantic import BaseModel, Field

from domain.catalogs import REGIONS

TICKET_RE = re.compile(r"^[0-9]{2}(0[1-9]|1[0-4])[12][0-9]{7}$")
MAX_SEQUENCE = 9_999_999


def ticket_number(year: int, area: str, window: int, sequence: int) -> str:
    if area not in REGIONS:
        raise ValueError(f"unknown exam area {area!r}")
    if window not in (1, 2):
        raise ValueError(f"window must be 1 or 2, got {window}")
    if not 1 <= sequence <= MAX_SEQUENCE:
        raise ValueError(f"sequence out of range: {sequence}")
    return f"{year % 100:02d}{area}{window}{sequence:07d}"


def is_ticket_number(value: str) -> bool:
    return bool(TICKET_RE.match(value))


# --- contracts of the ticket-issuing activities -----------------------------------------
NUMBER_TICKET_PAGE = "number_ticket_page"
DELIVER_TICKETS = "deliver_tickets"
#: the audit action of a case's ticket (its workflow's commit, or the coordinator's projection)
TICKET_ISSUED_ACTION = "ticket_issued"


class NumberPageInput(BaseModel):
    period_id: str
    year: int
    window: int
    page_size: int = 500


class TicketGrant(BaseModel):
    workflow_id: str
    number: str


class NumberPageResult(BaseModel):
    grants: list[TicketGrant] = Field(default_factory=list)


class DeliverTicketsInput(BaseModel):
    grants: list[TicketGrant]
    concurrency: int = 50
