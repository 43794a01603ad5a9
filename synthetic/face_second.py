"""A second face-pair generator, written apart from benchmarks/face.py, to judge the face match
and liveness on references and bursts they were not calibrated on. Tests-only data.

What differs from `ruji bench face`, on purpose:
- **ID portrait**: not a crop of the still. The fixture face is printed on a card (the phone
  generator's front, synthetic/idcard_phone.py, with this portrait pasted over its own): framed
  as an ID photo on a pale ground, printed with less contrast and colour, a little dot gain, the
  card's security pattern showing through. The card is photographed by a phone (frames 1080–2448
  px wide, the card filling 35–85 % of the width, perspective, uneven light, a colour cast, blur,
  noise, sharpening, JPEG 60–92) and the portrait is cut by production's own code
  (`activities.idcard_image.decode` then `portrait_jpeg` in the window the layout gives).
- **寸照**: the second photo generator's compliant photos (synthetic/photo_second.py), which
  exist for obama.jpg, Hopper and Collins only.
- **live burst**: synthetic/liveness.py's actions, then one phone per burst: white balance
  ±15 % a channel, exposure 0.6–1.25 with a gamma, light from one side, noise growing in the
  dark, Gaussian or motion blur, frames shrunk to 0.55–1.0 of their size, JPEG 40–85 at 4:2:0;
  two bursts in five wear glasses (dark frames drawn on each frame's landmarks) the card lacks.
- **pairs**: every live burst of a split against every reference of that split (another seed's
  rendering, and for Obama another of his three photos).
"""

from __future__ import annotations

import io
import math
import random
from dataclasses import dataclass
from datetime import date
from functools import cache

import cv2
import numpy as np
from PIL import Image

from synthetic import idcard_phone
from synthetic.face_fixtures import FACES

SPLITS = {"calibration": 0, "held_out": 500_000}
ACTIONS = ("blink", "turn_left", "turn_right", "nod", "open_mouth")
PORTRAIT_MM = (27.0, 33.2)  # printed photo, width × height: covers the phone generator's own
PORTRAIT_REGION = (0.58, 0.03, 1.0, 0.9)  # where the ID layout puts the portrait, card fractions
PHONE_FRAMES = ((1080, 1440), (1200, 1600), (1536, 2048), (1080, 1920), (2448, 3264))


def _jpeg(rgb: np.ndarray, quality: int) -> bytes:
    out = io.BytesIO()
    Image.fromarray(rgb).save(out, format="JPEG", quality=quality, subsampling=2)
    return out.getvalue()


@cache
def _face_box(name: str) -> tuple[int, int, int, int]:
    from infra.landmarks import shared_landmark_model

    rgb = np.asarray(Image.open(FACES / name).convert("RGB"))
    faces = shared_landmark_model().faces(rgb) or shared_landmark_model().faces(rgb, upsample=1)
    return faces[0].box


def printed_portrait(name: str, rng: random.Random, paper: np.ndarray) -> np.ndarray:
    """The still framed as an ID photo (face about half the width, eyes a little above the
    middle) and printed on `paper` (the card's own pixels under the portrait)."""
    image = Image.open(FACES / name).convert("RGB")
    left, top, right, bottom = _face_box(name)
    fw = right - left
    width = fw * rng.uniform(1.8, 2.1)
    height = width * PORTRAIT_MM[1] / PORTRAIT_MM[0]
    cx, cy = (left + right) / 2, (top + bottom) / 2 + fw * rng.uniform(0.0, 0.15)
    box = (cx - width / 2, cy - height * 0.5, cx + width / 2, cy + height * 0.5)
    ph, pw = paper.shape[:2]
    crop = image.crop(box).resize((pw, ph), Image.Resampling.LANCZOS)
    rgb = np.asarray(crop).astype(np.float32)
    contrast, lift = rng.uniform(0.7, 0.92), rng.uniform(10, 35)
    rgb = (rgb - 128) * contrast + 128 + lift
    grey = rgb.mean(axis=2, keepdims=True)
    rgb = grey + (rgb - grey) * rng.uniform(0.55, 0.95)
    rgb *= np.array([1.0 + rng.uniform(-0.04, 0.06), 1.0, 1.0 + rng.uniform(-0.08, 0.03)])
    rgb = cv2.GaussianBlur(rgb, (0, 0), rng.uniform(0.6, 1.3))  # dot gain
    see_through = rng.uniform(0.5, 1.0)  # the security print shows through the photo
    printed = rgb * (paper.astype(np.float32) / 240.0) ** see_through
    out: np.ndarray = np.clip(printed, 0, 255).astype(np.uint8)
    return out


def card_front(name: str, rng: random.Random) -> np.ndarray:
    """The phone generator's card front with this face printed over its portrait."""
    someone = idcard_phone.holder(rng, date(2026, 3, 1))
    card = np.asarray(idcard_phone.draw_front(someone, rng)).copy()
    mm = idcard_phone.MM
    pw, ph = round(PORTRAIT_MM[0] * mm), round(PORTRAIT_MM[1] * mm)
    x0 = idcard_phone.CARD_W - pw - round(rng.uniform(4.2, 4.4) * mm)
    y0 = round(rng.uniform(5.3, 5.6) * mm)
    paper = np.asarray(idcard_phone._paper(rng, back=False))[y0 : y0 + ph, x0 : x0 + pw]
    card[y0 : y0 + ph, x0 : x0 + pw] = printed_portrait(name, rng, paper)
    return card


@dataclass(frozen=True)
class CardShot:
    """One phone photo of the card: its bytes and the portrait's window (uploaded px)."""

    jpeg: bytes
    window: tuple[int, int, int, int]


def photograph_card(card: np.ndarray, rng: random.Random) -> CardShot:
    w, h = rng.choice(PHONE_FRAMES)
    if rng.random() < 0.3:
        w, h = h, w  # landscape
    ch_, cw_ = card.shape[:2]
    cw = rng.uniform(0.35, 0.85) * min(w, h * cw_ / ch_ * 0.9)
    chh = cw * ch_ / cw_
    local = np.array([[-cw, -chh], [cw, -chh], [cw, chh], [-cw, chh]], np.float64) / 2
    local += np.array([[rng.uniform(-1, 1) for _ in range(2)] for _ in range(4)]) * 0.07 * cw
    angle = math.radians(rng.uniform(-5, 5))
    rot = np.array([[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]])
    corners = local @ rot.T + np.array([w / 2, h / 2])
    src = np.array([[0, 0], [cw_, 0], [cw_, ch_], [0, ch_]], np.float32)
    matrix = cv2.getPerspectiveTransform(src, corners.astype(np.float32))
    ground = np.array([rng.uniform(40, 200) for _ in range(3)], np.float32)
    photo = cv2.warpPerspective(
        card, matrix, (w, h), flags=cv2.INTER_AREA, borderValue=tuple(float(g) for g in ground)
    ).astype(np.float32)
    y, x = np.mgrid[0:16, 0:16].astype(np.float32) / 15 - 0.5
    direction = rng.uniform(0, 2 * math.pi)
    light = 1 + rng.uniform(0.0, 0.35) * (x * math.cos(direction) + y * math.sin(direction))
    light = cv2.resize(light * rng.uniform(0.75, 1.1), (w, h), interpolation=cv2.INTER_LINEAR)
    cast = np.array([rng.uniform(0.88, 1.1), 1.0, rng.uniform(0.85, 1.12)], np.float32)
    photo = photo * light[..., None] * cast
    sigma = rng.uniform(0.0, 1.8) * w / 1500
    if sigma > 0.3:
        photo = cv2.GaussianBlur(photo, (0, 0), sigma)
    photo += np.random.default_rng(rng.randrange(2**32)).normal(0, rng.uniform(1, 6), (h, w, 1))
    shot = np.clip(photo, 0, 255).astype(np.uint8)
    soft = cv2.GaussianBlur(shot, (0, 0), 1.5)
    amount = rng.uniform(0.0, 0.7)
    shot = cv2.addWeighted(shot, 1 + amount, soft, -amount, 0)
    left, top, right, bottom = PORTRAIT_REGION
    region = np.array(
        [
            [left * cw_, top * ch_],
            [right * cw_, top * ch_],
            [right * cw_, bottom * ch_],
            [left * cw_, bottom * ch_],
        ]
    )
    placed = cv2.perspectiveTransform(region[None].astype(np.float32), matrix)[0]
    (x0, y0), (x1, y1) = placed.min(axis=0), placed.max(axis=0)
    window = (max(int(x0), 0), max(int(y0), 0), min(int(x1), w), min(int(y1), h))
    return CardShot(_jpeg(shot, rng.choice((60, 70, 80, 85, 92))), window)


def id_portrait(name: str, seed: int) -> bytes | None:
    """What the ID step stores as the card's portrait: production's decode and crop of a phone
    photo of a card carrying this face. None when production finds no face there."""
    from activities.idcard_image import decode, portrait_jpeg

    rng = random.Random(f"face-second-card-{name}-{seed}")
    shot = photograph_card(card_front(name, rng), rng)
    photo = decode(shot.jpeg)
    assert photo is not None
    k = photo.rgb.shape[1] / photo.original_size[0]
    x0, y0, x1, y1 = (round(v * k) for v in shot.window)
    return portrait_jpeg(photo.rgb, (x0, y0, x1, y1))


def official_photo(name: str, seed: int) -> bytes | None:
    """A compliant 寸照 of this face from the second photo generator; None for faces it cannot
    frame compliantly (Biden, obama2, obama3)."""
    from synthetic.photo_second import FRONTAL, sample

    if name not in FRONTAL:
        return None
    for k in range(60):
        drawn = sample(seed * 100 + k, "compliant")
        if drawn is not None and drawn.face == name:
            return drawn.data
    return None


@dataclass(frozen=True)
class LivePhone:
    """The camera of one candidate's burst."""

    gains: tuple[float, float, float]
    exposure: float
    gamma: float
    side_light: float  # darkening of the far side of the frame
    noise: float
    blur: float
    motion: int  # motion-blur length, px (0: none)
    scale: float
    quality: int
    glasses: int  # frame thickness, px (0: none); the ID portrait shows none

    @classmethod
    def draw(cls, rng: random.Random) -> LivePhone:
        return cls(
            gains=(rng.uniform(0.85, 1.15), 1.0, rng.uniform(0.85, 1.15)),
            exposure=rng.uniform(0.6, 1.25),
            gamma=rng.uniform(0.85, 1.2),
            side_light=rng.uniform(0.0, 0.45) * rng.choice((-1, 1)),
            noise=rng.uniform(1.5, 5.0),
            blur=rng.choice((0.0, 0.0, rng.uniform(0.5, 1.4))),
            motion=rng.choice((0, 0, 0, 3, 5)),
            scale=rng.uniform(0.55, 1.0),
            quality=rng.choice((40, 55, 65, 75, 85)),
            glasses=rng.choice((0, 0, 0, 2, 3)),
        )

    def shoot(self, frame: bytes, rng: np.random.Generator) -> bytes:
        rgb = np.asarray(Image.open(io.BytesIO(frame)).convert("RGB")).copy()
        if self.glasses:
            _put_on_glasses(rgb, self.glasses)
        rgb = rgb.astype(np.float32) / 255
        h, w = rgb.shape[:2]
        ramp = np.linspace(-0.5, 0.5, w, dtype=np.float32)[None, :, None]
        lit = rgb * self.exposure * (1 - self.side_light * ramp) * np.array(self.gains, np.float32)
        lit = np.clip(lit, 0, 1) ** self.gamma * 255
        lit += rng.normal(0, self.noise / math.sqrt(self.exposure), lit.shape)
        if self.blur:
            lit = cv2.GaussianBlur(lit, (0, 0), self.blur)
        if self.motion:
            kernel = np.zeros((self.motion, self.motion), np.float32)
            kernel[self.motion // 2, :] = 1 / self.motion
            lit = cv2.filter2D(lit, -1, kernel)
        out = np.clip(lit, 0, 255).astype(np.uint8)
        size = (round(w * self.scale), round(h * self.scale))
        return _jpeg(cv2.resize(out, size, interpolation=cv2.INTER_AREA), self.quality)


def _put_on_glasses(rgb: np.ndarray, thickness: int) -> None:
    """Dark frames around both eyes and a bridge, placed on the frame's own landmarks."""
    from infra.landmarks import shared_landmark_model

    faces = shared_landmark_model().faces(rgb)
    if not faces:
        return
    points = faces[0].points
    eye_width = float(np.linalg.norm(points[39] - points[36]))
    centres = [points[36:42].mean(axis=0), points[42:48].mean(axis=0)]
    axes = (round(eye_width * 0.95), round(eye_width * 0.7))
    tilt = math.degrees(math.atan2(*(centres[1] - centres[0])[::-1]))
    for cx, cy in centres:
        cv2.ellipse(rgb, (round(cx), round(cy)), axes, tilt, 0, 360, (25, 22, 20), thickness)
    inner = [
        c + (c2 - c) / np.linalg.norm(c2 - c) * axes[0]
        for c, c2 in zip(centres, centres[::-1], strict=True)
    ]
    cv2.line(rgb, tuple(map(round, inner[0])), tuple(map(round, inner[1])), (25, 22, 20), thickness)


def live_burst(name: str, seed: int) -> tuple[list[str], list[bytes]]:
    """The asked actions (two or three) and the burst answering them, through one phone."""
    from synthetic.liveness import burst

    rng = random.Random(f"face-second-live-{name}-{seed}")
    actions = rng.sample(ACTIONS, rng.choice((2, 2, 3)))
    phone = LivePhone.draw(rng)
    noise = np.random.default_rng(rng.randrange(2**32))
    frames = burst(FACES / name, actions, seed=rng.randrange(2**31))
    return actions, [phone.shoot(f, noise) for f in frames]


def _swung(rgb: np.ndarray, forward_deg: float, aside_deg: float) -> np.ndarray:
    """A flat print of the frame tilted forward and turned aside in front of the camera."""
    h, w = rgb.shape[:2]
    focal = 1.2 * w
    rx = cv2.Rodrigues(np.array([math.radians(forward_deg), 0.0, 0.0]))[0]
    ry = cv2.Rodrigues(np.array([0.0, math.radians(aside_deg), 0.0]))[0]
    corners = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float64)
    plane = np.c_[corners - (w / 2, h / 2), np.zeros(4)] @ (rx @ ry).T + (0, 0, focal)
    seen = plane[:, :2] / plane[:, 2:] * focal + (w / 2, h / 2)
    matrix = cv2.getPerspectiveTransform(corners.astype(np.float32), seen.astype(np.float32))
    out: np.ndarray = cv2.warpPerspective(rgb, matrix, (w, h), borderMode=cv2.BORDER_REPLICATE)
    return out


#: forward tilt, turn aside (degrees) of the print per frame: nodded, then turned both ways
SWING = (
    [(0.0, 0.0)] * 3
    + [(12.0, 0.0), (25.0, 0.0), (12.0, 0.0)]
    + [(0.0, 0.0)] * 2
    + [(0.0, a) for a in (15.0, 30.0, 15.0)]
    + [(0.0, 0.0)] * 2
    + [(0.0, -a) for a in (15.0, 30.0, 15.0)]
    + [(0.0, 0.0)]
)


def attack_burst(name: str, seed: int, kind: str) -> list[bytes]:
    """Bursts that must not pass liveness, through one phone: `still` — the person sitting
    still for 12 frames; `swung_photo` — a print of the still nodded and turned (SWING)."""
    from synthetic.liveness import _camera, _framed, _jpeg, burst

    rng = random.Random(f"face-second-attack-{kind}-{name}-{seed}")
    phone = LivePhone.draw(rng)
    noise = np.random.default_rng(rng.randrange(2**32))
    if kind == "still":
        frames = burst(FACES / name, [], seed=rng.randrange(2**31), rest_frames=11)
    elif kind == "swung_photo":
        rgb, _ = _framed(FACES / name)
        jitter = np.random.default_rng(rng.randrange(2**32))
        frames = [_jpeg(_camera(_swung(rgb, fwd, aside), jitter)) for fwd, aside in SWING]
    else:
        raise ValueError(f"unknown attack {kind!r}")
    return [phone.shoot(f, noise) for f in frames]
