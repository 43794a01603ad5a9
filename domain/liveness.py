"""Active liveness (R5), the pure part: issuing a challenge, checking the answer's nonce, and
reading the asked actions from 68-point facial landmarks (iBUG 300-W numbering).

No I/O and no numpy, so the enrollment workflow can issue challenges with `workflow.random()`
inside the sandbox and tests can exercise the geometry without images.

Frames are read as the camera captured them, not mirrored: "turn left" is the candidate's own
left, so the nose moves towards the right edge of the image.
"""

from __future__ import annotations

import hmac
import math
import random
import statistics
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from domain.errors import Refusal, RefusalCode, RefusedError, refuse
from domain.vision import LivenessAction, LivenessChallenge


class FaceRefusal(RefusalCode):
    """The live face check (R5) refused: the liveness answer or the 1:1 match."""

    FACE_LOST = "FACE_LOST", "未检测到人脸，请正对镜头重新核验。"
    FACE_MULTIPLE = "FACE_MULTIPLE", "画面中出现多张人脸，请确保画面中只有本人。"
    FACE_ACTION_ORDER = "FACE_ACTION_ORDER", "动作顺序不对，请按提示顺序重试。"
    FACE_ACTION_MISSING = "FACE_ACTION_MISSING", "未检测到提示的动作，请按提示完成后重试。"
    FACE_NONCE_MISMATCH = "FACE_NONCE_MISMATCH", "动作挑战已更新，请按最新提示重新完成人脸核验。"
    FACE_NONCE_REUSED = "FACE_NONCE_REUSED", "该动作挑战已使用过，请重新获取动作提示后再试。"
    FACE_NONCE_EXPIRED = (
        "FACE_NONCE_EXPIRED",
        "动作挑战已超时（60 秒内有效），请重新获取动作提示后再试。",
    )
    FACE_FRAME_COUNT = "FACE_FRAME_COUNT", "核验画面帧数不符，请重新拍摄。"
    FACE_FRAMES_MISSING = "FACE_FRAMES_MISSING", "核验画面已失效，请重新拍摄。"
    FACE_FRAME_UNREADABLE = "FACE_FRAME_UNREADABLE", "核验画面无法读取，请重新拍摄。"
    FACE_REPLAY = (
        "FACE_REPLAY",
        "检测到静止画面（疑似照片或重复画面），请本人面对镜头按提示完成动作。",
    )
    FACE_IDENTITY_CHANGED = (
        "FACE_IDENTITY_CHANGED",
        "核验过程中人脸发生变化，请本人独自完成全部动作。",
    )
    FACE_SPOOF = "FACE_SPOOF", "疑似翻拍或屏幕画面，请本人直接面对镜头核验。"
    FACE_REFERENCE_UNREADABLE = "FACE_REFERENCE_UNREADABLE", "照片中未能识别到人脸。"
    FACE_MISMATCH = "FACE_MISMATCH", "人脸比对未通过，请本人重新核验。"
    FACE_LOCKED_TODAY = "FACE_LOCKED_TODAY", "今日人脸核验次数已用完，请明天再试"


CHALLENGE_TTL = timedelta(seconds=60)
MIN_ACTIONS, MAX_ACTIONS = 2, 3
# After this many failed face checks in one day the workflow flags the case for manual review
# instead of letting the candidate retry forever.
MAX_ATTEMPTS_PER_DAY = 5
#: The day of the daily limit is Beijing's; China keeps no daylight saving, so a fixed offset
#: is exact and needs no time-zone database inside the workflow sandbox.
SHANGHAI = timezone(timedelta(hours=8))


def shanghai_day(now: datetime) -> str:
    return now.astimezone(SHANGHAI).date().isoformat()


ACTION_NAMES_ZH = {
    LivenessAction.BLINK: "眨眼",
    LivenessAction.TURN_LEFT: "向左转头",
    LivenessAction.TURN_RIGHT: "向右转头",
    LivenessAction.OPEN_MOUTH: "张嘴",
    LivenessAction.NOD: "点头",
}

Point = tuple[float, float] | Sequence[float]


def new_challenge(rng: random.Random, now: datetime) -> LivenessChallenge:
    """A fresh random sequence of distinct actions; the nonce binds the answer to this challenge."""
    count = rng.randint(MIN_ACTIONS, MAX_ACTIONS)
    actions = rng.sample(list(LivenessAction), count)
    nonce = f"{rng.getrandbits(128):032x}"
    return LivenessChallenge(nonce=nonce, actions=actions, expires_at=now + CHALLENGE_TTL)


def check_answer(
    challenge: LivenessChallenge,
    answered_nonce: str,
    answered_at: datetime,
    used_nonces: Collection[str] = (),
) -> Refusal | None:
    """The answer must carry this challenge's nonce, once, before it expires."""
    if not hmac.compare_digest(answered_nonce.encode(), challenge.nonce.encode()):
        return Refusal.of(FaceRefusal.FACE_NONCE_MISMATCH)
    if challenge.nonce in used_nonces:
        return Refusal.of(FaceRefusal.FACE_NONCE_REUSED)
    if answered_at > challenge.expires_at:
        return Refusal.of(
            FaceRefusal.FACE_NONCE_EXPIRED,
            measured=answered_at.isoformat(),
            expected=f"<= {challenge.expires_at.isoformat()}",
        )
    return None


# --- geometry of one frame --------------------------------------------------------------------
@dataclass(frozen=True)
class LivenessThresholds:
    """Calibrated on landmark-driven synthetic bursts of the fixture faces (docs/decisions.md)."""

    blink_ear_closed: float = 0.15  # eye aspect ratio at or below which the eyes count as shut
    blink_ear_ratio: float = 0.7  # ...or this fraction of the burst's open-eye (median) EAR
    turn_yaw: float = 0.2  # change of the yaw proxy from rest for a head turn
    nod_pitch: float = 0.18  # relative change of the pitch proxy from rest for a nod
    mouth_open: float = 0.2  # growth of inner-lip gap / mouth width from rest


DEFAULT_THRESHOLDS = LivenessThresholds()


@dataclass(frozen=True)
class FrameGeometry:
    ear: float  # eye aspect ratio, both eyes averaged; ~0.3 open, ~0.1 shut
    yaw: float  # > 0: nose towards image right (candidate turned to their left)
    pitch: float  # nose drop below the eye line over eye-line-to-mouth-corners; grows nodding down
    mouth: float  # inner-lip gap over mouth width; ~0 closed


def _dist(a: Point, b: Point) -> float:
    return math.hypot(a[0] - b[0], a[1] - b[1])


def _mean(points: Sequence[Point]) -> tuple[float, float]:
    return (
        sum(p[0] for p in points) / len(points),
        sum(p[1] for p in points) / len(points),
    )


def _eye_aspect_ratio(eye: Sequence[Point]) -> float:
    width = _dist(eye[0], eye[3])
    if width == 0:
        return 0.0
    return (_dist(eye[1], eye[5]) + _dist(eye[2], eye[4])) / (2.0 * width)


def frame_geometry(points: Sequence[Point]) -> FrameGeometry:
    """Measures from 68 landmarks; pitch is taken across the eye line so head roll cancels.

    Pitch compares the nose tip, which stands out of the face, with the mouth corners, which lie
    in its plane: a nod moves one against the other. The brows (the first measure) rise and fall
    with the candidate's expression and moved 8 % in a 30° synthetic nod of Collins; the mouth
    corners stay put when the mouth opens (docs/decisions.md, 2026-12-01 face3)."""
    if len(points) != 68:
        raise ValueError(f"expected 68 landmarks, got {len(points)}")
    ear = (_eye_aspect_ratio(points[36:42]) + _eye_aspect_ratio(points[42:48])) / 2.0

    nose = points[30]
    to_left_jaw, to_right_jaw = _dist(nose, points[0]), _dist(nose, points[16])
    yaw = (to_left_jaw - to_right_jaw) / max(to_left_jaw + to_right_jaw, 1e-9)

    eye_l, eye_r = _mean(points[36:42]), _mean(points[42:48])
    axis_len = max(_dist(eye_l, eye_r), 1e-9)
    ux, uy = (eye_r[0] - eye_l[0]) / axis_len, (eye_r[1] - eye_l[1]) / axis_len
    down = (-uy, ux)
    eye_mid = ((eye_l[0] + eye_r[0]) / 2, (eye_l[1] + eye_r[1]) / 2)
    mouth_mid = _mean([points[48], points[54]])
    nose_drop = (nose[0] - eye_mid[0]) * down[0] + (nose[1] - eye_mid[1]) * down[1]
    face_height = (mouth_mid[0] - eye_mid[0]) * down[0] + (mouth_mid[1] - eye_mid[1]) * down[1]
    pitch = nose_drop / max(face_height, 1e-9)

    return FrameGeometry(ear=ear, yaw=yaw, pitch=pitch, mouth=mouth_opening(points))


def mouth_opening(points: Sequence[Point]) -> float:
    """Inner-lip gap over mouth width (68 landmarks): ~0 closed, ~0.2 a smile showing teeth."""
    gap = (
        _dist(points[61], points[67])
        + _dist(points[62], points[66])
        + _dist(points[63], points[65])
    ) / 3
    return gap / max(_dist(points[48], points[54]), 1e-9)


def rest_pose(frames: Sequence[FrameGeometry]) -> FrameGeometry:
    """The burst's median of each measure: most frames of a burst show the face at rest, so
    the median is the candidate's own neutral face (eye size, head pose, lips)."""
    return FrameGeometry(
        ear=statistics.median(f.ear for f in frames),
        yaw=statistics.median(f.yaw for f in frames),
        pitch=statistics.median(f.pitch for f in frames),
        mouth=statistics.median(f.mouth for f in frames),
    )


def action_seen(
    action: LivenessAction,
    frame: FrameGeometry,
    rest: FrameGeometry,
    thresholds: LivenessThresholds = DEFAULT_THRESHOLDS,
) -> bool:
    """Whether one frame shows the action, compared with the rest pose.

    A turned head shrinks the eyes and shifts the nose in the picture, so blinks and nods are
    only read from frames that face the camera.
    """
    turned = abs(frame.yaw - rest.yaw) >= thresholds.turn_yaw / 2
    if action is LivenessAction.BLINK:
        closed = max(thresholds.blink_ear_closed, rest.ear * thresholds.blink_ear_ratio)
        return not turned and frame.ear <= closed
    if action is LivenessAction.TURN_LEFT:
        return frame.yaw - rest.yaw >= thresholds.turn_yaw
    if action is LivenessAction.TURN_RIGHT:
        return rest.yaw - frame.yaw >= thresholds.turn_yaw
    if action is LivenessAction.OPEN_MOUTH:
        return frame.mouth - rest.mouth >= thresholds.mouth_open
    if action is LivenessAction.NOD:
        change = abs(frame.pitch - rest.pitch)
        return not turned and change >= thresholds.nod_pitch * max(abs(rest.pitch), 1e-9)
    raise ValueError(f"unknown action {action!r}")


def locate_actions(
    frames: Sequence[FrameGeometry],
    actions: Sequence[LivenessAction],
    thresholds: LivenessThresholds = DEFAULT_THRESHOLDS,
) -> list[int]:
    """Index of the frame showing each asked action, each later than the one before it.

    Raises RefusedError naming the first action not seen (or seen only out of order).
    """
    if not frames:
        raise refuse(FaceRefusal.FACE_LOST)
    rest = rest_pose(frames)
    found: list[int] = []
    start = 0
    for action in actions:
        hits = [action_seen(action, f, rest, thresholds) for f in frames]
        hit = next((i for i in range(start, len(frames)) if hits[i]), None)
        name = ACTION_NAMES_ZH[action]
        if hit is None and any(hits[:start]):
            raise refuse(
                FaceRefusal.FACE_ACTION_ORDER,
                message=f"动作顺序不对：「{name}」应在上一个动作之后完成，请按提示顺序重试。",
                measured=action.value,
            )
        if hit is None:
            raise refuse(
                FaceRefusal.FACE_ACTION_MISSING,
                message=f"未检测到「{name}」动作，请按提示完成后重试。",
                measured=action.value,
            )
        found.append(hit)
        start = hit + 1
    return found


def check_actions(
    frames: Sequence[FrameGeometry],
    actions: Sequence[LivenessAction],
    thresholds: LivenessThresholds = DEFAULT_THRESHOLDS,
) -> Refusal | None:
    """Every asked action must appear, each in a later frame than the one before it."""
    try:
        locate_actions(frames, actions, thresholds)
    except RefusedError as refused:
        return refused.refusal
    return None
