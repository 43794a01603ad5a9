"""Synthetic liveness bursts from one real still, for tests, benchmarks and `ruji demo`.

The 68 landmarks of the still are lifted to a rough 3-D head (an ellipsoid plus a nose and mouth
that stand out from it), moved the way the asked action moves a real head (lids meet for a blink,
the jaw drops for an open mouth, the head rotates for a turn or a nod), projected back, and the
image is warped triangle by triangle onto the moved landmarks. Every frame also gets a little
camera jitter and sensor noise, so no two frames are identical - as with a real camera.
"""

from __future__ import annotations

import io
import random
from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from domain.vision import LivenessAction
from infra.landmarks import shared_landmark_model

FRAME_MAX_SIDE = 640  # phone bursts are sent small
FACE_WIDTH = 200  # px, cheek to cheek, as a phone held at arm's length frames it
TURN_DEGREES = 28.0
NOD_DEGREES = 30.0
# intensities of the frames that make up one action, separated by rest frames
ACTION_RAMP = (0.5, 1.0, 0.5)
# a blink is held shut for two frames: the predictor misreads a painted lid now and then
BLINK_RAMP = (0.5, 1.0, 1.0, 0.5)


def _framed(source: str | Path | bytes) -> tuple[np.ndarray, np.ndarray]:
    """The still scaled so the face is FACE_WIDTH wide and cropped to at most FRAME_MAX_SIDE,
    with its landmarks."""
    data = source if isinstance(source, bytes) else Path(source).read_bytes()
    image = Image.open(io.BytesIO(data)).convert("RGB")
    rgb = np.asarray(image)
    faces = shared_landmark_model().faces(rgb)
    if not faces:
        raise ValueError("no face in the still")
    left, _, right, _ = faces[0].box
    scale = FACE_WIDTH / max(right - left, 1)
    image = image.resize(
        (round(image.width * scale), round(image.height * scale)), Image.Resampling.LANCZOS
    )
    center = faces[0].points.mean(axis=0) * scale
    w, h = min(image.width, FRAME_MAX_SIDE * 3 // 4), min(image.height, FRAME_MAX_SIDE)
    x0 = int(min(max(center[0] - w / 2, 0), image.width - w))
    y0 = int(min(max(center[1] - h / 2, 0), image.height - h))
    rgb = np.asarray(image.crop((x0, y0, x0 + w, y0 + h))).copy()
    faces = shared_landmark_model().faces(rgb)
    if not faces:
        raise ValueError("no face in the still once framed")
    return rgb, faces[0].points


def _depths(points: np.ndarray) -> np.ndarray:
    """A rough depth per landmark: ellipsoid head plus protruding nose and lips."""
    center = points.mean(axis=0)
    radius = np.linalg.norm(points[16] - points[0]) / 2
    a = (points[:, 0] - center[0]) / radius
    b = (points[:, 1] - center[1]) / (1.3 * radius)
    z = radius * np.sqrt(np.clip(1.0 - a**2 - b**2, 0.05, None))
    bump = np.zeros(68)
    bump[27:31] = np.linspace(0.1, 0.45, 4)
    bump[31:36] = [0.2, 0.25, 0.3, 0.25, 0.2]
    bump[48:68] = 0.12
    bump[17:27] = 0.05
    depth: np.ndarray = z + bump * radius
    return depth


def _forehead(points: np.ndarray) -> np.ndarray:
    """Points above the brows, so the warp carries the forehead with the head."""
    eye_mid = points[36:48].mean(axis=0)
    brows = points[17:27]
    above: np.ndarray = brows + (brows - eye_mid) * 0.9
    return above


def _moved(points: np.ndarray, action: LivenessAction, amount: float) -> np.ndarray:
    """Where the landmarks (68 + 10 forehead) go when the action is done to `amount` (0..1)."""
    full = np.vstack([points, _forehead(points)])
    moved = full.copy()
    if action is LivenessAction.BLINK:
        for upper, lower in ((37, 41), (38, 40), (43, 47), (44, 46)):
            meet = full[lower] + (full[upper] - full[lower]) * 0.3
            moved[upper] = full[upper] + (meet - full[upper]) * amount
            moved[lower] = full[lower] + (meet - full[lower]) * amount
    elif action is LivenessAction.OPEN_MOUTH:
        drop = np.linalg.norm(points[54] - points[48]) * 0.7 * amount
        weights = np.zeros(len(full))
        weights[[65, 66, 67, 55, 56, 57, 58, 59]] = 1.0
        weights[4:13] = [0.3, 0.6, 0.85, 1.0, 1.0, 1.0, 0.85, 0.6, 0.3]
        moved[:, 1] += weights * drop
    else:
        depth = np.concatenate(
            [_depths(points), np.full(10, 0.3 * np.linalg.norm(points[16] - points[0]))]
        )
        center = points.mean(axis=0)
        if action in (LivenessAction.TURN_LEFT, LivenessAction.TURN_RIGHT):
            sign = 1.0 if action is LivenessAction.TURN_LEFT else -1.0
            angle = np.radians(TURN_DEGREES * amount) * sign
            moved[:, 0] = (
                center[0] + (full[:, 0] - center[0]) * np.cos(angle) + depth * np.sin(angle)
            )
        elif action is LivenessAction.NOD:
            angle = np.radians(NOD_DEGREES * amount)
            moved[:, 1] = (
                center[1] + (full[:, 1] - center[1]) * np.cos(angle) + depth * np.sin(angle)
            )
    return np.vstack([full, moved])


def _anchors(shape: tuple[int, ...], points: np.ndarray) -> np.ndarray:
    """Fixed points: the image border and a ring around the head, so the background stays put."""
    h, w = shape[:2]
    border = [
        (x, y) for x in (0, w / 2, w - 1) for y in (0, h / 2, h - 1) if (x, y) != (w / 2, h / 2)
    ]
    center = points.mean(axis=0)
    radius = np.linalg.norm(points[16] - points[0]) * 1.15
    ring = [
        (center[0] + radius * np.cos(t), center[1] + radius * 1.3 * np.sin(t))
        for t in np.linspace(0, 2 * np.pi, 16, endpoint=False)
    ]
    ring = [(min(max(x, 1), w - 2), min(max(y, 1), h - 2)) for x, y in ring]
    return np.array(border + ring, dtype=np.float64)


def _triangles(points: np.ndarray, shape: tuple[int, ...]) -> list[tuple[int, int, int]]:
    h, w = shape[:2]
    subdiv = cv2.Subdiv2D((-1, -1, w + 2, h + 2))
    index = {}
    for i, (x, y) in enumerate(points):
        key = (round(float(x), 3), round(float(y), 3))
        if key in index:
            continue
        index[key] = i
        subdiv.insert((float(x), float(y)))
    found = []
    for tri in subdiv.getTriangleList():
        a, b, c = (
            index.get((round(float(tri[k]), 3), round(float(tri[k + 1]), 3))) for k in (0, 2, 4)
        )
        if a is not None and b is not None and c is not None:
            found.append((a, b, c))
    return found


def warp(
    rgb: np.ndarray,
    source: np.ndarray,
    target: np.ndarray,
    triangles: Sequence[tuple[int, int, int]],
) -> np.ndarray:
    """Piecewise-affine warp that sends `source` points to `target` points."""
    out = rgb.copy()
    h, w = rgb.shape[:2]
    for tri in triangles:
        src, dst = source[list(tri)].astype(np.float32), target[list(tri)].astype(np.float32)
        if np.allclose(src, dst):
            continue
        x, y, bw, bh = cv2.boundingRect(dst)
        x0, y0, x1, y1 = max(x, 0), max(y, 0), min(x + bw, w), min(y + bh, h)
        if x1 <= x0 or y1 <= y0:
            continue
        matrix = cv2.getAffineTransform((dst - (x0, y0)).astype(np.float32), src)
        patch = cv2.warpAffine(
            rgb,
            matrix,
            (x1 - x0, y1 - y0),
            flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
            borderMode=cv2.BORDER_REFLECT,
        )
        mask = np.zeros((y1 - y0, x1 - x0), np.uint8)
        cv2.fillConvexPoly(mask, np.round(dst - (x0, y0)).astype(np.int32), 1)
        out[y0:y1, x0:x1][mask > 0] = patch[mask > 0]
    return out


def _paint_mouth(rgb: np.ndarray, moved: np.ndarray, amount: float) -> None:
    """The opened mouth shows a dark cavity between the inner lips."""
    if amount <= 0:
        return
    inner = np.round(moved[60:68]).astype(np.int32)
    mask = np.zeros(rgb.shape[:2], np.uint8)
    cv2.fillPoly(mask, [inner], 255)
    alpha = cv2.GaussianBlur(mask, (5, 5), 0).astype(np.float32)[..., None] / 255
    cavity = np.array([45, 20, 22], np.float32)
    rgb[:] = (rgb * (1 - alpha) + cavity * alpha).astype(np.uint8)


def _paint_closed_eyes(rgb: np.ndarray, moved: np.ndarray, amount: float) -> None:
    """Cover what is left of each eye opening with nearby skin and draw the lash line where the
    lids meet: a landmark predictor (like a person) reads that as a shut eye."""
    if amount < 1.0:
        return
    for eye in (moved[36:42], moved[42:48]):
        width = np.linalg.norm(eye[3] - eye[0])
        mask = np.zeros(rgb.shape[:2], np.uint8)
        outline = np.vstack(
            [
                eye[0],
                eye[1] - (0, width * 0.15),
                eye[2] - (0, width * 0.15),
                eye[3],
                eye[4] + (0, width * 0.1),
                eye[5] + (0, width * 0.1),
            ]
        )
        cv2.fillPoly(mask, [np.round(outline).astype(np.int32)], 255)
        alpha = cv2.GaussianBlur(mask, (9, 9), 0).astype(np.float32)[..., None] / 255
        # the skin just below the eye
        shift = np.array([[1, 0, 0], [0, 1, -0.35 * width]], np.float32)
        skin = cv2.warpAffine(
            rgb, shift, (rgb.shape[1], rgb.shape[0]), borderMode=cv2.BORDER_REFLECT
        )
        rgb[:] = (rgb * (1 - alpha) + skin * alpha).astype(np.uint8)
        lid = np.round(np.vstack([eye[0], eye[5], eye[4], eye[3]])).astype(np.int32)
        cv2.polylines(rgb, [lid], False, (50, 35, 35), max(1, round(width / 12)), cv2.LINE_AA)


def _camera(rgb: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Hand shake and sensor noise: every frame of a real burst differs a little."""
    dx, dy = rng.uniform(-1.5, 1.5, 2)
    shift = np.array([[1, 0, dx], [0, 1, dy]], np.float32)
    shifted = cv2.warpAffine(
        rgb, shift, (rgb.shape[1], rgb.shape[0]), borderMode=cv2.BORDER_REFLECT
    )
    gain = rng.uniform(0.97, 1.03)
    noisy = shifted.astype(np.float32) * gain + rng.normal(0, 2.0, rgb.shape)
    frame: np.ndarray = np.clip(noisy, 0, 255).astype(np.uint8)
    return frame


def _jpeg(rgb: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()


def action_frame(
    rgb: np.ndarray, points: np.ndarray, action: LivenessAction, amount: float
) -> np.ndarray:
    """The still with one action applied to `amount` (0..1); no camera noise."""
    both = _moved(points, LivenessAction(action), amount)
    half = len(both) // 2
    anchors = _anchors(rgb.shape, points)
    source = np.vstack([both[:half], anchors])
    target = np.vstack([both[half:], anchors])
    frame = warp(rgb, source, target, _triangles(source, rgb.shape))
    if action is LivenessAction.OPEN_MOUTH:
        _paint_mouth(frame, target, amount)
    if action is LivenessAction.BLINK:
        _paint_closed_eyes(frame, target, amount)
    return frame


def burst(
    face: str | Path | bytes,
    actions: Sequence[LivenessAction | str],
    seed: int = 0,
    rest_frames: int = 1,
) -> list[bytes]:
    """JPEG frames: rest, then each action ramped in and out with rest frames between them."""
    rgb, points = _framed(face)
    rng = np.random.default_rng(random.Random(seed).getrandbits(64))
    plan: list[tuple[LivenessAction | None, float]] = [(None, 0.0)] * (rest_frames + 1)
    for name in actions:
        action = LivenessAction(name)
        ramp = BLINK_RAMP if action is LivenessAction.BLINK else ACTION_RAMP
        plan += [(action, amount) for amount in ramp]
        plan += [(None, 0.0)] * rest_frames
    frames = []
    for step, amount in plan:
        image = rgb if step is None else action_frame(rgb, points, step, amount)
        frames.append(_jpeg(_camera(image, rng)))
    return frames
