"""Liveness rules without images: challenges, nonces, and actions read from 68 landmarks."""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime, timedelta

import pytest

from domain.liveness import (
    CHALLENGE_TTL,
    MAX_ATTEMPTS_PER_DAY,
    check_actions,
    check_answer,
    frame_geometry,
    locate_actions,
    new_challenge,
)
from domain.vision import LivenessAction as A

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def face(blink: float = 0.0, yaw: float = 0.0, nod: float = 0.0, mouth: float = 0.0):
    """A schematic frontal face in iBUG 68-point order; each argument performs one action."""
    pts = []
    for i in range(17):  # jaw, image left to right
        t = math.pi * i / 16
        pts.append((100 - 80 * math.cos(t), 100 + 90 * math.sin(t)))
    pts += [(40 + 10 * i, 40 - (2 if 0 < i < 4 else 0)) for i in range(5)]  # right brow
    pts += [(120 + 10 * i, 40 - (2 if 0 < i < 4 else 0)) for i in range(5)]  # left brow
    pts += [(100, 60 + 10 * i) for i in range(4)]  # nose bridge; 30 is the tip
    pts += [(88 + 6 * i, 100) for i in range(5)]  # nostrils
    for cx in (65.0, 135.0):  # eyes: corner, two upper lid, corner, two lower lid
        open_h = 6.0 * (1 - blink)
        pts += [(cx - 15, 60), (cx - 5, 60 - open_h), (cx + 5, 60 - open_h)]
        pts += [(cx + 15, 60), (cx + 5, 60 + open_h), (cx - 5, 60 + open_h)]
    gap = 30.0 * mouth
    outer_up = [(70, 130), (80, 126), (90, 124), (100, 125), (110, 124), (120, 126), (130, 130)]
    outer_low = [
        (120, 136 + gap),
        (110, 139 + gap),
        (100, 140 + gap),
        (90, 139 + gap),
        (80, 136 + gap),
    ]
    inner = [(75, 130), (90, 129), (100, 129), (110, 129), (125, 130)]
    inner_low = [(110, 131 + gap), (100, 131 + gap), (90, 131 + gap)]
    pts += outer_up + outer_low + inner + inner_low
    assert len(pts) == 68
    pts[30] = (100 + 40 * yaw, 90 + 25 * nod)
    return pts


def geoms(*frames):
    return [frame_geometry(f) for f in frames]


REST = face()


def test_challenge_is_two_or_three_distinct_actions_with_nonce_and_60s_expiry():
    seen_counts = set()
    for seed in range(30):
        ch = new_challenge(random.Random(seed), NOW)
        assert 2 <= len(ch.actions) <= 3
        assert len(set(ch.actions)) == len(ch.actions)
        assert len(ch.nonce) == 32
        assert ch.expires_at == NOW + timedelta(seconds=60) == NOW + CHALLENGE_TTL
        seen_counts.add(len(ch.actions))
    assert seen_counts == {2, 3}
    assert new_challenge(random.Random(1), NOW) == new_challenge(random.Random(1), NOW)
    assert new_challenge(random.Random(1), NOW).nonce != new_challenge(random.Random(2), NOW).nonce


def test_attempt_limit_is_five_a_day():
    assert MAX_ATTEMPTS_PER_DAY == 5


def test_fresh_answer_passes_and_expired_reused_or_foreign_nonce_fails():
    ch = new_challenge(random.Random(7), NOW)
    assert check_answer(ch, ch.nonce, NOW + timedelta(seconds=59)) is None
    assert check_answer(ch, ch.nonce, NOW + timedelta(seconds=61)).code == "FACE_NONCE_EXPIRED"
    assert check_answer(ch, ch.nonce, NOW, used_nonces={ch.nonce}).code == "FACE_NONCE_REUSED"
    assert check_answer(ch, "0" * 32, NOW).code == "FACE_NONCE_MISMATCH"


@pytest.mark.parametrize(
    ("action", "frame"),
    [
        (A.BLINK, face(blink=0.9)),
        (A.TURN_LEFT, face(yaw=1.0)),
        (A.TURN_RIGHT, face(yaw=-1.0)),
        (A.OPEN_MOUTH, face(mouth=1.0)),
        (A.NOD, face(nod=1.0)),
    ],
)
def test_each_action_is_read_from_landmarks(action, frame):
    burst = geoms(REST, REST, frame, REST, REST)
    assert locate_actions(burst, [action]) == [2]
    others = [a for a in A if a is not action]
    for other in others:
        refusal = check_actions(burst, [other])
        assert refusal is not None and refusal.code == "FACE_ACTION_MISSING", (action, other)


def test_turn_left_is_the_nose_moving_to_image_right():
    assert frame_geometry(face(yaw=1.0)).yaw > frame_geometry(REST).yaw + 0.2


def test_actions_must_come_in_the_asked_order():
    burst = geoms(REST, face(blink=0.9), REST, face(yaw=1.0), REST, REST)
    assert locate_actions(burst, [A.BLINK, A.TURN_LEFT]) == [1, 3]
    refusal = check_actions(burst, [A.TURN_LEFT, A.BLINK])
    assert refusal.code == "FACE_ACTION_ORDER"
    assert "眨眼" in refusal.message


def test_missing_action_is_named():
    burst = geoms(REST, face(blink=0.9), REST, REST)
    refusal = check_actions(burst, [A.BLINK, A.OPEN_MOUTH])
    assert refusal.code == "FACE_ACTION_MISSING"
    assert refusal.measured == "open_mouth"
    assert "张嘴" in refusal.message


def test_a_still_shows_no_action():
    assert check_actions(geoms(*[REST] * 6), [A.BLINK]).code == "FACE_ACTION_MISSING"


def test_blink_is_not_read_from_a_turned_head():
    turned_and_squinting = face(yaw=1.0, blink=0.9)
    burst = geoms(REST, REST, turned_and_squinting, REST, REST)
    assert check_actions(burst, [A.BLINK]).code == "FACE_ACTION_MISSING"


def test_raised_brows_are_no_nod():
    """Surprise lifts the brows, not the head: the nose keeps its place between the eyes and the
    mouth. Read against the brows (the first pitch measure) this was a 29 % change — a nod."""
    raised = list(face())
    for i in range(17, 27):
        raised[i] = (raised[i][0], raised[i][1] - 8)
    burst = geoms(REST, REST, raised, REST, REST)
    assert check_actions(burst, [A.NOD]).code == "FACE_ACTION_MISSING"
