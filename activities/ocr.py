"""`read_id_card` (task queue ruji-vision): both sides of the ID card → fields, refusals, portrait.

`IdCardReader` owns the RapidOCR engine (PP-OCRv6 small, ONNX, models inside the `rapidocr`
wheel — nothing is downloaded). It is built once per worker process; the activity is a plain
sync method, so the worker runs it in its thread pool, off the event loop.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

import numpy as np
from temporalio import activity

from activities.heartbeat import heartbeating
from activities.idcard_image import (
    Photo,
    card_on_border,
    decode,
    id_image_refusal,
    portrait_jpeg,
    quality_refusals,
)
from domain.errors import Refusal
from domain.idcard_parse import (
    BACK_LABELS,
    FRONT_LABELS,
    OcrLine,
    Parsed,
    label_hits,
    parse_back,
    parse_front,
)
from domain.identity import check_card
from domain.vision import (
    READ_ID_CARD,
    IdCardFields,
    IdImageRefusal,
    IdType,
    ReadIdCardInput,
    ReadIdCardResult,
)
from infra.storage import ObjectStore

if TYPE_CHECKING:
    from rapidocr import RapidOCR  # heavy: imported when the engine is built

OCR_PARAMS = {
    "Global.log_level": "warning",
    "Global.use_cls": False,  # cards are shot upright; the parser undoes a few degrees of tilt
    "Det.limit_type": "max",
    "Det.limit_side_len": 960,  # 18 digits stay legible; twice as fast as the default 736-min
    # One thread per inference: on a shared 2-core box, all-core sessions fight the other
    # processes and run 2x slower (measured, docs/decisions.md); scale with more vision workers.
    "EngineConfig.onnxruntime.intra_op_num_threads": 1,
    "EngineConfig.onnxruntime.inter_op_num_threads": 1,
}


def build_engine() -> RapidOCR:
    from rapidocr import RapidOCR

    return RapidOCR(params=OCR_PARAMS)


class IdCardReader:
    def __init__(self, store: ObjectStore, engine: RapidOCR | None = None):
        self.store = store
        self.engine = engine or build_engine()
        self._lock = threading.Lock()  # the rapidocr pipeline is not documented as thread-safe

    def ocr_lines(self, rgb: np.ndarray) -> list[OcrLine]:
        from rapidocr.utils.output import RapidOCROutput

        with self._lock:
            output = self.engine(np.ascontiguousarray(rgb))
        if not isinstance(output, RapidOCROutput):  # a partial pipeline (det or rec alone)
            raise TypeError(f"OCR_PARAMS must run the whole pipeline, got {type(output).__name__}")
        if output.boxes is None or output.txts is None or output.scores is None:
            return []
        return [
            OcrLine(text, float(score), tuple((float(x), float(y)) for x, y in box))
            for box, text, score in zip(output.boxes, output.txts, output.scores, strict=True)
        ]

    @activity.defn(name=READ_ID_CARD)
    @heartbeating
    def read_id_card(self, inp: ReadIdCardInput) -> ReadIdCardResult:
        photos: dict[str, Photo] = {}
        refusals: list[Refusal] = []
        for side, stored in (("front", inp.front), ("back", inp.back)):
            photo = decode(self.store.get(stored.key))
            if photo is None:
                refusals.append(id_image_refusal(IdImageRefusal.ID_IMAGE_UNREADABLE, side))
                continue
            photos[side] = photo
            refusals.extend(quality_refusals(photo, side))
        if refusals:
            return ReadIdCardResult(refusals=refusals)

        result = ReadIdCardResult(needs_manual_review=inp.id_type is IdType.PASSPORT)
        if inp.id_type is not IdType.PASSPORT:  # passports and passes are read by an examiner
            lines = {side: self.ocr_lines(photo.rgb) for side, photo in photos.items()}
            refusals = side_refusals(lines, photos)
            if refusals:
                return ReadIdCardResult(refusals=refusals)
            front, back = parse_front(lines["front"]), parse_back(lines["back"])
            result.fields = merge(front, back)
            result.confidence = {**front.confidence, **back.confidence}
            refusals = completeness_refusals(front, back, photos)
            if refusals:
                return result.model_copy(update={"refusals": refusals})
        result.refusals = check_card(
            result.fields, inp.id_type, inp.typed_id_number, inp.check_date
        )

        portrait = portrait_jpeg(photos["front"].rgb)
        if portrait is None:
            result.refusals.append(id_image_refusal(IdImageRefusal.ID_PORTRAIT_NOT_FOUND, "front"))
        else:
            result.portrait = self.store.put(inp.portrait_key, portrait, "image/jpeg")
        return result


def side_of(lines: list[OcrLine]) -> str | None:
    front, back = label_hits(lines, FRONT_LABELS), label_hits(lines, BACK_LABELS)
    if max(front, back) < 2:
        return None
    return "front" if front > back else "back"


def side_refusals(lines: dict[str, list[OcrLine]], photos: dict[str, Photo]) -> list[Refusal]:
    """Swapped, wrong or unreadable sides: the labels printed on each side tell them apart."""
    seen = {side: side_of(found) for side, found in lines.items()}
    if seen == {"front": "back", "back": "front"}:
        return [id_image_refusal(IdImageRefusal.ID_SIDES_SWAPPED, "front")]
    refusals = []
    for side, what in seen.items():
        if what is None:
            code = (
                IdImageRefusal.ID_CARD_CROPPED
                if card_on_border(photos[side])
                else IdImageRefusal.ID_CARD_NOT_FOUND
            )
            refusals.append(id_image_refusal(code, side))
        elif what != side:
            refusals.append(
                id_image_refusal(IdImageRefusal.ID_WRONG_SIDE, side, measured=what, expected=side)
            )
    return refusals


def completeness_refusals(front: Parsed, back: Parsed, photos: dict[str, Photo]) -> list[Refusal]:
    """A side whose key fields are missing: cropped if the card runs into the photo's edge."""
    missing = {
        "front": len(front.fields.id_number) != 18 or not front.fields.name,
        "back": back.confidence["validity"] == 0.0,
    }
    refusals = []
    for side, incomplete in missing.items():
        if not incomplete:
            continue
        cut = card_on_border(photos[side])
        refusals.append(
            id_image_refusal(
                IdImageRefusal.ID_CARD_CROPPED if cut else IdImageRefusal.ID_FIELDS_UNREADABLE, side
            )
        )
    return refusals


def merge(front: Parsed, back: Parsed) -> IdCardFields:
    return front.fields.model_copy(
        update=back.fields.model_dump(include={"issuer", "valid_from", "valid_until", "long_term"})
    )
