"""CHSI (学信网) credential check (R8): single-use QR tokens and the signed callback, all pure.

The workflow owns one `QrState` per application and redeems tokens against it; the API verifies
the callback's signature and freshness before anything reaches Temporal. Randomness and the
clock come in as arguments, so this module runs unchanged inside the workflow sandbox.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Protocol

from pydantic import BaseModel, Field

from domain.errors import RefusalCode, refuse

# Long enough to switch to the CHSI app and log in; short enough that a leaked screenshot goes
# stale. The candidate refreshes for a new code.
TOKEN_TTL = timedelta(minutes=10)
TOKEN_ENTROPY_BYTES = 16

SIGNATURE_HEADER = "X-Chsi-Signature"
TIMESTAMP_HEADER = "X-Chsi-Timestamp"
NONCE_HEADER = "X-Chsi-Nonce"
SIGNATURE_SCHEME = "v1"
# Wide enough for ordinary NTP drift between CHSI and us, narrow enough that the nonce store only
# has to remember nonces for twice this long.
CLOCK_SKEW = timedelta(minutes=5)
#: unix seconds in ASCII: str.isdigit() also takes "²" (a latin-1 header byte) and int() refuses
#: more than 4300 digits, both a 500 before the signature was checked
_TIMESTAMP = re.compile(r"[0-9]{1,11}")  # up to the year 5138: fromtimestamp() takes it


class ChsiRefusal(RefusalCode):
    """A CHSI callback or QR token refused."""

    CHSI_BAD_SIGNATURE = "CHSI_BAD_SIGNATURE", "学信网回调签名无效"
    CHSI_CLOCK_SKEW = "CHSI_CLOCK_SKEW", "学信网回调时间戳超出允许范围"
    CHSI_REPLAY = "CHSI_REPLAY", "学信网回调重复提交"
    CHSI_BAD_PAYLOAD = "CHSI_BAD_PAYLOAD", "学信网回调内容格式错误"
    CHSI_TOKEN_UNKNOWN = "CHSI_TOKEN_UNKNOWN", "二维码无效，请刷新后重新扫码"
    CHSI_TOKEN_EXPIRED = "CHSI_TOKEN_EXPIRED", "二维码已过期，请刷新后重新扫码"
    CHSI_TOKEN_USED = "CHSI_TOKEN_USED", "二维码已使用，每个二维码只能扫描一次，请刷新后重新扫码"
    CHSI_TOKEN_SUPERSEDED = "CHSI_TOKEN_SUPERSEDED", "二维码已刷新，请扫描最新的二维码"
    CHSI_TOKEN_WRONG_APPLICATION = "CHSI_TOKEN_WRONG_APPLICATION", "二维码不属于本次入籍申请"
    CHSI_IDENTITY_MISMATCH = "CHSI_IDENTITY_MISMATCH", "请使用本人身份信息登录的学信网APP扫码"
    CHSI_NO_RECORD = "CHSI_NO_RECORD", "学信网未查询到您的信息，请上传证明材料"
    CHSI_NO_CODE = "CHSI_NO_CODE", "请先点击进行学信网校验"
    CHSI_REGISTRATION_REFUSED = (
        "CHSI_REGISTRATION_REFUSED",
        "学信网未受理本次校验请求，请稍后重试，或选择「学信网校验失败」后上传证明材料",
    )


class ChsiKind(StrEnum):
    XUEJI = "xueji"  # 学籍 (student status): the left QR code
    XUELI = "xueli"  # 学历 (degree record): the right QR code

    @property
    def label(self) -> str:
        return {"xueji": "学籍", "xueli": "学历"}[self.value]


_TOKEN_PREFIX = {ChsiKind.XUEJI: "xj_", ChsiKind.XUELI: "xl_"}  # readable in logs, never parsed


class QrToken(BaseModel):
    kind: ChsiKind
    token: str
    application_ref: str  # the enrollment workflow ID: opaque, no PII
    issued_at: datetime
    expires_at: datetime
    used_at: datetime | None = None


def issue_token(
    kind: ChsiKind,
    application_ref: str,
    *,
    now: datetime,
    entropy: bytes,
    ttl: timedelta = TOKEN_TTL,
) -> QrToken:
    """`entropy` must come from `secrets.token_bytes`: the token is the only thing tying a scan to
    an application, so issue it in an activity (which registers it with CHSI anyway), not from the
    workflow's seeded random."""
    if len(entropy) < TOKEN_ENTROPY_BYTES:
        raise ValueError(f"a token needs at least {TOKEN_ENTROPY_BYTES} bytes of entropy")
    token = _TOKEN_PREFIX[kind] + base64.urlsafe_b64encode(entropy).rstrip(b"=").decode()
    return QrToken(
        kind=kind, token=token, application_ref=application_ref, issued_at=now, expires_at=now + ttl
    )


class ChsiRecord(BaseModel):
    """What CHSI confirms about the earlier study; shown to the candidate and the examiner."""

    kind: ChsiKind
    name: str
    id_number_masked: str  # CHSI never sends the full number back
    school: str
    major_name: str
    major_code: str = ""
    level: str  # 专科 / 本科 / 中专 as CHSI prints it
    study_form: str = ""  # 普通全日制, 成人高等教育, …
    enrolled_on: date | None = None
    graduated_on: date | None = None  # None for a current student (学籍)
    status: str = ""  # 在籍 / 毕业 / 结业 …


class ChsiOutcome(StrEnum):
    VERIFIED = "verified"
    NO_RECORD = "no_record"  # the scanner has no such record at CHSI
    IDENTITY_MISMATCH = "identity_mismatch"  # scanned from someone else's CHSI account


class ChsiCallback(BaseModel):
    """The body CHSI posts to our callback URL; signed as raw bytes, parsed only after the check."""

    token: str
    kind: ChsiKind
    application_ref: str  # echoed from the registration
    outcome: ChsiOutcome
    scanned_at: datetime
    record: ChsiRecord | None = None


class TokenRegistration(BaseModel):
    """What we tell CHSI when a QR code is shown: where to call back and whom to expect."""

    token: str
    kind: ChsiKind
    application_ref: str
    callback_url: str
    expires_at: datetime
    subject_digest: str  # `subject_digest(secret, id_number)`: no raw ID number leaves us


def subject_digest(secret: str, id_number: str) -> str:
    """Keyed with the callback secret CHSI shares, so the digest cannot be reversed by anyone who
    merely sees it (ID numbers are few enough to enumerate)."""
    message = b"chsi-subject:" + id_number.strip().upper().encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


# --- single-use state machine -------------------------------------------------------------------
class QrState(BaseModel):
    """Both QR codes of one application. Refreshing a code retires the previous one for good."""

    application_ref: str
    current: dict[ChsiKind, QrToken] = Field(default_factory=dict)
    retired: list[str] = Field(default_factory=list)
    closed: bool = False  # timeout or 「学信网校验失败」: the manual path is open

    def with_token(self, token: QrToken) -> QrState:
        if token.application_ref != self.application_ref:
            raise refuse(ChsiRefusal.CHSI_TOKEN_WRONG_APPLICATION)
        previous = self.current.get(token.kind)
        retired = [*self.retired, previous.token] if previous else list(self.retired)
        return self.model_copy(
            update={"current": {**self.current, token.kind: token}, "retired": retired}
        )

    def close(self) -> QrState:
        return self.model_copy(update={"closed": True})


class Redemption(BaseModel):
    state: QrState
    token: QrToken
    late: bool  # arrived after the QR step closed: record it for the examiner, change no step


def redeem_token(
    state: QrState, token: str, claimed_application_ref: str, *, scanned_at: datetime
) -> Redemption:
    """Checks one scan against the application's codes. Expiry is judged at CHSI's signed scan
    time, so a slow CHSI does not punish a candidate who scanned in time."""
    if claimed_application_ref != state.application_ref:
        raise refuse(ChsiRefusal.CHSI_TOKEN_WRONG_APPLICATION)
    if token in state.retired:
        raise refuse(ChsiRefusal.CHSI_TOKEN_SUPERSEDED)
    issued = next((t for t in state.current.values() if t.token == token), None)
    if issued is None:
        raise refuse(ChsiRefusal.CHSI_TOKEN_UNKNOWN)
    if issued.used_at is not None:
        raise refuse(ChsiRefusal.CHSI_TOKEN_USED, measured=issued.used_at.isoformat())
    if scanned_at >= issued.expires_at:
        raise refuse(
            ChsiRefusal.CHSI_TOKEN_EXPIRED,
            measured=scanned_at.isoformat(),
            expected=issued.expires_at.isoformat(),
        )
    used = issued.model_copy(update={"used_at": scanned_at})
    new_state = state.model_copy(update={"current": {**state.current, used.kind: used}})
    return Redemption(state=new_state, token=used, late=state.closed)


def check_subject(callback: ChsiCallback) -> ChsiRecord:
    """A verified outcome with its record, or the refusal the candidate reads."""
    if callback.outcome is ChsiOutcome.IDENTITY_MISMATCH:
        raise refuse(ChsiRefusal.CHSI_IDENTITY_MISMATCH)
    if callback.outcome is ChsiOutcome.NO_RECORD or callback.record is None:
        raise refuse(
            ChsiRefusal.CHSI_NO_RECORD,
            message=f"学信网未查询到您的{callback.kind.label}信息，请上传证明材料",
        )
    return callback.record


class ChsiScan(BaseModel):
    """CHSI's answer to the scan of a code still on the candidate's screen. The answer itself
    goes back to CHSI; the candidate reads it here, under the code his scan has spent."""

    kind: ChsiKind
    scanned_at: datetime
    outcome: ChsiOutcome
    code: str = ""  # the refusal's code when CHSI confirmed nothing
    message: str


def _scan_message(kind: ChsiKind, outcome: ChsiOutcome) -> tuple[str, str]:
    if outcome is ChsiOutcome.VERIFIED:
        return "", f"学信网已确认您的{kind.label}信息"
    if outcome is ChsiOutcome.IDENTITY_MISMATCH:
        return ChsiRefusal.CHSI_IDENTITY_MISMATCH.value, (
            "扫码的学信网账号不是本人。请使用本人身份信息登录学信网APP，刷新二维码后重新扫码"
        )
    other = ChsiKind.XUELI if kind is ChsiKind.XUEJI else ChsiKind.XUEJI
    side = "右侧" if other is ChsiKind.XUELI else "左侧"
    return ChsiRefusal.CHSI_NO_RECORD.value, (
        f"学信网未查询到您的{kind.label}信息，请扫描{side}（{other.label}）二维码；"
        "均未查询到时，请点击「学信网校验失败」后上传证明材料"
    )


def scans_on_screen(qr: QrState | None, outcomes: list[str]) -> list[ChsiScan]:
    """The current codes already scanned, with CHSI's answer (`outcomes` as the workflow
    records them, "kind:outcome" in order): a code is redeemed once, so the last outcome of its
    kind is its own; a refreshed code is unscanned and shows nothing."""
    if qr is None:
        return []
    latest = dict(outcome.split(":", 1) for outcome in outcomes)
    scans = []
    for kind in ChsiKind:
        token = qr.current.get(kind)
        if token is None or token.used_at is None or kind.value not in latest:
            continue
        outcome = ChsiOutcome(latest[kind.value])
        code, message = _scan_message(kind, outcome)
        scans.append(
            ChsiScan(
                kind=kind, scanned_at=token.used_at, outcome=outcome, code=code, message=message
            )
        )
    return scans


# --- callback signature -------------------------------------------------------------------------
def _signed_message(body: bytes, timestamp: int, nonce: str) -> bytes:
    return f"{SIGNATURE_SCHEME}:{timestamp}:{nonce}:".encode() + body


def sign_callback(secret: str, body: bytes, timestamp: int, nonce: str) -> str:
    digest = hmac.new(secret.encode(), _signed_message(body, timestamp, nonce), hashlib.sha256)
    return f"{SIGNATURE_SCHEME}={digest.hexdigest()}"


def callback_headers(secret: str, body: bytes, *, now: datetime, nonce: str) -> dict[str, str]:
    timestamp = int(now.timestamp())
    return {
        TIMESTAMP_HEADER: str(timestamp),
        NONCE_HEADER: nonce,
        SIGNATURE_HEADER: sign_callback(secret, body, timestamp, nonce),
    }


class SignedEnvelope(BaseModel):
    timestamp: datetime
    nonce: str
    nonce_expires_at: datetime  # how long the nonce store must remember it


def check_signature(
    secret: str,
    body: bytes,
    headers: Mapping[str, str],
    *,
    now: datetime,
    skew: timedelta = CLOCK_SKEW,
) -> SignedEnvelope:
    """Signature first (constant-time), then freshness: an unsigned request learns nothing about
    our clock. Header lookup is case-insensitive, as HTTP requires; `now` is timezone-aware."""
    lowered = {key.lower(): value for key, value in headers.items()}
    raw_timestamp = lowered.get(TIMESTAMP_HEADER.lower(), "")
    nonce = lowered.get(NONCE_HEADER.lower(), "")
    signature = lowered.get(SIGNATURE_HEADER.lower(), "")
    if not (_TIMESTAMP.fullmatch(raw_timestamp) and 8 <= len(nonce) <= 128 and signature):
        raise refuse(ChsiRefusal.CHSI_BAD_SIGNATURE)
    expected = sign_callback(secret, body, int(raw_timestamp), nonce)
    if not hmac.compare_digest(expected.encode(), signature.encode()):
        raise refuse(ChsiRefusal.CHSI_BAD_SIGNATURE)
    timestamp = datetime.fromtimestamp(int(raw_timestamp), tz=UTC)
    if abs(now - timestamp) > skew:
        raise refuse(
            ChsiRefusal.CHSI_CLOCK_SKEW,
            measured=timestamp.isoformat(),
            expected=f"±{skew.total_seconds()}s",
        )
    return SignedEnvelope(timestamp=timestamp, nonce=nonce, nonce_expires_at=timestamp + 2 * skew)


class NonceStore(Protocol):
    """Remembers callback nonces until they expire; backed by memory in tests, the DB in prod."""

    async def remember(self, nonce: str, expires_at: datetime) -> bool:
        """Store the nonce; False if it was already there (atomically, e.g. a unique key)."""
        ...


def check_first_use(nonce: str, first_seen: bool) -> None:
    if not first_seen:
        raise refuse(ChsiRefusal.CHSI_REPLAY, measured=nonce)


# --- contracts of the CHSI code activity --------------------------------------------------
ISSUE_CHSI_CODES = "issue_chsi_codes"


class IssueChsiCodesInput(BaseModel):
    application_id: str
    id_number: str  # only its keyed digest leaves us (domain.chsi.subject_digest)


class ChsiCode(BaseModel):
    kind: str
    token: str
    content: str  # what the QR code encodes
    expires_at: datetime


class IssuedChsiCodes(BaseModel):
    codes: list[ChsiCode]
