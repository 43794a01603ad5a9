"""`read_id_card` (task queue ruji-vision): both sides of the ID card → fields, refusals, portrait.

`IdCardReader` owns the RapidOCR engines (PP-OCRv6 small, ONNX, models inside the `rapidocr`
wheel — nothing is downloaded), one per core the vision worker uses. They are built once per
worker process; the activity is a plain sync method, so the worker runs it in its thread pool, off
the event loop.
"""

from __future__ import annotations

import queue
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import TYPE_CHECKING, TypeVar

import numpy as np
from temporalio import activity

from activities.heartbeat import heartbeating
from activities.idcard_image import (
    CLOSEUP_MARGIN,
    WORKING_LONG_SIDE,
    Photo,
    card_closeup,
    decode,
    flatten_light,
    id_image_refusal,
    portrait_jpeg,
    quality_warnings,
    turned,
)
from activities.idcard_legibility import field_window, unreadable_refusal, whole_photo_refusal
from activities.idcard_text_region import (
    Located,
    balanced,
    detect_text,
    line_images,
    locate,
    quarter_turns,
    recognize,
)
from domain.card_characters import load_card_forms
from domain.errors import Refusal
from domain.idcard_fields import complete_fields, illegible_fields
from domain.idcard_layout import back_by_layout, front_by_layout, front_marks
from domain.idcard_parse import (
    BACK_LABELS,
    FRONT_LABELS,
    OcrLine,
    Parsed,
    best_reading,
    label_hits,
    parse_back,
    parse_front,
)
from domain.identity import IdCardFields, IdType, check_card
from domain.vision import READ_ID_CARD, CardSide, IdImageRefusal, ReadIdCardInput, ReadIdCardResult
from infra.storage import ObjectStore

if TYPE_CHECKING:
    from rapidocr import RapidOCR  # heavy: imported when the engine is built

UNPLACED_MARGIN = 1.0  # around lines that showed too few labels: a card width each way
MIN_TEXT_SCORE = 0.5  # rapidocr's own: lines below it are dropped, as the whole pipeline does
DET_SIDE = 960  # 18 digits stay legible; twice as fast as the default 736-min
OCR_PARAMS = {
    "Global.log_level": "warning",
    "Global.use_cls": False,  # cards are shot upright; the parser undoes a few degrees of tilt
    "Global.text_score": MIN_TEXT_SCORE,
    "Det.limit_type": "max",
    "Det.limit_side_len": DET_SIDE,
    # One thread per inference: on a shared 2-core box, all-core sessions fight the other
    # processes and run 2x slower (measured, docs/decisions.md); scale with more vision workers.
    "EngineConfig.onnxruntime.intra_op_num_threads": 1,
    "EngineConfig.onnxruntime.inter_op_num_threads": 1,
}


def build_engine() -> RapidOCR:
    from rapidocr import RapidOCR

    return RapidOCR(params=OCR_PARAMS)


T = TypeVar("T")
R = TypeVar("R")

#: engines per reader: the vision worker runs two activities at once, one per core
#: (worker.py), and one card's two sides are read side by side on them
ENGINES = 2


class EnginePool:
    """Each inference runs single-threaded on an engine of its own (the rapidocr pipeline is not
    documented as thread-safe): two sides, or two candidates' cards, are read on two cores at
    once instead of queueing on one engine."""

    def __init__(self, engines: list[RapidOCR]):
        self.size = len(engines)
        self._free: queue.SimpleQueue[RapidOCR] = queue.SimpleQueue()
        for engine in engines:
            self._free.put(engine)

    @contextmanager
    def borrowed(self) -> Iterator[RapidOCR]:
        engine = self._free.get()
        try:
            yield engine
        finally:
            self._free.put(engine)


class IdCardReader:
    def __init__(self, store: ObjectStore, engine: RapidOCR | None = None, engines: int = ENGINES):
        self.store = store
        load_card_forms()
        self.engines = EnginePool([engine] if engine else [build_engine() for _ in range(engines)])
        self._sides = ThreadPoolExecutor(self.engines.size, thread_name_prefix="ocr-side")

    def each(self, work: Callable[[T], R], items: Iterable[T]) -> list[R]:
        """`work` on every item, as many at once as there are engines."""
        return list(self._sides.map(work, items))

    def ocr_lines(self, rgb: np.ndarray) -> list[OcrLine]:
        return self.ocr_sides([rgb])[0]

    def ocr_sides(
        self,
        images: list[np.ndarray],
        located: list[Located | None] | None = None,
        det_side: int = DET_SIDE,
    ) -> list[list[OcrLine]]:
        """Each image's confident, non-empty lines, boxes in its pixels. Detection runs on the
        printed area only (activities/idcard_text_region.py), one image per engine; then the
        lines of all images are recognised in groups of equal width, one per engine, so the
        back's few lines do not leave an engine idle while the front's many are read."""
        images = [np.ascontiguousarray(rgb) for rgb in images]
        passes = located or [None] * len(images)
        boxes = self.each(
            lambda pair: self.detect(*pair, det_side=det_side), zip(images, passes, strict=True)
        )
        crops = [
            (side, box, crop)
            for side, (rgb, found) in enumerate(zip(images, boxes, strict=True))
            for box, crop in zip(found, line_images(rgb, found), strict=True)
        ]
        widths = [crop.shape[1] / max(crop.shape[0], 1) for _, _, crop in crops]
        groups = balanced(widths, self.engines.size)
        reads = self.each(self.recognize, [[crops[i][2] for i in group] for group in groups])
        lines: list[list[OcrLine]] = [[] for _ in images]
        for index, (text, score) in sorted(
            (i, read)
            for group, texts in zip(groups, reads, strict=True)
            for i, read in zip(group, texts, strict=True)
        ):
            side, box, _ = crops[index]
            if text.strip() and score >= MIN_TEXT_SCORE:
                lines[side].append(
                    OcrLine(text, score, tuple((float(x), float(y)) for x, y in box))
                )
        return lines

    def upright_reads(
        self, photos: dict[CardSide, Photo]
    ) -> tuple[dict[CardSide, Photo], dict[CardSide, list[OcrLine]], dict[CardSide, int]]:
        """Each photo turned so the card's print is level and upright, and its lines. Phones
        shoot portrait: a card turned a quarter to fill the frame is levelled first (its lines
        run up and down); a card that then shows none of its labels, upside down or turned the
        other way, is read again turned half round and kept that way if more labels are read."""
        images = [np.ascontiguousarray(photo.rgb) for photo in photos.values()]
        located = self.each(self.locate, images)
        turns = [quarter_turns(found) for found in located]
        quarters = dict(zip(photos, turns, strict=True))
        photos = {
            side: turned(photo, k) for (side, photo), k in zip(photos.items(), turns, strict=True)
        }
        # a photo read as it came reuses its locating pass; a turned one is located anew
        reused = [found if k == 0 else None for found, k in zip(located, turns, strict=True)]
        read = self.ocr_sides([p.rgb for p in photos.values()], reused)
        lines = dict(zip(photos, read, strict=True))
        unplaced = [side for side, found in lines.items() if side_of(found) is None]
        flipped = {side: turned(photos[side], 2) for side in unplaced}
        again = self.ocr_sides([flipped[side].rgb for side in unplaced])
        for side, found in zip(unplaced, again, strict=True):
            if labels_read(found) > labels_read(lines[side]):
                photos[side], lines[side] = flipped[side], found
                quarters[side] += 2
        return photos, lines, quarters

    def closeup_reads(
        self,
        uploads: dict[CardSide, bytes],
        photos: dict[CardSide, Photo],
        lines: dict[CardSide, list[OcrLine]],
        quarters: dict[CardSide, int],
    ) -> list[CardSide]:
        """The sides of `uploads` whose card lies on a small part of a large photo, read again
        from the upload's own pixels (`card_closeup`) around the lines read; the close-up and its
        lines replace the photo's in `photos` and `lines` when labels are read on it — the same
        side's, or any side's where the photo showed too few to tell (a small card whose labels
        the working copy had merged: only its bold number was read). Around lines with fewer
        than two labels, which do not show where the card's edges are, the area is widened by
        their whole long side each way: no line of the card is longer than the card is wide, and
        none lies further than that from the rest."""
        placed = [side for side in uploads if lines[side]]
        closeups = self.each(
            lambda side: card_closeup(
                uploads[side],
                photos[side],
                quarters[side],
                printed_area(
                    lines[side],
                    photos[side].rgb.shape,
                    CLOSEUP_MARGIN if labels_read(lines[side]) >= 2 else UNPLACED_MARGIN,
                ),
            ),
            placed,
        )
        found = {side: c for side, c in zip(placed, closeups, strict=True) if c is not None}
        again = self.ocr_sides([closeup.rgb for closeup in found.values()])
        kept = []
        for (side, closeup), read in zip(found.items(), again, strict=True):
            if side_of(read) is not None and side_of(lines[side]) in (None, side_of(read)):
                photos[side], lines[side] = closeup, read
                kept.append(side)
        return kept

    def finer_reads(
        self, photos: dict[CardSide, Photo], lines: dict[CardSide, list[OcrLine]]
    ) -> list[CardSide]:
        """The sides that showed too few labels to tell them, read again with the detector
        looking at the working copy at its own scale (DET_SIDE shrinks it by a quarter): a card
        taken from far, small in a large frame, prints characters the shrunk pass does not see
        at all, so not one line was read and no close-up could be placed. Kept where labels
        are read; the close-up from those lines follows (`closeup_reads`)."""
        unplaced = [side for side, found in lines.items() if side_of(found) is None]
        sizes = [max(photos[side].rgb.shape[:2]) for side in unplaced]
        finer = [side for side, size in zip(unplaced, sizes, strict=True) if size > DET_SIDE]
        again = self.ocr_sides([photos[side].rgb for side in finer], det_side=WORKING_LONG_SIDE)
        kept = []
        for side, found in zip(finer, again, strict=True):
            if side_of(found) is not None:
                lines[side] = found
                kept.append(side)
        return kept

    def locate(self, rgb: np.ndarray) -> Located | None:
        with self.engines.borrowed() as engine:
            return locate(engine, rgb, DET_SIDE)

    def detect(
        self, rgb: np.ndarray, located: Located | None = None, det_side: int = DET_SIDE
    ) -> np.ndarray:
        with self.engines.borrowed() as engine:
            return detect_text(engine, rgb, det_side, located)

    def recognize(self, crops: list[np.ndarray]) -> list[tuple[str, float]]:
        with self.engines.borrowed() as engine:
            return recognize(engine, crops)

    @activity.defn(name=READ_ID_CARD)
    @heartbeating
    def read_id_card(self, inp: ReadIdCardInput) -> ReadIdCardResult:
        """Read first, judge after: a side is refused for its picture only when a field the
        step needs has no confident read, and the refusal names the side, the field and the
        measured cause. Blemishes that hid nothing become warnings; the identity rules run on
        every field that was read."""
        photos: dict[CardSide, Photo] = {}
        uploads: dict[CardSide, bytes] = {}
        refusals: list[Refusal] = []
        for side, stored in ((CardSide.FRONT, inp.front), (CardSide.BACK, inp.back)):
            uploads[side] = self.store.get(stored.key)
            photo = decode(uploads[side])
            if photo is None:
                refusals.append(id_image_refusal(IdImageRefusal.ID_IMAGE_UNREADABLE, side))
                continue
            photos[side] = photo
        if refusals:
            return ReadIdCardResult(refusals=refusals)
        warnings = [w for side, photo in photos.items() for w in quality_warnings(photo, side)]
        result = ReadIdCardResult(
            needs_manual_review=inp.id_type is IdType.PASSPORT, warnings=warnings
        )
        if inp.id_type is IdType.PASSPORT:  # passports and passes are read by an examiner
            result.refusals = check_card(
                result.fields, inp.id_type, inp.typed_id_number, inp.check_date
            )
            return result
        photos, lines, quarters = self.upright_reads(photos)
        unplaced = [side for side, found in lines.items() if side_of(found) is None]
        self.closeup_reads({side: uploads[side] for side in unplaced}, photos, lines, quarters)
        for side in self.finer_reads(photos, lines):
            self.closeup_reads({side: uploads[side]}, photos, lines, quarters)
        refusals = side_refusals(lines, photos)
        if refusals:
            return result.model_copy(update={"refusals": refusals})
        parsed = {side: PARSERS[side](found) for side, found in lines.items()}
        missed = sorted({side for side, _ in illegible_fields(*merged(parsed))})
        # only where a field was missed: a read from the upload's own pixels, then one with the
        # light flattened
        closer = self.closeup_reads(
            {side: uploads[side] for side in missed}, photos, lines, quarters
        )
        for side in closer:
            parsed[side] = PARSERS[side](lines[side])
        missed = sorted({side for side, _ in illegible_fields(*merged(parsed))})
        again = self.ocr_sides([flatten_light(photos[side].rgb) for side in missed])
        for side, found in zip(missed, again, strict=True):
            parsed[side] = best_reading(parsed[side], PARSERS[side](found))
        # last, where a field was still not read at all: told by where it is printed (the pale
        # labels a photocopy or a worn card lost), flagged for confirmation
        missed = sorted({side for side, _ in illegible_fields(*merged(parsed))})
        for side in missed:
            parsed[side] = BY_LAYOUT[side](parsed[side], lines[side])
        fields, confidence = merged(parsed)
        fields, flags = complete_fields(fields, confidence)
        illegible = illegible_fields(fields, confidence)
        refusals = [
            unreadable_refusal(photos[side], side, field, lines[side]) for side, field in illegible
        ]
        unread = {field for _, field in illegible}
        if "id_number" in unread:
            unread |= {"sex", "birth_date"}
        refusals += [
            r
            for r in check_card(fields, inp.id_type, inp.typed_id_number, inp.check_date)
            if r.details["field"] not in unread
        ]
        result = result.model_copy(
            update={
                "fields": fields,
                "confidence": confidence,
                "flags": flags,
                "refusals": refusals,
            }
        )
        if illegible:
            return result
        rgb = photos[CardSide.FRONT].rgb
        window = field_window(lines[CardSide.FRONT], CardSide.FRONT, "portrait", rgb.shape)
        portrait = portrait_jpeg(rgb, window)
        if portrait is None:
            result.refusals.append(
                unreadable_refusal(
                    photos[CardSide.FRONT],
                    CardSide.FRONT,
                    "portrait",
                    lines[CardSide.FRONT],
                    IdImageRefusal.ID_PORTRAIT_NOT_FOUND,
                )
            )
        else:
            result.portrait = self.store.put(inp.portrait_key, portrait, "image/jpeg")
        return result


def printed_area(
    lines: list[OcrLine], shape: tuple[int, ...], widen: float = CLOSEUP_MARGIN
) -> tuple[int, int, int, int]:
    """The box around every line read, widened by `widen` of its long side each way (by default
    the card's blank edges and its portrait), clipped to the photo."""
    points = np.array([p for line in lines for p in line.box], np.float32)
    (x0, y0), (x1, y1) = points.min(axis=0), points.max(axis=0)
    margin = widen * max(x1 - x0, y1 - y0)
    return (
        max(int(x0 - margin), 0),
        max(int(y0 - margin), 0),
        min(int(x1 + margin), shape[1]),
        min(int(y1 + margin), shape[0]),
    )


def labels_read(lines: list[OcrLine]) -> int:
    return max(label_hits(lines, FRONT_LABELS), label_hits(lines, BACK_LABELS))


def side_of(lines: list[OcrLine]) -> CardSide | None:
    front = label_hits(lines, FRONT_LABELS) + front_marks(lines)
    back = label_hits(lines, BACK_LABELS)
    if max(front, back) < 2:
        return None
    return CardSide.FRONT if front > back else CardSide.BACK


def side_refusals(
    lines: dict[CardSide, list[OcrLine]], photos: dict[CardSide, Photo]
) -> list[Refusal]:
    """Swapped, wrong or unreadable sides: the labels printed on each side tell them apart (on
    the front its number and birth row count too: a photocopy loses the pale labels)."""
    seen = {side: side_of(found) for side, found in lines.items()}
    if seen == {CardSide.FRONT: CardSide.BACK, CardSide.BACK: CardSide.FRONT}:
        return [id_image_refusal(IdImageRefusal.ID_SIDES_SWAPPED, CardSide.FRONT)]
    refusals = []
    for side, what in seen.items():
        if what is None:
            refusals.append(
                whole_photo_refusal(photos[side], side, "card", IdImageRefusal.ID_CARD_NOT_FOUND)
            )
        elif what != side:
            refusals.append(
                id_image_refusal(IdImageRefusal.ID_WRONG_SIDE, side, measured=what, expected=side)
            )
    return refusals


PARSERS = {CardSide.FRONT: parse_front, CardSide.BACK: parse_back}
BY_LAYOUT = {CardSide.FRONT: front_by_layout, CardSide.BACK: back_by_layout}


def merged(parsed: dict[CardSide, Parsed]) -> tuple[IdCardFields, dict[str, float]]:
    front, back = parsed[CardSide.FRONT], parsed[CardSide.BACK]
    fields = front.fields.model_copy(
        update=back.fields.model_dump(include={"issuer", "valid_from", "valid_until", "long_term"})
    )
    return fields, {**front.confidence, **back.confidence}
