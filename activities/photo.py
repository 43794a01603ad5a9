"""ID-photo (寸照) compliance check and auto-fix, activities of the vision worker (R4).

The methods are synchronous (dlib and numpy hold the GIL only in short stretches and must not
block the event loop): register them on a worker with an `activity_executor` thread pool.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
from PIL import Image
from temporalio import activity

from activities.heartbeat import heartbeating
from activities.photo_background import Replaced, Segmenter, replace_background
from activities.photo_file import FileFacts, read_file_facts
from activities.photo_fix import CropPlan, apply_crop, encode_standard_jpeg, plan_crop
from activities.photo_measure import ImageFacts, measure
from activities.photo_rules import file_rules, image_rules, is_grey
from domain import photo_spec as spec
from domain.errors import Refusal, refuse, to_application_error
from domain.objects import StoredObject
from domain.vision import (
    CHECK_PHOTO,
    FIX_PHOTO,
    CheckPhotoInput,
    FixPhotoInput,
    FixPhotoResult,
    PhotoEdit,
    PhotoReport,
)
from infra.landmarks import FaceFinder
from infra.storage import ObjectStore


@dataclass(frozen=True)
class Inspection:
    report: PhotoReport
    image: Image.Image | None
    plan: CropPlan | None


class PhotoActivities:
    """Owns the landmark model; `landmarks` defaults to the process-wide dlib model."""

    def __init__(
        self,
        store: ObjectStore,
        landmarks: FaceFinder | None = None,
        segmenter: Segmenter = Segmenter.GRABCUT,
    ):
        self._store = store
        self._landmarks = landmarks
        self._segmenter = segmenter

    @property
    def landmarks(self) -> FaceFinder:
        if self._landmarks is None:
            from infra.landmarks import shared_landmark_model

            self._landmarks = shared_landmark_model()
        return self._landmarks

    def inspect(self, data: bytes, filename: str) -> Inspection:
        file, im = read_file_facts(data, filename)
        image = measure(np.asarray(im.convert("RGB")), self.landmarks) if im is not None else None
        rules = file_rules(file, image) + (image_rules(image) if image else [])
        failing = {r.code for r in rules if not r.passed}
        plan = _plan(file, image, failing) if image is not None else None
        unfixable = failing - spec.FIXABLE - spec.BACKGROUND_REPLACEABLE
        if failing & spec.GEOMETRY and plan is None:
            unfixable |= failing & spec.GEOMETRY
        if spec.PhotoRefusal.PHOTO_COLOR_MODE in failing and is_grey(file, image):
            unfixable |= {spec.PhotoRefusal.PHOTO_COLOR_MODE}
        background = failing & spec.BACKGROUND_REPLACEABLE
        replaceable = bool(background) and not unfixable and plan is not None
        if background and not replaceable:
            unfixable |= background
        if im is None:
            unfixable = failing
        report = PhotoReport(
            rules=rules,
            fixable=bool(failing) and not unfixable and plan is not None,
            unfixable_codes=sorted(unfixable),
            background_replaceable=replaceable,
        )
        return Inspection(report=report, image=im, plan=plan)

    def _read(self, obj: StoredObject) -> bytes:
        data = self._store.get(obj.key)
        if hashlib.sha256(data).hexdigest() != obj.sha256:
            # the stored bytes differ from the digest the workflow holds
            raise to_application_error(refuse(spec.PhotoRefusal.PHOTO_OBJECT_MISMATCH))
        return data

    @activity.defn(name=CHECK_PHOTO)
    @heartbeating
    def check_photo(self, inp: CheckPhotoInput) -> PhotoReport:
        return self.inspect(self._read(inp.photo), inp.filename).report

    @activity.defn(name=FIX_PHOTO)
    @heartbeating
    def fix_photo(self, inp: FixPhotoInput) -> FixPhotoResult:
        """Crop, scale and re-encode from the full-resolution original — and, when the report
        offers it and the input allows it, replace the background; stores the result only if it
        then passes every rule. The original stays where it is (the examiner sees both)."""
        data = self._read(inp.photo)
        original = self.inspect(data, inp.photo.key.rsplit("/", 1)[-1])
        report = original.report
        if report.passed:
            return FixPhotoResult(report=report)
        replace = report.background_replaceable and inp.replace_background
        if (
            not report.fixable
            or original.plan is None
            or original.image is None
            or (report.background_replaceable and not replace)
        ):
            return FixPhotoResult(report=report, refusals=[_not_fixable(report)])
        cropped = apply_crop(original.image, original.plan)
        edits, changed = [PhotoEdit.CROPPED_SCALED], None
        if replace:
            replaced = self._replace_background(
                cropped, seed=int(hashlib.sha256(data).hexdigest()[:8], 16)
            )
            if replaced is None:
                return FixPhotoResult(report=report, refusals=[_not_fixable(report)])
            cropped, changed = Image.fromarray(replaced.rgb), replaced.face_pixels_changed
            edits.append(PhotoEdit.BACKGROUND_REPLACED)
        fixed_bytes = encode_standard_jpeg(cropped)
        fixed = self.inspect(fixed_bytes, "photo.jpg") if fixed_bytes else None
        if fixed_bytes is None or fixed is None or not fixed.report.passed:
            refusal = _not_fixable(fixed.report if fixed else report)
            return FixPhotoResult(report=fixed.report if fixed else report, refusals=[refusal])
        stored = self._store.put(inp.fixed_key, fixed_bytes, "image/jpeg")
        return FixPhotoResult(
            fixed=stored,
            report=fixed.report.model_copy(update={"edits": edits}),
            background_replaced=replace,
            face_pixels_changed=changed,
        )

    def _replace_background(self, cropped: Image.Image, seed: int) -> Replaced | None:
        rgb = np.asarray(cropped.convert("RGB"))
        faces = self.landmarks.faces(rgb)
        if len(faces) != 1:
            return None
        return replace_background(rgb, faces[0].points, seed, self._segmenter)


def _plan(file: FileFacts, image: ImageFacts, failing: set[str]) -> CropPlan | None:
    """Keep the whole picture when its geometry already passes and it is 3:4 (a resize is
    enough); otherwise search for the crop."""
    if image.face is None:
        return None
    if not failing & spec.GEOMETRY and file.width * spec.HEIGHT_PX == file.height * spec.WIDTH_PX:
        return CropPlan(
            box=(0.0, 0.0, float(file.width), float(file.height)), scale=spec.WIDTH_PX / file.width
        )
    return plan_crop(image.face.geometry, image.frame_scale, image.frame_size)


def _not_fixable(report: PhotoReport) -> Refusal:
    codes = report.unfixable_codes or sorted(r.code for r in report.rules if not r.passed)
    no_room = bool(set(codes) & spec.GEOMETRY)
    if no_room and set(codes) <= spec.GEOMETRY:
        message = spec.NO_ROOM_MESSAGE
    else:
        known = (spec.PhotoRefusal.parse(c) for c in codes)
        message = "以下问题无法自动修正，请重新拍摄：" + "、".join(c.message for c in known if c)
    return Refusal.of(spec.PhotoRefusal.PHOTO_NOT_FIXABLE, message=message, measured=codes)
