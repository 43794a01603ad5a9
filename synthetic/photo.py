"""Test ID photos built from the real faces in tests/fixtures/faces (they ship in packages, see
SOURCES.md there): the person is cut out (GrabCut seeded by dlib landmarks) and composed on a
generated light-blue backdrop with cloth texture and sensor noise — a flat synthetic image would
compress far below the standard's 20 KB and test nothing.

`compliant_photo(face, seed)` is what `ruji demo` uses. `photo(face, seed, variant)` makes the
variants that break one rule each (the tests' and the benchmark's inputs); `FIXABLE_VARIANTS`
are those an honest crop/scale/re-encode repairs. Everything is deterministic given the seed.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from PIL import Image

from synthetic.photo_cutout import Cutout, cutout
from synthetic.photo_wear import dressed_like, mouth_opened, paint_red_eye, paint_sunglasses

Variant = Callable[[Cutout, np.random.Generator], bytes]
Point = tuple[float, float]

# Faces looking at the camera: the compliant photos and most variants are made from these.
FACE_FILES = ("obama.jpg", "grace_hopper_512x512.jpg", "astronaut.png")
# Heads turned by some 15–20° in the source photos: the honest "pose" failures.
TURNED_FACE_FILES = ("biden.jpg", "obama3.jpg")
# obama2.jpg (turned, a neighbour touching him) and obama_partial_face.jpg do not cut out cleanly.
BACKDROP_RGB = np.array((100.0, 197.0, 255.0))


def faces_dir() -> Path:
    """RUJI_FACES_DIR, else the repository's fixtures (an installed wheel has no tests/)."""
    configured = os.environ.get("RUJI_FACES_DIR")
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "faces"


def face_paths(names: tuple[str, ...] = FACE_FILES) -> list[Path]:
    return [faces_dir() / name for name in names]


@dataclass(frozen=True)
class Scene:
    """Where the head goes (output px) and what is done to the picture."""

    eye_y: float = 250.0
    face_width: float = 230.0  # cheek to cheek; the head top follows from the person's head
    centre_x: float = 240.0
    size: tuple[int, int] = (480, 640)
    roll_deg: float = 0.0
    backdrop: tuple[float, float, float] = (100.0, 197.0, 255.0)
    gradient: float = 0.0  # backdrop lightness change top → bottom, in RGB units
    person_gain: float = 1.0
    side_light: float = 0.0  # 0.5 → left of the face ×1.5, right ×0.5
    blur_sigma: float = 0.0


Paint = Callable[[np.ndarray, Cutout, Scene], None]
Wear = Callable[[np.ndarray, np.ndarray, float, np.random.Generator], None]


def _backdrop(scene: Scene, rng: np.random.Generator) -> np.ndarray:
    w, h = scene.size
    colour = np.array(scene.backdrop) + rng.normal(0.0, 2.0, 3)
    low = cv2.resize(
        rng.normal(0.0, 1.0, (h // 40 + 2, w // 40 + 2)), (w, h), interpolation=cv2.INTER_CUBIC
    )
    cloth = cv2.GaussianBlur(rng.normal(0.0, 1.0, (h, w)), (0, 0), 1.2)
    img = np.empty((h, w, 3))
    img[:] = colour
    img += (1.5 * low + 3.0 * cloth)[..., None]
    ramp = np.linspace(-0.5, 0.5, h)[:, None, None] * scene.gradient
    return img - ramp


def _scale(cut: Cutout, scene: Scene) -> float:
    return scene.face_width / cut.face_width


def _transform(cut: Cutout, scene: Scene) -> np.ndarray:
    """Scale about the eyes, level the eye line (the fixtures' heads lean), add the scene's roll."""
    m = cv2.getRotationMatrix2D(
        (cut.centre_x, cut.eye_y), cut.roll_deg + scene.roll_deg, _scale(cut, scene)
    )
    m[0, 2] += scene.centre_x - cut.centre_x
    m[1, 2] += scene.eye_y - cut.eye_y
    return m


def _place(cut: Cutout, scene: Scene) -> tuple[np.ndarray, np.ndarray]:
    """The person (RGB float) and its alpha, warped into the output frame."""
    w, h = scene.size
    s = _scale(cut, scene)
    m = _transform(cut, scene)
    interp = cv2.INTER_AREA if s < 1 else cv2.INTER_CUBIC
    rgb = cv2.warpAffine(cut.rgb, m, (w, h), flags=interp, borderMode=cv2.BORDER_REPLICATE)
    alpha = cv2.warpAffine(
        cut.alpha, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    )
    person = rgb.astype(np.float64) * scene.person_gain
    if scene.side_light:
        fw = cut.face_width * s
        x = np.clip((np.arange(w) - scene.centre_x) / fw, -0.5, 0.5)
        person *= (1.0 - 2.0 * scene.side_light * x)[None, :, None]
    return person, alpha[..., None].astype(np.float64)


def render(cut: Cutout, scene: Scene, rng: np.random.Generator) -> np.ndarray:
    person, alpha = _place(cut, scene)
    img = _backdrop(scene, rng) * (1.0 - alpha) + person * alpha
    img += rng.normal(0.0, 1.5, img.shape)
    if scene.blur_sigma:
        img = np.asarray(cv2.GaussianBlur(img, (0, 0), scene.blur_sigma), np.float64)
    out: np.ndarray = np.clip(img, 0, 255).astype(np.uint8)
    return out


def encode(
    rgb: np.ndarray,
    target_bytes: int = 30 * 1024,
    dpi: int = 300,
    fmt: str = "JPEG",
    **kw: Any,
) -> bytes:
    """JPEG whose quality is searched so the file lands near `target_bytes`, as a camera app's."""
    im = Image.fromarray(rgb)
    if fmt != "JPEG":
        buf = io.BytesIO()
        im.save(buf, fmt, dpi=(dpi, dpi), **kw)
        return buf.getvalue()

    def save(quality: int) -> bytes:
        buf = io.BytesIO()
        im.save(buf, "JPEG", quality=quality, dpi=(dpi, dpi), **kw)
        return buf.getvalue()

    best, lo, hi = save(60), 61, 95  # the highest quality that still fits, else quality 60
    while lo <= hi:
        q = (lo + hi) // 2
        data = save(q)
        if len(data) <= target_bytes:
            best, lo = data, q + 1
        else:
            hi = q - 1
    return best


def _random_scene(cut: Cutout, rng: np.random.Generator, **changes: Any) -> Scene:
    """Eyes 240–265 px down, head top 65–95 px, face 205–265 px wide: well inside every range."""
    head_per_width = (cut.eye_y - cut.head_top) / cut.face_width
    lo = max(205.0, (240 - 95) / head_per_width)
    hi = min(265.0, (265 - 65) / head_per_width)
    face_width = float(rng.uniform(lo, max(lo, hi)))
    head = face_width * head_per_width
    eye_lo, eye_hi = max(240.0, 65 + head), min(265.0, 95 + head)
    scene = Scene(
        eye_y=float(rng.uniform(eye_lo, max(eye_lo, eye_hi))),
        face_width=face_width,
        centre_x=float(240 + rng.uniform(-6, 6)),
    )
    return replace(scene, **changes)


def _jpeg(img: np.ndarray, rng: np.random.Generator, **kw: Any) -> bytes:
    return encode(img, target_bytes=int(rng.uniform(27, 33) * 1024), **kw)


def compliant_photo(face_path: Path | str, seed: int = 0) -> bytes:
    """A 480×640, 300 dpi JPEG of 20–40 KB that meets every rule of Attachment 2."""
    return photo(face_path, seed, "compliant")


# --- variants ------------------------------------------------------------------------------------
def _scene_variant(**changes: Any) -> Variant:
    def make(cut: Cutout, rng: np.random.Generator) -> bytes:
        return _jpeg(render(cut, _random_scene(cut, rng, **changes), rng), rng)

    return make


def _painted(paint: Paint, **changes: Any) -> Variant:
    def make(cut: Cutout, rng: np.random.Generator) -> bytes:
        scene = _random_scene(cut, rng, **changes)
        img = render(cut, scene, rng).astype(np.float64)
        paint(img, cut, scene)
        return _jpeg(np.clip(img, 0, 255).astype(np.uint8), rng)

    return make


def _worn(wear: Wear) -> Variant:
    """Painted at the landmarks in the output frame, with the variant's own draws."""

    def make(cut: Cutout, rng: np.random.Generator) -> bytes:
        scene = _random_scene(cut, rng)
        img = render(cut, scene, rng).astype(np.float64)
        pts, fw = _face_frame(cut, scene)
        wear(img, pts, fw, rng)
        return _jpeg(np.clip(img, 0, 255).astype(np.uint8), rng)

    return make


def _shirt_like_backdrop(cut: Cutout, rng: np.random.Generator) -> bytes:
    scene = _random_scene(cut, rng)
    dressed = dressed_like(cut, BACKDROP_RGB, rng)
    return _jpeg(render(dressed, scene, rng), rng)


def _mouth_open(cut: Cutout, rng: np.random.Generator) -> bytes:
    scene = _random_scene(cut, rng)
    return _jpeg(render(mouth_opened(cut, rng), scene, rng), rng)


def _face_frame(cut: Cutout, scene: Scene) -> tuple[np.ndarray, float]:
    """Landmarks of the cutout in the output frame (no roll) and the face width there."""
    m = _transform(cut, scene)
    pts: np.ndarray = cut.points @ m[:, :2].T + m[:, 2]
    return pts, scene.face_width


def _blob(
    img: np.ndarray,
    centre: Point,
    axes: Point,
    colour: tuple[int, int, int],
    strength: float = 1.0,
) -> None:
    mask = np.zeros(img.shape[:2], np.float64)
    cv2.ellipse(
        mask, (int(centre[0]), int(centre[1])), (int(axes[0]), int(axes[1])), 0, 0, 360, 1.0, -1
    )
    alpha = cv2.GaussianBlur(mask, (0, 0), max(1.0, min(axes) / 4))[..., None] * strength
    img[:] = img * (1 - alpha) + np.array(colour, np.float64) * alpha


def _paint_highlight(img: np.ndarray, cut: Cutout, scene: Scene) -> None:
    pts, fw = _face_frame(cut, scene)
    forehead = (float(pts[27, 0]), float(pts[19:25, 1].mean()) - 0.12 * fw)
    axes = (int(0.15 * fw), int(0.09 * fw))
    spot = np.zeros(img.shape[:2], np.uint8)
    cv2.ellipse(spot, (int(forehead[0]), int(forehead[1])), axes, 0, 0, 360, 1, -1)
    _blob(img, forehead, (0.2 * fw, 0.13 * fw), (255, 255, 255), strength=0.6)
    img[spot > 0] = 255.0


def _paint_glare(img: np.ndarray, cut: Cutout, scene: Scene) -> None:
    pts, fw = _face_frame(cut, scene)
    for eye in (pts[36:42], pts[42:48]):
        cx, cy = eye.mean(axis=0)
        _blob(img, (cx + 0.03 * fw, cy + 0.07 * fw), (0.06 * fw, 0.025 * fw), (255, 255, 255))


def _paint_object(img: np.ndarray, cut: Cutout, scene: Scene) -> None:
    _, fw = _face_frame(cut, scene)
    _blob(img, (12, scene.eye_y - 0.2 * fw), (45, 70), (40, 32, 30))


def _paint_shadow_first(cut: Cutout, rng: np.random.Generator) -> bytes:
    """A shadow lies on the backdrop, behind the person: darken the backdrop, then compose."""
    scene = _random_scene(cut, rng)
    w, h = scene.size
    bg = _backdrop(scene, rng)
    _, fw = _face_frame(cut, scene)
    shade = np.zeros((h, w), np.float64)
    cv2.ellipse(
        shade,
        (int(scene.centre_x + 0.75 * fw), int(scene.eye_y)),
        (int(0.55 * fw), int(0.9 * fw)),
        0,
        0,
        360,
        1.0,
        -1,
    )
    bg *= 1 - 0.45 * cv2.GaussianBlur(shade, (0, 0), 12)[..., None]
    person, alpha = _place(cut, scene)
    img = bg * (1 - alpha) + person * alpha + rng.normal(0.0, 1.5, bg.shape)
    return _jpeg(np.clip(img, 0, 255).astype(np.uint8), rng)


def _paint_border(img: np.ndarray, _cut: Cutout, _scene: Scene) -> None:
    img[:8, :] = img[-8:, :] = 255
    img[:, :8] = img[:, -8:] = 255


def _closed_eyes(cut: Cutout, rng: np.random.Generator) -> bytes:
    return _jpeg(render(cut.with_eyes_closed(), _random_scene(cut, rng), rng), rng)


def _two_people(cut: Cutout, rng: np.random.Generator) -> bytes:
    base = _random_scene(cut, rng)
    left = replace(base, centre_x=130, eye_y=300, face_width=110)
    right = replace(left, centre_x=350)
    person_l, alpha_l = _place(cut, left)
    person_r, alpha_r = _place(cut, right)
    img = _backdrop(base, rng)
    img = img * (1 - alpha_l) + person_l * alpha_l
    img = img * (1 - alpha_r) + person_r * alpha_r + rng.normal(0.0, 1.5, img.shape)
    return _jpeg(np.clip(img, 0, 255).astype(np.uint8), rng)


def _no_person(_cut: Cutout, rng: np.random.Generator) -> bytes:
    img = _backdrop(Scene(), rng) + rng.normal(0.0, 1.5, (640, 480, 3))
    return _jpeg(np.clip(img, 0, 255).astype(np.uint8), rng)


def _sized(size: tuple[int, int], quality: int = 90) -> Variant:
    def make(cut: Cutout, rng: np.random.Generator) -> bytes:
        k = size[0] / 480
        scene = _random_scene(cut, rng)
        scene = replace(
            scene,
            size=size,
            eye_y=scene.eye_y * k,
            face_width=scene.face_width * k,
            centre_x=240 * k,
        )
        buf = io.BytesIO()
        Image.fromarray(render(cut, scene, rng)).save(buf, "JPEG", quality=quality, dpi=(300, 300))
        return buf.getvalue()

    return make


def _fixed_quality(quality: int, dpi: int = 300, subsampling: int = -1) -> Variant:
    def make(cut: Cutout, rng: np.random.Generator) -> bytes:
        buf = io.BytesIO()
        Image.fromarray(render(cut, _random_scene(cut, rng), rng)).save(
            buf, "JPEG", quality=quality, dpi=(dpi, dpi), subsampling=subsampling
        )
        return buf.getvalue()

    return make


def _in_mode(mode: str, fmt: str = "JPEG") -> Variant:
    def make(cut: Cutout, rng: np.random.Generator) -> bytes:
        im = Image.fromarray(render(cut, _random_scene(cut, rng), rng)).convert(mode)
        buf = io.BytesIO()
        im.save(buf, fmt, **({"quality": 88} if fmt == "JPEG" else {}), dpi=(300, 300))
        return buf.getvalue()

    return make


# A variant name → how to make it. Each breaks the rule(s) its name says; "compliant" breaks none.
VARIANTS: dict[str, Variant] = {
    "compliant": _scene_variant(),
    # fixable by crop / scale / re-encode
    "png": _in_mode("RGB", fmt="PNG"),
    "cmyk": _in_mode("CMYK"),
    "dpi_72": _fixed_quality(88, dpi=72),
    "low_quality": _fixed_quality(35),
    "file_too_big": _fixed_quality(97, subsampling=0),
    "too_large_px": _sized((720, 960)),
    "head_small": _scene_variant(eye_y=265.0, face_width=150.0),
    "off_centre": _scene_variant(centre_x=290.0, eye_y=240.0, face_width=185.0),
    "head_low": _scene_variant(eye_y=330.0, face_width=190.0),
    # not fixable
    "head_high": _scene_variant(eye_y=175.0, face_width=230.0),
    "head_big": _scene_variant(eye_y=280.0, face_width=330.0),
    "grey": _in_mode("L"),
    "bg_white": _scene_variant(backdrop=(246.0, 246.0, 246.0)),
    "bg_grey": _scene_variant(backdrop=(150.0, 155.0, 160.0)),
    "bg_gradient": _scene_variant(gradient=70.0),
    "bg_object": _painted(_paint_object),
    "bg_shadow": _paint_shadow_first,
    "underexposed": _scene_variant(person_gain=0.35),
    "uneven_light": _scene_variant(side_light=0.7),
    "highlight": _painted(_paint_highlight),
    "blurred": _scene_variant(blur_sigma=2.6),
    "border": _painted(_paint_border),
    "glasses_glare": _painted(_paint_glare),
    "eyes_closed": _closed_eyes,
    "tilted": _scene_variant(roll_deg=12.0),
    "two_people": _two_people,
    "no_person": _no_person,
    "sunglasses": _worn(paint_sunglasses),
    "red_eye": _worn(paint_red_eye),
    "shirt_like_backdrop": _shirt_like_backdrop,
    "mouth_open": _mouth_open,
}
FIXABLE_VARIANTS = (
    "png",
    "cmyk",
    "dpi_72",
    "low_quality",
    "file_too_big",
    "too_large_px",
    "head_small",
    "off_centre",
    "head_low",
)
BROKEN_VARIANTS = tuple(v for v in VARIANTS if v != "compliant" and v not in FIXABLE_VARIANTS)


def photo(face_path: Path | str, seed: int, variant: str = "compliant") -> bytes:
    """Bytes of one generated photo; the same (face, seed, variant) always gives the same bytes."""
    rng = np.random.default_rng([seed, sum(map(ord, variant))])
    return VARIANTS[variant](cutout(str(face_path)), rng)


@lru_cache(maxsize=512)
def cached_photo(face_path: str, seed: int, variant: str = "compliant") -> bytes:
    return photo(face_path, seed, variant)
