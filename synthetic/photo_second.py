"""A second 寸照 generator, written apart from synthetic/photo.py to judge the checker's calibrated
thresholds on photos it was not tuned on.

What differs from the first generator, on purpose:
- **cut-out**: a colour-distance matte inside a head ellipse and shoulder prior
  (synthetic/photo_matte.py), not GrabCut;
- **light**: the person and the wall are composed and lit in linear light (gamma 2.2), the way
  exposure, a side light or a hot spot act on a sensor; defocus is a disk, not a Gaussian;
- **wall**: the exact spec colour, a studio's shade of it (exposure ±15 %, white balance ±4 % per
  channel, kept within ΔE 8 of the reference), a slight gradient (≤ 10 % in linear light, top to
  bottom, side to side or a vignette) and sensor grain; no cloth texture;
- **placement**: eyes, face width and head top drawn over the whole of the standard's ranges —
  half of the compliant photos anywhere up to 6 px from a limit, half well inside;
- **file**: Pillow (optimize / progressive / 4:2:0 / 4:2:2 / 4:4:4) or OpenCV's encoder with its
  JFIF density patched, 300 dpi in px/inch, px/cm or only in EXIF; the file size hit by choosing
  the quality, not by searching for a byte target.

Every sample carries the codes the standard says must be reported (`expected`): empty for a
compliant photo; for a broken one the code of the rule broken (a set when the standard's text
allows two, e.g. text on the wall is an "object" and an "addition"). Geometry is drawn so that
only the named rule is broken, every other one held 6 px inside its range.
"""

from __future__ import annotations

import io
import struct
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from domain import photo_spec as spec
from synthetic import photo_flaws as flaws
from synthetic.photo_matte import Matte, matte

C = spec.PhotoRefusal
FRONTAL = ("obama.jpg", "grace_hopper_512x512.jpg", "astronaut.png")
TURNED = ("biden.jpg", "obama3.jpg")  # 15–20° aside in their sources
GLASSES = ("grace_hopper_512x512.jpg",)
MARGIN_PX = 6.0  # compliant geometry stays this far inside each range, broken rules this far out
GAMMA = 2.2
STUDIO_MAX_DELTA_E = 8.0


@dataclass(frozen=True)
class Layout:
    eye_y: float
    face_width: float
    centre_x: float = 240.0
    extra_roll: float = 0.0

    def head_top(self, m: Matte) -> float:
        above = float(m.eye_centre[1]) - m.head_top
        return self.eye_y - above * self.face_width / m.face_width


@dataclass(frozen=True)
class Look:
    wall: tuple[float, float, float] = spec.BACKGROUND_RGB
    gradient: float = 0.0  # linear-light change across the wall
    gradient_kind: str = "vertical"  # vertical, horizontal, vignette
    grain: float = 1.0  # sRGB σ
    exposure: float = 1.0  # linear gain on the person
    side: float = 0.0  # linear gain 1+side on one cheek, 1−side on the other
    defocus: float = 0.0  # disk radius px (0: none)
    motion: int = 0  # px of horizontal motion blur
    sharpen: float = 0.0  # unsharp-mask amount, as phones do


@dataclass(frozen=True)
class FileSpec:
    encoder: str = "pillow"  # pillow, opencv
    subsampling: str = "4:2:0"
    optimize: bool = False
    progressive: bool = False
    dpi: str = "inch"  # inch, cm, exif, none, 72, 96
    quality: int | None = None  # None: chosen so the file is 20.5–39.5 KB
    size: tuple[int, int] = (480, 640)
    fmt: str = "JPEG"
    grey: bool = False


@dataclass(frozen=True)
class Sample:
    data: bytes
    filename: str
    variant: str
    face: str
    expected: frozenset[str]  # empty: compliant; else any one of them is the right report
    edge: bool = False  # compliant geometry drawn up to the limits
    truth: dict[str, float] = field(default_factory=dict)


# --- drawing -------------------------------------------------------------------------------------
def _lin(srgb: np.ndarray) -> np.ndarray:
    out: np.ndarray = (np.clip(srgb, 0, 255) / 255.0) ** GAMMA
    return out


def _srgb(lin: np.ndarray) -> np.ndarray:
    out: np.ndarray = 255.0 * np.clip(lin, 0, 1) ** (1 / GAMMA)
    return out


def _lab(rgb: tuple[float, float, float]) -> np.ndarray:
    px = np.array([[rgb]], np.float32) / 255.0
    out: np.ndarray = cv2.cvtColor(px, cv2.COLOR_RGB2Lab)[0, 0]
    return out


def wall_delta_e(rgb: tuple[float, float, float]) -> float:
    return float(np.linalg.norm(_lab(rgb) - _lab(spec.BACKGROUND_RGB)))


def _warp(
    m: Matte, lay: Layout, size: tuple[int, int]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(person in linear light, alpha, landmarks) in the output frame."""
    w, h = size
    s = lay.face_width / m.face_width
    interp = cv2.INTER_AREA if s < 1 else cv2.INTER_LANCZOS4
    rgb = cv2.resize(m.rgb, None, fx=s, fy=s, interpolation=interp).astype(np.float32)
    alpha = cv2.resize(m.alpha, None, fx=s, fy=s, interpolation=cv2.INTER_LINEAR)
    pts = m.points * s
    eye = pts[36:48].mean(axis=0)
    rot = cv2.getRotationMatrix2D((float(eye[0]), float(eye[1])), m.roll_deg + lay.extra_roll, 1.0)
    mid = (pts[1] + pts[15]) / 2 @ rot[:, :2].T + rot[:, 2]
    rot[0, 2] += lay.centre_x - mid[0]
    rot[1, 2] += lay.eye_y - eye[1]
    flags = cv2.INTER_LINEAR
    person = cv2.warpAffine(rgb, rot, (w, h), flags=flags, borderMode=cv2.BORDER_REPLICATE)
    a = cv2.warpAffine(alpha, rot, (w, h), flags=flags, borderMode=cv2.BORDER_REPLICATE)
    return _lin(person), np.clip(a, 0, 1), pts @ rot[:, :2].T + rot[:, 2]


def _wall(look: Look, size: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    w, h = size
    base = _lin(np.array(look.wall, np.float64))
    yy, xx = np.mgrid[0:h, 0:w]
    if look.gradient_kind == "vertical":
        t = yy / h - 0.5
    elif look.gradient_kind == "horizontal":
        t = xx / w - 0.5
    else:
        t = -(((xx - w / 2) / w) ** 2 + ((yy - h / 2) / h) ** 2) * 2
    sign = 1 if rng.random() < 0.5 else -1
    gain = 1 + sign * look.gradient * t
    out: np.ndarray = base[None, None, :] * gain[..., None]
    return out


def _disk(radius: float) -> np.ndarray:
    r = int(np.ceil(radius))
    k = np.zeros((2 * r + 1, 2 * r + 1), np.float32)
    cv2.circle(k, (r, r), r, 1.0, -1, lineType=cv2.LINE_AA)
    out: np.ndarray = k / k.sum()
    return out


Paint = Callable[[np.ndarray, np.ndarray, np.ndarray, Layout, np.random.Generator], None]


def render(
    m: Matte,
    lay: Layout,
    look: Look,
    rng: np.random.Generator,
    size: tuple[int, int] = (480, 640),
    paint_wall: Paint | None = None,
    paint_face: Paint | None = None,
) -> np.ndarray:
    """Compose in linear light; paint hooks get (linear image, alpha, landmarks, layout, rng)."""
    k = size[0] / 480
    lay_px = replace(
        lay, eye_y=lay.eye_y * k, face_width=lay.face_width * k, centre_x=lay.centre_x * k
    )
    person, alpha, pts = _warp(m, lay_px, size)
    wall = _wall(look, size, rng)
    if paint_wall:
        paint_wall(wall, alpha, pts, lay_px, rng)
    fw = lay_px.face_width
    person *= look.exposure
    if look.side:
        x = np.clip((np.arange(size[0]) - lay_px.centre_x) / (0.5 * fw), -1, 1)
        person *= (1 + look.side * x)[None, :, None]
    img = person * alpha[..., None] + wall * (1 - alpha[..., None])
    if paint_face:
        paint_face(img, alpha, pts, lay_px, rng)
    if look.defocus:
        img = cv2.filter2D(img.astype(np.float32), -1, _disk(look.defocus * k))
    if look.motion:
        kern = np.zeros((1, look.motion), np.float32) + 1.0 / look.motion
        img = cv2.filter2D(img.astype(np.float32), -1, kern)
    out = _srgb(img)
    if look.sharpen:
        soft = cv2.GaussianBlur(out, (0, 0), 1.0)
        out = out + look.sharpen * (out - soft)
    out = out + rng.normal(0.0, look.grain, out.shape)
    result: np.ndarray = np.clip(np.rint(out), 0, 255).astype(np.uint8)
    return result


# --- files ---------------------------------------------------------------------------------------
SUBSAMPLING = {"4:4:4": 0, "4:2:2": 1, "4:2:0": 2}
CV_SAMPLING = {
    "4:4:4": cv2.IMWRITE_JPEG_SAMPLING_FACTOR_444,
    "4:2:2": cv2.IMWRITE_JPEG_SAMPLING_FACTOR_422,
    "4:2:0": cv2.IMWRITE_JPEG_SAMPLING_FACTOR_420,
}


def _jfif_density(data: bytes, unit: int, density: int) -> bytes:
    """Set the JFIF APP0 density an encoder wrote (OpenCV writes unit 0, 1:1)."""
    if data[2:4] != b"\xff\xe0" or data[6:11] != b"JFIF\x00":
        return data
    return data[:13] + struct.pack(">BHH", unit, density, density) + data[18:]


def encode(rgb: np.ndarray, f: FileSpec, quality: int) -> bytes:
    if f.grey:
        rgb = np.repeat(cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)[..., None], 3, axis=2)
    if f.fmt != "JPEG":
        buf = io.BytesIO()
        Image.fromarray(rgb).save(buf, f.fmt, dpi=(300, 300))
        return buf.getvalue()
    if f.encoder == "opencv":
        params = [
            cv2.IMWRITE_JPEG_QUALITY, quality,
            cv2.IMWRITE_JPEG_OPTIMIZE, int(f.optimize),
            cv2.IMWRITE_JPEG_PROGRESSIVE, int(f.progressive),
            cv2.IMWRITE_JPEG_SAMPLING_FACTOR, CV_SAMPLING[f.subsampling],
        ]  # fmt: skip
        ok, buf_cv = cv2.imencode(".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), params)
        data = buf_cv.tobytes()
        unit, density = {"inch": (1, 300), "cm": (2, 118), "72": (1, 72), "96": (1, 96)}.get(
            f.dpi, (0, 1)
        )
        return _jfif_density(data, unit, density)
    kw: dict[str, object] = {
        "quality": quality,
        "subsampling": SUBSAMPLING[f.subsampling],
        "optimize": f.optimize,
        "progressive": f.progressive,
    }
    if f.dpi == "inch":
        kw["dpi"] = (300, 300)
    elif f.dpi in ("72", "96"):
        kw["dpi"] = (int(f.dpi), int(f.dpi))
    elif f.dpi == "cm":
        kw["dpi"] = (300, 300)
    elif f.dpi == "exif":
        exif = Image.Exif()
        exif[0x011A], exif[0x011B], exif[0x0128] = 300.0, 300.0, 2  # X/YResolution, inch
        kw["exif"] = exif.tobytes()
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, "JPEG", **kw)
    data = buf.getvalue()
    return _jfif_density(data, 2, 118) if f.dpi == "cm" else data


def fit_file(
    draw: Callable[[float], np.ndarray],
    f: FileSpec,
    rng: np.random.Generator,
    kb: tuple[float, float] = (20.5, 39.5),
) -> bytes | None:
    """Quality stepped from a random start until the file is within `kb`; if no quality in
    62–97 fits, the picture is drawn again with more or less grain (at most four times)."""
    if f.quality is not None:
        return encode(draw(1.0), f, f.quality)
    grain = 1.0
    for _ in range(4):
        rgb = draw(grain)
        q = int(rng.integers(70, 96))
        first = len(encode(rgb, f, q)) / 1024
        step = -3 if first > kb[1] else 3
        while 62 <= q <= 97:
            data = encode(rgb, f, q)
            if kb[0] <= len(data) / 1024 <= kb[1]:
                return data
            if (step < 0) != (len(data) / 1024 > kb[1]):
                break
            q += step
        grain *= 0.6 if first > kb[1] else 1.7
    return None


# --- sampling ------------------------------------------------------------------------------------
RANGES = {
    "top": spec.HAIRLINE_PX,
    "eyes": spec.EYES_PX,
    "width": spec.FACE_WIDTH_PX,
}


def _inside(value: float, bounds: tuple[float, float], margin: float = MARGIN_PX) -> bool:
    return bounds[0] + margin <= value <= bounds[1] - margin


def _geometry_ok(m: Matte, lay: Layout, broken: str | None, inner: bool) -> bool:
    values = {"top": lay.head_top(m), "eyes": lay.eye_y, "width": lay.face_width}
    for name, bounds in RANGES.items():
        lo, hi = bounds
        if inner:
            lo, hi = lo + (hi - lo) * 0.1, hi - (hi - lo) * 0.1
        if name == broken:
            v = values[name]
            if not (v < bounds[0] - MARGIN_PX or v > bounds[1] + MARGIN_PX):
                return False
        elif not _inside(values[name], (lo, hi)):
            return False
    return True


def draw_layout(
    m: Matte,
    rng: np.random.Generator,
    broken: str | None = None,
    inner: bool = False,
    **ranges: tuple[float, float],
) -> Layout | None:
    """Eyes, face width and centre drawn uniformly from `ranges` (defaults: a bit beyond the
    standard's), kept when the geometry rules hold as asked."""
    eyes = ranges.get("eyes", (170.0, 340.0))
    width = ranges.get("width", (140.0, 345.0))
    for _ in range(4000):
        lay = Layout(
            eye_y=float(rng.uniform(*eyes)),
            face_width=float(rng.uniform(*width)),
            centre_x=240.0 + float(rng.uniform(-12, 12)),
            extra_roll=float(rng.uniform(-2, 2)),
        )
        if _geometry_ok(m, lay, broken, inner):
            return lay
    return None


def studio_wall(rng: np.random.Generator) -> tuple[float, float, float]:
    """The spec colour as a studio's flash and white balance render it, within ΔE 8."""
    for _ in range(100):
        gain = rng.uniform(0.85, 1.15) * (1 + rng.uniform(-0.04, 0.04, 3))
        rgb = _srgb(_lin(np.array(spec.BACKGROUND_RGB, np.float64)) * gain)
        colour = (float(rgb[0]), float(rgb[1]), float(rgb[2]))
        if wall_delta_e(colour) <= STUDIO_MAX_DELTA_E:
            return colour
    return spec.BACKGROUND_RGB


def compliant_look(rng: np.random.Generator) -> Look:
    kind = rng.choice(["exact", "studio", "gradient", "noisy"])
    wall = spec.BACKGROUND_RGB if kind == "exact" else studio_wall(rng)
    return Look(
        wall=(float(wall[0]), float(wall[1]), float(wall[2])),
        gradient=float(rng.uniform(0.04, 0.1)) if kind == "gradient" else 0.0,
        gradient_kind=str(rng.choice(["vertical", "horizontal", "vignette"])),
        grain=float(rng.uniform(2.0, 3.5)) if kind == "noisy" else float(rng.uniform(0.6, 1.6)),
        exposure=float(rng.uniform(0.8, 1.25)),
        side=float(rng.uniform(-0.08, 0.08)),
        sharpen=float(rng.choice([0.0, 0.0, rng.uniform(0.2, 0.7)])),
    )


def compliant_file(rng: np.random.Generator) -> FileSpec:
    return FileSpec(
        encoder=str(rng.choice(["pillow", "pillow", "opencv"])),
        subsampling=str(rng.choice(["4:2:0", "4:2:2", "4:4:4"])),
        optimize=bool(rng.random() < 0.5),
        progressive=bool(rng.random() < 0.4),
        dpi=str(rng.choice(["inch", "inch", "cm", "exif"])),
    )


# --- what is painted for the broken variants -----------------------------------------------------
def _shadow(
    wall: np.ndarray, alpha: np.ndarray, _p: np.ndarray, lay: Layout, rng: np.random.Generator
) -> None:
    """The person's own shadow on the wall: the silhouette shifted aside and softened."""
    fw = lay.face_width
    dx = float(rng.choice([-1, 1]) * rng.uniform(0.2, 0.35) * fw)
    m = np.array([[1, 0, dx], [0, 1, 0.06 * fw]], np.float32)
    shade = cv2.warpAffine(alpha.astype(np.float32), m, (alpha.shape[1], alpha.shape[0]))
    shade = cv2.GaussianBlur(shade, (0, 0), 6)
    wall *= (1 - rng.uniform(0.35, 0.55) * shade)[..., None]


def _door_edge(
    wall: np.ndarray, _a: np.ndarray, _p: np.ndarray, lay: Layout, rng: np.random.Generator
) -> None:
    """A door frame or a cupboard's edge at one side, top to shoulder height."""
    w = wall.shape[1]
    width = int(rng.uniform(18, 34))
    x0 = int(rng.uniform(6, 20)) if rng.random() < 0.5 else w - int(rng.uniform(6, 20)) - width
    colour = _lin(np.array([rng.uniform(90, 160), rng.uniform(60, 110), rng.uniform(40, 80)]))
    wall[: int(lay.eye_y + 0.3 * lay.face_width), x0 : x0 + width] = colour


def _text(
    wall: np.ndarray, _a: np.ndarray, _p: np.ndarray, _lay: Layout, rng: np.random.Generator
) -> None:
    """A studio's mark in a top corner."""
    x = int(rng.uniform(14, 30)) if rng.random() < 0.5 else int(rng.uniform(330, 350))
    canvas = np.zeros(wall.shape[:2], np.float32)
    cv2.putText(
        canvas,
        "PHOTO 2026",
        (x, int(rng.uniform(40, 70))),
        cv2.FONT_HERSHEY_DUPLEX,
        0.7,
        1.0,
        2,
        cv2.LINE_AA,
    )
    wall *= (1 - 0.8 * canvas)[..., None]


def _hot_spot(
    img: np.ndarray, _a: np.ndarray, pts: np.ndarray, lay: Layout, rng: np.random.Generator
) -> None:
    """A flash's specular spot on the forehead or the nose, clipped in the middle."""
    fw = lay.face_width
    spot = pts[27] + (0, -0.22 * fw) if rng.random() < 0.6 else pts[30] + (0, -0.03 * fw)
    yy, xx = np.mgrid[0 : img.shape[0], 0 : img.shape[1]]
    r2 = ((xx - spot[0]) / (0.09 * fw)) ** 2 + ((yy - spot[1]) / (0.06 * fw)) ** 2
    img += (rng.uniform(1.5, 2.5) * np.exp(-r2))[..., None]


def _lens_glare(
    img: np.ndarray, _a: np.ndarray, pts: np.ndarray, lay: Layout, rng: np.random.Generator
) -> None:
    """A window's reflection on each lens, below and outside the eye."""
    fw = lay.face_width
    for eye, side in ((pts[36:42], -1), (pts[42:48], 1)):
        cx, cy = eye.mean(axis=0)
        mask = np.zeros(img.shape[:2], np.float32)
        centre = (int(cx + side * 0.05 * fw), int(cy + 0.1 * fw))
        cv2.ellipse(
            mask,
            centre,
            (int(0.07 * fw), int(0.028 * fw)),
            float(rng.uniform(-20, 20)),
            0,
            360,
            1.0,
            -1,
        )
        soft = cv2.GaussianBlur(mask, (0, 0), 1.2)
        img[:] = img * (1 - soft[..., None]) + soft[..., None] * 1.0


@dataclass(frozen=True)
class Recipe:
    expected: tuple[str, ...] = ()
    faces: tuple[str, ...] = FRONTAL
    broken: str | None = None  # the geometry rule drawn outside its range
    ranges: tuple[tuple[str, tuple[float, float]], ...] = ()
    look: Callable[[Look, np.random.Generator], Look] | None = None
    file: Callable[[FileSpec, np.random.Generator], FileSpec] | None = None
    paint_wall: Paint | None = None
    paint_face: Paint | None = None
    filename: str = "photo.jpg"
    kb: tuple[float, float] = (20.5, 39.5)
    centre: tuple[float, float] | None = None  # |offset| range, px


def _wall_colour(
    *choices: tuple[tuple[float, float], ...],
) -> Callable[[Look, np.random.Generator], Look]:
    def look(base: Look, rng: np.random.Generator) -> Look:
        pick = choices[int(rng.integers(len(choices)))]
        colour = tuple(float(rng.uniform(*c)) for c in pick)
        return replace(base, wall=(colour[0], colour[1], colour[2]), gradient=0.0)

    return look


def _look(**fields: tuple[float, float] | str) -> Callable[[Look, np.random.Generator], Look]:
    def look(base: Look, rng: np.random.Generator) -> Look:
        values = {
            k: (float(rng.uniform(*v)) if isinstance(v, tuple) else v) for k, v in fields.items()
        }
        if "motion" in values:
            values["motion"] = int(values["motion"])
        if "side" in values and rng.random() < 0.5:
            values["side"] = -float(values["side"])
        return replace(base, **values)  # type: ignore[arg-type]

    return look


def _file(**fields: object) -> Callable[[FileSpec, np.random.Generator], FileSpec]:
    def make(base: FileSpec, rng: np.random.Generator) -> FileSpec:
        values = {k: (v(rng) if callable(v) else v) for k, v in fields.items()}
        return replace(base, **values)  # type: ignore[arg-type]

    return make


WHITE = ((238.0, 250.0), (238.0, 250.0), (238.0, 250.0))
GREY = ((150.0, 200.0), (150.0, 200.0), (152.0, 205.0))
RED = ((195.0, 230.0), (0.0, 30.0), (0.0, 30.0))
ID_BLUE = ((60.0, 72.0), (135.0, 150.0), (210.0, 225.0))  # the darker blue of other ID photos

VARIANTS: dict[str, Recipe] = {
    "compliant": Recipe(),
    "compliant_upper_ext": Recipe(filename="PHOTO.JPG"),
    # the wall
    "bg_white": Recipe((C.PHOTO_BG_COLOR,), look=_wall_colour(WHITE)),
    "bg_grey": Recipe((C.PHOTO_BG_COLOR,), look=_wall_colour(GREY)),
    "bg_red": Recipe((C.PHOTO_BG_COLOR,), look=_wall_colour(RED)),
    "bg_id_blue": Recipe((C.PHOTO_BG_COLOR,), look=_wall_colour(ID_BLUE)),
    "bg_gradient": Recipe(
        (C.PHOTO_BG_UNIFORM,), look=_look(gradient=(0.45, 0.7), gradient_kind="vertical")
    ),
    "bg_side_gradient": Recipe(
        (C.PHOTO_BG_UNIFORM,), look=_look(gradient=(0.45, 0.7), gradient_kind="horizontal")
    ),
    "bg_shadow": Recipe((C.PHOTO_BG_OBJECTS, C.PHOTO_BG_UNIFORM), paint_wall=_shadow),
    "bg_door_edge": Recipe((C.PHOTO_BG_OBJECTS,), paint_wall=_door_edge),
    "bg_text": Recipe((C.PHOTO_BG_OBJECTS, C.PHOTO_BORDER), paint_wall=_text),
    # light and image
    "too_dark": Recipe((C.PHOTO_EXPOSURE,), look=_look(exposure=(0.12, 0.2))),
    "too_bright": Recipe((C.PHOTO_EXPOSURE,), look=_look(exposure=(3.2, 4.5))),
    "side_light": Recipe((C.PHOTO_LIGHT_EVEN,), look=_look(side=(0.6, 0.75))),
    "hot_spot": Recipe((C.PHOTO_HIGHLIGHTS,), paint_face=_hot_spot),
    "lens_glare": Recipe((C.PHOTO_GLASSES_GLARE,), faces=GLASSES, paint_face=_lens_glare),
    "defocus": Recipe((C.PHOTO_SHARPNESS,), look=_look(defocus=(3.0, 4.5))),
    "motion_blur": Recipe((C.PHOTO_SHARPNESS,), look=_look(motion=(9.0, 14.0))),
    # geometry, one rule outside by ≥ 6 px, the others ≥ 6 px inside
    "head_top_high": Recipe((C.PHOTO_HAIRLINE,), broken="top"),
    "eyes_high": Recipe((C.PHOTO_EYES_HEIGHT,), broken="eyes", ranges=(("eyes", (150.0, 194.0)),)),
    "eyes_low": Recipe((C.PHOTO_EYES_HEIGHT,), broken="eyes", ranges=(("eyes", (306.0, 340.0)),)),
    "face_narrow": Recipe(
        (C.PHOTO_FACE_WIDTH,), broken="width", ranges=(("width", (130.0, 174.0)),)
    ),
    "face_wide": Recipe((C.PHOTO_FACE_WIDTH,), broken="width", ranges=(("width", (306.0, 350.0)),)),
    "off_centre": Recipe((C.PHOTO_CENTERED,), centre=(40.0, 70.0)),
    "rolled": Recipe((C.PHOTO_POSE,)),
    "turned": Recipe((C.PHOTO_POSE,), faces=TURNED),
    # the file
    "size_600x800": Recipe((C.PHOTO_SIZE_PX,), file=_file(size=(600, 800))),
    "size_360x480": Recipe((C.PHOTO_SIZE_PX,), file=_file(size=(360, 480))),
    "dpi_72": Recipe((C.PHOTO_DPI,), file=_file(dpi="72")),
    "dpi_96": Recipe((C.PHOTO_DPI,), file=_file(dpi="96")),
    "dpi_missing": Recipe((C.PHOTO_DPI,), file=_file(dpi="none")),
    "low_quality": Recipe(
        (C.PHOTO_QUALITY,), file=_file(quality=lambda r: int(r.integers(30, 55))), kb=(0, 1e9)
    ),
    "file_big": Recipe((C.PHOTO_FILE_SIZE,), file=_file(subsampling="4:4:4"), kb=(41.5, 150.0)),
    "file_small": Recipe(
        (C.PHOTO_FILE_SIZE,),
        look=_look(grain=(0.0, 0.3)),
        file=_file(subsampling="4:2:0"),
        kb=(8.0, 19.0),
    ),
    "png": Recipe((C.PHOTO_FORMAT,), file=_file(fmt="PNG"), kb=(0, 1e9)),
    "extension_jpeg": Recipe((C.PHOTO_EXTENSION,), filename="photo.jpeg"),
    "grey": Recipe((C.PHOTO_COLOR_MODE,), file=_file(grey=True)),
    # what the person wears, the flash
    "tinted_lenses": Recipe((C.PHOTO_GLASSES_TINTED,), paint_face=flaws.tinted_lenses),
    "red_eye": Recipe((C.PHOTO_RED_EYE,), paint_face=flaws.red_eye),
    "shirt_like_wall": Recipe((C.PHOTO_CLOTHING,), paint_face=flaws.shirt_like_wall),
    "mouth_open": Recipe((C.PHOTO_MOUTH_OPEN,), paint_face=flaws.open_mouth),
}
COMPLIANT_VARIANTS = ("compliant", "compliant_upper_ext")
BROKEN = tuple(v for v in VARIANTS if v not in COMPLIANT_VARIANTS)


def sample(seed: int, variant: str = "compliant") -> Sample | None:
    """One photo; the same (seed, variant) always gives the same bytes. None when the recipe
    cannot be met for the drawn face (the caller counts it)."""
    recipe = VARIANTS[variant]
    rng = np.random.default_rng([seed, *variant.encode()])
    first = int(rng.integers(len(recipe.faces)))
    compliant = not recipe.expected
    inner = compliant and rng.random() < 0.5
    ranges = dict(recipe.ranges)
    for k in range(len(recipe.faces)):  # a geometry some heads cannot meet: the next face
        face = recipe.faces[(first + k) % len(recipe.faces)]
        m = matte(str(faces_dir() / face))
        lay = draw_layout(m, rng, recipe.broken, inner, **ranges)
        if lay is not None:
            break
    if lay is None:
        return None
    if recipe.centre:
        off = float(rng.uniform(*recipe.centre)) * (1 if rng.random() < 0.5 else -1)
        lay = replace(lay, centre_x=240.0 + off)
    if variant == "rolled":
        lay = replace(lay, extra_roll=float(rng.uniform(9, 15)) * (1 if rng.random() < 0.5 else -1))
    look = compliant_look(rng)
    if recipe.look:
        look = recipe.look(look, rng)
    f = compliant_file(rng)
    if f.encoder == "opencv" and f.dpi == "exif":
        f = replace(f, dpi="inch")
    if recipe.file:
        f = recipe.file(f, rng)
    if f.dpi in ("72", "96", "none") and f.encoder == "pillow" and rng.random() < 0.5:
        f = replace(f, encoder="opencv")

    def draw(grain: float) -> np.ndarray:
        local = np.random.default_rng([seed, 99])
        return render(
            m,
            lay,
            replace(look, grain=look.grain * grain),
            local,
            f.size,
            recipe.paint_wall,
            recipe.paint_face,
        )

    if variant == "file_big":
        data = _big(draw, f, recipe.kb)
    else:
        data = fit_file(draw, f, rng, recipe.kb)
    if data is None:
        return None
    truth = {
        "head_top": lay.head_top(m),
        "eye_y": lay.eye_y,
        "face_width": lay.face_width,
        "centre_off": lay.centre_x - 240.0,
        "wall_delta_e": wall_delta_e(look.wall),
        "kb": len(data) / 1024,
    }
    return Sample(
        data=data,
        filename=recipe.filename,
        variant=variant,
        face=face,
        expected=frozenset(str(c) for c in recipe.expected),
        edge=compliant and not inner,
        truth=truth,
    )


def _big(draw: Callable[[float], np.ndarray], f: FileSpec, kb: tuple[float, float]) -> bytes | None:
    """Over 40 KB at a high quality, more grain until it is."""
    for grain in (1.0, 2.0, 3.5, 5.0):
        data = encode(draw(grain), f, 96)
        if kb[0] <= len(data) / 1024 <= kb[1]:
            return data
    return None


def faces_dir() -> Path:
    from synthetic.photo import faces_dir as first_generators_dir

    return first_generators_dir()
