"""Measured facts → one PhotoRule per rule of Attachment 2, with the measured value and the
Chinese text from domain/photo_spec. Rules that cannot be measured (no single face) are left
out rather than reported with made-up values: the face-count rule says why."""

from __future__ import annotations

from activities.photo_file import FileFacts
from activities.photo_measure import FaceFacts, ImageFacts
from domain import photo_spec as spec
from domain.vision import PhotoRule

Measured = float | str | list[float] | None

GREY_MODES = frozenset({"1", "L", "LA", "I", "I;16", "F"})


def rule(code: spec.PhotoRefusal, passed: bool, measured: Measured = None) -> PhotoRule:
    if isinstance(measured, float):
        measured = round(measured, 3)
    return PhotoRule(
        code=code,
        passed=bool(passed),
        measured=measured,
        expected=spec.RULE_EXPECTED[code],
        message="" if passed else code.message,
    )


def _within(value: float | None, bounds: tuple[float, float]) -> bool:
    return value is not None and bounds[0] <= value <= bounds[1]


def is_grey(file: FileFacts, image: ImageFacts | None) -> bool:
    return file.mode in GREY_MODES or (image is not None and image.chroma < spec.GREY_CHROMA_MAX)


def file_rules(file: FileFacts, image: ImageFacts | None) -> list[PhotoRule]:
    rules = [
        rule(spec.PhotoRefusal.PHOTO_FORMAT, file.is_jpeg, file.format or "无法识别"),
        rule(
            spec.PhotoRefusal.PHOTO_EXTENSION,
            file.extension in spec.EXTENSIONS,
            file.extension or "无",
        ),
        rule(
            spec.PhotoRefusal.PHOTO_FILE_SIZE,
            spec.MIN_FILE_BYTES <= file.size_bytes <= spec.MAX_FILE_BYTES,
            round(file.size_bytes / 1024, 1),
        ),
    ]
    if file.format is None:
        return rules
    dpi_ok = file.dpi is not None and all(abs(d - spec.DPI) <= spec.DPI_TOLERANCE for d in file.dpi)
    mode = file.mode + ("（灰度内容）" if file.mode == "RGB" and is_grey(file, image) else "")
    rules += [
        rule(
            spec.PhotoRefusal.PHOTO_SIZE_PX,
            (file.width, file.height) == (spec.WIDTH_PX, spec.HEIGHT_PX),
            [float(file.width), float(file.height)],
        ),
        rule(spec.PhotoRefusal.PHOTO_DPI, dpi_ok, list(file.dpi) if file.dpi else None),
        rule(
            spec.PhotoRefusal.PHOTO_COLOR_MODE,
            file.mode == "RGB" and not is_grey(file, image),
            mode,
        ),
        rule(
            spec.PhotoRefusal.PHOTO_QUALITY,
            file.quality is not None and file.quality >= spec.MIN_QUALITY,
            float(file.quality) if file.quality is not None else None,
        ),
    ]
    return rules


def image_rules(image: ImageFacts) -> list[PhotoRule]:
    rules = [
        rule(spec.PhotoRefusal.PHOTO_FACE_COUNT, image.face_count == 1, float(image.face_count)),
        rule(
            spec.PhotoRefusal.PHOTO_BORDER,
            image.border_sides < spec.BORDER_MIN_SIDES,
            float(image.border_sides),
        ),
    ]
    facts = image.face
    if facts is None:
        return rules
    face = facts.geometry
    centre_off = face.centre_x - spec.WIDTH_PX / 2
    rules += [
        rule(
            spec.PhotoRefusal.PHOTO_CENTERED,
            abs(centre_off) <= spec.CENTRE_TOLERANCE_PX,
            centre_off,
        ),
        rule(
            spec.PhotoRefusal.PHOTO_HAIRLINE,
            _within(face.head_top, spec.HAIRLINE_PX),
            face.head_top,
        ),
        rule(spec.PhotoRefusal.PHOTO_EYES_HEIGHT, _within(face.eye_y, spec.EYES_PX), face.eye_y),
        rule(
            spec.PhotoRefusal.PHOTO_FACE_WIDTH,
            _within(face.face_width, spec.FACE_WIDTH_PX),
            face.face_width,
        ),
        rule(
            spec.PhotoRefusal.PHOTO_EYES_OPEN,
            face.eye_ratio >= spec.EYE_OPEN_MIN_RATIO,
            face.eye_ratio,
        ),
        _at_most(spec.PhotoRefusal.PHOTO_MOUTH_OPEN, face.mouth_opening, spec.MOUTH_MAX_OPENING),
        rule(
            spec.PhotoRefusal.PHOTO_POSE,
            abs(face.roll_deg) <= spec.ROLL_MAX_DEG and abs(face.yaw) <= spec.YAW_MAX,
            [round(face.roll_deg, 1), round(face.yaw, 3)],
        ),
        rule(
            spec.PhotoRefusal.PHOTO_BG_COLOR,
            facts.bg_delta_e <= spec.BG_MAX_DELTA_E,
            facts.bg_delta_e,
        ),
        rule(
            spec.PhotoRefusal.PHOTO_BG_UNIFORM,
            facts.bg_block_delta_e <= spec.BG_MAX_BLOCK_DELTA_E,
            facts.bg_block_delta_e,
        ),
        rule(
            spec.PhotoRefusal.PHOTO_BG_OBJECTS,
            facts.bg_outlier_share <= spec.BG_MAX_OUTLIER_SHARE,
            facts.bg_outlier_share,
        ),
        rule(
            spec.PhotoRefusal.PHOTO_EXPOSURE,
            _within(facts.face_lightness, spec.FACE_LIGHTNESS),
            facts.face_lightness,
        ),
        rule(
            spec.PhotoRefusal.PHOTO_LIGHT_EVEN,
            facts.side_diff <= spec.FACE_MAX_SIDE_DIFF,
            facts.side_diff,
        ),
        rule(
            spec.PhotoRefusal.PHOTO_HIGHLIGHTS,
            facts.highlight_share <= spec.MAX_HIGHLIGHT_SHARE,
            facts.highlight_share,
        ),
        rule(spec.PhotoRefusal.PHOTO_SHARPNESS, facts.blur <= spec.MAX_BLUR, facts.blur),
        rule(
            spec.PhotoRefusal.PHOTO_GLASSES_GLARE,
            facts.glare_pixels <= spec.GLARE_MAX_PIXELS,
            float(facts.glare_pixels),
        ),
    ]
    return rules + wear_rules(facts)


def _at_most(code: spec.PhotoRefusal, value: float, limit: float) -> PhotoRule:
    return rule(code, value <= limit, value)


def wear_rules(facts: FaceFacts) -> list[PhotoRule]:
    """Tinted lenses, red eye, clothes that merge with the backdrop (activities/photo_wear.py)."""
    return [
        rule(
            spec.PhotoRefusal.PHOTO_GLASSES_TINTED,
            facts.lens_transmission >= spec.LENS_MIN_TRANSMISSION,
            facts.lens_transmission,
        ),
        _at_most(spec.PhotoRefusal.PHOTO_RED_EYE, facts.red_pupil_share, spec.RED_EYE_MAX_SHARE),
        _at_most(
            spec.PhotoRefusal.PHOTO_CLOTHING,
            facts.clothes_backdrop_share,
            spec.CLOTHING_MAX_SHARE,
        ),
    ]
