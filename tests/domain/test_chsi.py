"""Single-use QR tokens and the callback's security checks (R8, issue 6 point 3)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from domain.chsi import (
    CLOCK_SKEW,
    NONCE_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    TOKEN_TTL,
    ChsiCallback,
    ChsiKind,
    ChsiOutcome,
    ChsiRecord,
    QrState,
    callback_headers,
    check_first_use,
    check_signature,
    check_subject,
    issue_token,
    redeem_token,
    subject_digest,
)
from domain.errors import RefusedError

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
APP = "enroll-2026-1-0123456789abcdef0123"
OTHER_APP = "enroll-2026-1-fedcba9876543210fedc"
SECRET = "test-callback-secret"


def _entropy(n: int) -> bytes:
    return bytes([n]) * 16


def _state_with(*kinds: ChsiKind, app: str = APP, at: datetime = NOW) -> QrState:
    state = QrState(application_ref=app)
    for n, kind in enumerate(kinds):
        state = state.with_token(issue_token(kind, app, now=at, entropy=_entropy(n)))
    return state


def _refused(code: str, call, *args, **kwargs):
    with pytest.raises(RefusedError) as caught:
        call(*args, **kwargs)
    assert caught.value.refusal.code == code
    assert caught.value.refusal.message  # Chinese text for the candidate / operator
    return caught.value.refusal


# --- tokens ---------------------------------------------------------------------------------------
def test_tokens_differ_by_entropy_and_kind_and_expire_after_the_ttl():
    a = issue_token(ChsiKind.XUEJI, APP, now=NOW, entropy=_entropy(1))
    b = issue_token(ChsiKind.XUEJI, APP, now=NOW, entropy=_entropy(2))
    c = issue_token(ChsiKind.XUELI, APP, now=NOW, entropy=_entropy(1))
    assert len({a.token, b.token, c.token}) == 3
    assert a.expires_at == NOW + TOKEN_TTL
    with pytest.raises(ValueError):
        issue_token(ChsiKind.XUEJI, APP, now=NOW, entropy=b"short")


def test_a_token_works_once():
    state = _state_with(ChsiKind.XUEJI, ChsiKind.XUELI)
    token = state.current[ChsiKind.XUEJI].token
    first = redeem_token(state, token, APP, scanned_at=NOW + timedelta(minutes=1))
    assert first.token.used_at == NOW + timedelta(minutes=1)
    assert not first.late
    _refused("CHSI_TOKEN_USED", redeem_token, first.state, token, APP, scanned_at=NOW)
    # the other code is untouched by the first scan
    other = first.state.current[ChsiKind.XUELI].token
    assert redeem_token(first.state, other, APP, scanned_at=NOW).token.kind is ChsiKind.XUELI


def test_a_refreshed_token_works_and_the_old_one_is_refused():
    state = _state_with(ChsiKind.XUEJI)
    old = state.current[ChsiKind.XUEJI].token
    refreshed = issue_token(ChsiKind.XUEJI, APP, now=NOW, entropy=_entropy(9))
    state = state.with_token(refreshed)
    _refused("CHSI_TOKEN_SUPERSEDED", redeem_token, state, old, APP, scanned_at=NOW)
    assert redeem_token(state, refreshed.token, APP, scanned_at=NOW).token.token == refreshed.token


def test_a_used_token_can_be_refreshed_for_another_scan():
    state = _state_with(ChsiKind.XUELI)
    used = redeem_token(state, state.current[ChsiKind.XUELI].token, APP, scanned_at=NOW).state
    again = used.with_token(issue_token(ChsiKind.XUELI, APP, now=NOW, entropy=_entropy(7)))
    redeem_token(again, again.current[ChsiKind.XUELI].token, APP, scanned_at=NOW)


def test_a_token_expires():
    state = _state_with(ChsiKind.XUEJI)
    token = state.current[ChsiKind.XUEJI]
    last_moment = token.expires_at - timedelta(seconds=1)
    assert redeem_token(state, token.token, APP, scanned_at=last_moment)
    refusal = _refused(
        "CHSI_TOKEN_EXPIRED", redeem_token, state, token.token, APP, scanned_at=token.expires_at
    )
    assert refusal.expected == token.expires_at.isoformat()


def test_unknown_token_is_refused():
    _refused(
        "CHSI_TOKEN_UNKNOWN",
        redeem_token,
        _state_with(ChsiKind.XUEJI),
        "xu_forged",
        APP,
        scanned_at=NOW,
    )


def test_a_token_of_another_application_is_refused():
    mine = _state_with(ChsiKind.XUEJI)
    their_token = issue_token(ChsiKind.XUEJI, OTHER_APP, now=NOW, entropy=_entropy(42)).token
    # the callback names the other application: refused before the token is even looked up
    _refused(
        "CHSI_TOKEN_WRONG_APPLICATION", redeem_token, mine, their_token, OTHER_APP, scanned_at=NOW
    )
    # the other application's token claimed for ours is unknown here
    _refused("CHSI_TOKEN_UNKNOWN", redeem_token, mine, their_token, APP, scanned_at=NOW)
    # and a token issued for another application cannot be attached to ours
    stray = issue_token(ChsiKind.XUELI, OTHER_APP, now=NOW, entropy=_entropy(5))
    _refused("CHSI_TOKEN_WRONG_APPLICATION", mine.with_token, stray)


def test_a_late_callback_after_the_fallback_is_recorded_as_late():
    state = _state_with(ChsiKind.XUELI).close()
    redemption = redeem_token(state, state.current[ChsiKind.XUELI].token, APP, scanned_at=NOW)
    assert redemption.late
    assert redemption.state.closed  # the manual path stays open


def test_state_survives_a_json_round_trip():
    state = _state_with(ChsiKind.XUEJI, ChsiKind.XUELI).with_token(
        issue_token(ChsiKind.XUEJI, APP, now=NOW, entropy=_entropy(8))
    )
    assert QrState.model_validate_json(state.model_dump_json()) == state


# --- callback outcome -----------------------------------------------------------------------------
RECORD = ChsiRecord(
    kind=ChsiKind.XUELI,
    name="李护",
    id_number_masked="430***********0023",
    school="长沙卫生职业学院",
    major_name="护理",
    major_code="520201",
    level="专科",
    graduated_on=datetime(2022, 6, 30).date(),
    status="毕业",
)


@pytest.mark.parametrize(
    ("outcome", "record", "code"),
    [
        (ChsiOutcome.VERIFIED, RECORD, None),
        (ChsiOutcome.NO_RECORD, None, "CHSI_NO_RECORD"),
        (ChsiOutcome.IDENTITY_MISMATCH, None, "CHSI_IDENTITY_MISMATCH"),
    ],
)
def test_callback_outcome(outcome, record, code):
    callback = ChsiCallback(
        token="xu_t",
        kind=ChsiKind.XUELI,
        application_ref=APP,
        outcome=outcome,
        scanned_at=NOW,
        record=record,
    )
    if code is None:
        assert check_subject(callback) == RECORD
    else:
        _refused(code, check_subject, callback)


def test_subject_digest_is_keyed_and_ignores_case():
    assert subject_digest(SECRET, "43010219900307001x") == subject_digest(
        SECRET, " 43010219900307001X"
    )
    assert subject_digest(SECRET, "43010219900307001X") != subject_digest(
        "other", "43010219900307001X"
    )


# --- callback signature ---------------------------------------------------------------------------
BODY = json.dumps({"token": "xu_t", "outcome": "verified"}).encode()


def _headers(body=BODY, at=NOW, nonce="0123456789abcdef", secret=SECRET):
    return callback_headers(secret, body, now=at, nonce=nonce)


def test_a_good_signature_passes_and_tells_how_long_to_keep_the_nonce():
    envelope = check_signature(SECRET, BODY, _headers(), now=NOW + timedelta(seconds=3))
    assert envelope.nonce == "0123456789abcdef"
    assert envelope.nonce_expires_at == NOW + 2 * CLOCK_SKEW


def test_header_names_are_case_insensitive():
    lowered = {k.lower(): v for k, v in _headers().items()}
    check_signature(SECRET, BODY, lowered, now=NOW)


@pytest.mark.parametrize(
    ("headers", "body"),
    [
        (_headers(secret="wrong-secret"), BODY),  # signed by someone else
        (_headers(), BODY + b" "),  # body changed
        ({**_headers(), NONCE_HEADER: "fedcba9876543210"}, BODY),  # nonce swapped
        ({**_headers(), TIMESTAMP_HEADER: str(int(NOW.timestamp()) + 1)}, BODY),  # time moved
        ({k: v for k, v in _headers().items() if k != SIGNATURE_HEADER}, BODY),  # unsigned
        ({**_headers(), TIMESTAMP_HEADER: "soon"}, BODY),
        # digits to str.isdigit() that int() refuses: a 500 for an unsigned caller
        ({**_headers(), TIMESTAMP_HEADER: "\u00b2"}, BODY),  # latin-1 header byte 0xB2
        ({**_headers(), TIMESTAMP_HEADER: "9" * 5000}, BODY),  # past int()'s 4300 digits
        ({**_headers(), NONCE_HEADER: "short"}, BODY),
        ({}, BODY),
    ],
)
def test_bad_signature_is_refused(headers, body):
    _refused("CHSI_BAD_SIGNATURE", check_signature, SECRET, body, headers, now=NOW)


@pytest.mark.parametrize("offset", [CLOCK_SKEW + timedelta(seconds=1), -CLOCK_SKEW - timedelta(1)])
def test_a_callback_outside_the_clock_skew_window_is_refused(offset):
    headers = _headers(at=NOW + offset)
    _refused("CHSI_CLOCK_SKEW", check_signature, SECRET, BODY, headers, now=NOW)


def test_the_edge_of_the_clock_skew_window_is_accepted():
    check_signature(SECRET, BODY, _headers(at=NOW - CLOCK_SKEW), now=NOW)
    check_signature(SECRET, BODY, _headers(at=NOW + CLOCK_SKEW), now=NOW)


def test_a_replayed_nonce_is_refused():
    check_first_use("0123456789abcdef", first_seen=True)
    _refused("CHSI_REPLAY", check_first_use, "0123456789abcdef", first_seen=False)
