"""CHSI activities: issue the two single-use QR tokens and register them with CHSI."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from temporalio import activity

from domain.chsi import (
    ISSUE_CHSI_CODES,
    ChsiCode,
    ChsiKind,
    ChsiRefusal,
    IssueChsiCodesInput,
    IssuedChsiCodes,
    TokenRegistration,
    issue_token,
    subject_digest,
)
from domain.errors import refuse, to_application_error
from infra.chsi_gateway import ChsiGateway

CALLBACK_PATH = "/api/v1/chsi/callback"


class ChsiActivities:
    def __init__(self, gateway: ChsiGateway, callback_secret: str, api_base_url: str):
        self.gateway = gateway
        self.secret = callback_secret
        self.callback_url = api_base_url.rstrip("/") + CALLBACK_PATH

    @activity.defn(name=ISSUE_CHSI_CODES)
    async def issue_chsi_codes(self, inp: IssueChsiCodesInput) -> IssuedChsiCodes:
        """Tokens come from `secrets` here, not from the workflow's seeded random: the token alone
        ties a scan to an application. A retry issues fresh tokens; the workflow keeps the last."""
        now = datetime.now(UTC)
        digest = subject_digest(self.secret, inp.id_number)
        codes = []
        for kind in (ChsiKind.XUEJI, ChsiKind.XUELI):
            token = issue_token(kind, inp.application_id, now=now, entropy=secrets.token_bytes(16))
            registration = TokenRegistration(
                token=token.token,
                kind=kind,
                application_ref=inp.application_id,
                callback_url=self.callback_url,
                expires_at=token.expires_at,
                subject_digest=digest,
            )
            try:
                await self.gateway.register_token(registration)
            except ValueError as exc:
                activity.logger.warning("CHSI refused a token registration: %s", exc)
                raise to_application_error(refuse(ChsiRefusal.CHSI_REGISTRATION_REFUSED)) from exc
            codes.append(
                ChsiCode(
                    kind=kind.value,
                    token=token.token,
                    content=self.gateway.qr_content(token.token),
                    expires_at=token.expires_at,
                )
            )
        return IssuedChsiCodes(codes=codes)
