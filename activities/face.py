"""R5 face verification: active liveness over a burst of frames, then a 1:1 match of the best
frame against the ID-card portrait and the accepted 寸照.

One `FaceVerifier` per vision worker process owns the models (dlib's detector and 68-point
landmarks, deepface's `Dlib` recognition model, optionally deepface's Fasnet anti-spoofing) and
loads them once; the activity is synchronous, so the worker runs it in its thread pool, off the
event loop.
Embeddings never leave this module and are never logged; only distances are reported.
"""

from __future__ import annotations

import hashlib
import io
import threading
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image
from temporalio import activity

from activities.heartbeat import heartbeating
from domain.errors import Refusal, RefusedError, refuse
from domain.liveness import (
    FaceRefusal,
    FrameGeometry,
    check_answer,
    frame_geometry,
    locate_actions,
    rest_pose,
)
from domain.vision import (
    VERIFY_FACE,
    FaceMatch,
    LivenessAction,
    VerifyFaceInput,
    VerifyFaceResult,
)
from infra import face_models
from infra.config import FaceSettings
from infra.landmarks import Face, shared_landmark_model
from infra.storage import ObjectNotFound, ObjectStore

MIN_FRAMES, MAX_FRAMES = 3, 40
# A head turned past ~40° or a frame smeared by a quick move leaves dlib's frontal detector
# (docs/decisions.md, "Face pairs from a second generator"): up to this share of a burst may
# show no face and is skipped; the actions must still be seen in the frames that show one.
MAX_LOST_SHARE = 0.25
FRAME_MAX_SIDE = 640  # frames are analysed at phone-preview size; larger ones are shrunk
FRAME_MAX_PIXELS = 4096 * 4096  # decompression-bomb guard
REFERENCE_MAX_SIDE = 400  # ID portraits and 寸照 are shrunk to this before detection
EMBED_FACE_WIDTH = 150  # px: the recognition models' input width; bigger crops only cost time
SECOND_FACE_MIN_SCORE = 0.25  # HOG score; weaker detections are texture, not a second person
NONCE_PREFIX = "face/nonces/"
REFERENCE_NAMES_ZH = {"id_portrait": "身份证照片", "official_photo": "证件照（寸照）"}


@dataclass
class _Frame:
    key: str
    data: bytes
    rgb: np.ndarray
    face: Face
    geometry: FrameGeometry


def _decode(data: bytes, max_side: int) -> np.ndarray:
    with Image.open(io.BytesIO(data), formats=("JPEG", "PNG", "WEBP")) as opened:
        if opened.width * opened.height > FRAME_MAX_PIXELS:
            raise ValueError("image too large")
        image = opened.convert("RGB")
        scale = max_side / max(image.size)
        if scale < 1:
            image = image.resize(
                (round(image.width * scale), round(image.height * scale)),
                Image.Resampling.BILINEAR,
            )
        return np.asarray(image).copy()


def _thumbnail(rgb: np.ndarray) -> np.ndarray:
    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    return cv2.resize(
        grey, (96, round(96 * grey.shape[0] / grey.shape[1])), interpolation=cv2.INTER_AREA
    )


def replayed_still(images: list[np.ndarray], max_diff: float) -> bool:
    """A still shown again and again: most consecutive frames differ by less than sensor noise.

    A live face moves between any two frames; a replayed photo (or one frame resent) does not.
    """
    thumbs = [_thumbnail(rgb).astype(np.float32) for rgb in images]
    if any(t.shape != thumbs[0].shape for t in thumbs):
        return False
    still_pairs = sum(
        float(np.mean(np.abs(a - b))) < max_diff for a, b in zip(thumbs, thumbs[1:], strict=False)
    )
    return still_pairs * 2 > len(thumbs) - 1


class FaceVerifier:
    """Liveness + 1:1 match; build once per vision worker process (models load here)."""

    def __init__(self, store: ObjectStore, config: FaceSettings):
        self.store = store
        self.config = config
        # dlib's networks keep scratch buffers per object: one verification at a time per process
        # (the vision worker runs OCR or a photo check beside it on the other core).
        self._lock = threading.Lock()
        face_models.require_weights()
        face_models.forbid_downloads()
        from deepface.modules import modeling

        self._landmarks = shared_landmark_model()
        self._recognizer = modeling.build_model(
            task="facial_recognition", model_name=self.config.model
        )
        if self.config.model != "Dlib":  # Dlib embeds landmark-aligned chips, no detector
            modeling.build_model(task="face_detector", model_name=self.config.detector)
        mode = self.config.anti_spoofing
        if mode == "on" and not face_models.anti_spoofing_available():
            raise face_models.MissingWeightsError(
                f"RUJI_FACE_ANTI_SPOOFING=on but {face_models.ANTI_SPOOFING_WEIGHTS} are not in "
                f"{face_models.weights_dir()}"
            )
        self._spoofing = None
        if mode == "on" or (mode == "auto" and face_models.anti_spoofing_available()):
            self._spoofing = modeling.build_model(task="spoofing", model_name="Fasnet")

    # --- the activity -------------------------------------------------------------------------
    @activity.defn(name=VERIFY_FACE)
    @heartbeating
    def verify_face(self, request: VerifyFaceInput) -> VerifyFaceResult:
        with self._lock:
            result = self._verify(request)
        self._discard_burst(request, result.best_frame.key if result.best_frame else None)
        codes = [r.code for r in result.refusals]
        distances = {m.reference: round(m.distance, 4) for m in result.matches}
        activity.logger.info(
            "verify_face live=%s refusals=%s distances=%s", result.live, codes, distances
        )
        return result

    def _verify(self, request: VerifyFaceInput) -> VerifyFaceResult:
        challenge = request.challenge
        refusal = check_answer(challenge, request.answered_nonce, request.answered_at)
        if refusal is None and self._nonce_used_by_other_burst(request):
            refusal = check_answer(
                challenge, request.answered_nonce, request.answered_at, {challenge.nonce}
            )
        if refusal:
            return VerifyFaceResult(refusals=[refusal])
        if not MIN_FRAMES <= len(request.frames) <= MAX_FRAMES:
            return VerifyFaceResult(
                refusals=[
                    Refusal.of(
                        FaceRefusal.FACE_FRAME_COUNT,
                        message=f"请上传 {MIN_FRAMES}–{MAX_FRAMES} 帧连续画面。",
                        measured=len(request.frames),
                        expected=f"{MIN_FRAMES}-{MAX_FRAMES}",
                    )
                ]
            )
        try:
            frames, best, live_embedding = self._liveness(request)
        except RefusedError as refused:
            return VerifyFaceResult(refusals=[refused.refusal])
        content_type = next(f.content_type for f in request.frames if f.key == frames[best].key)
        stored = self.store.put(request.best_frame_key, frames[best].data, content_type)
        refusals: list[Refusal] = []
        matches: list[FaceMatch] = []
        try:
            for reference, obj in (
                ("id_portrait", request.id_portrait),
                ("official_photo", request.official_photo),
            ):
                if obj is not None:  # a passport has no portrait cut from it
                    matches.append(self._match(live_embedding, reference, self.store.get(obj.key)))
        except RefusedError as refused:
            refusals.append(refused.refusal)
        for match in matches:
            if not match.matched:
                name = REFERENCE_NAMES_ZH[match.reference]
                refusals.append(
                    Refusal.of(
                        FaceRefusal.FACE_MISMATCH,
                        message=f"人脸与{name}不一致，请本人重新核验。",
                        measured=round(match.distance, 4),
                        expected=f"<= {match.threshold}",
                    )
                )
        return VerifyFaceResult(live=True, matches=matches, best_frame=stored, refusals=refusals)

    # --- liveness -----------------------------------------------------------------------------
    def _liveness(self, request: VerifyFaceInput) -> tuple[list[_Frame], int, np.ndarray]:
        """The decoded frames, the index of the one to keep, and that frame's embedding."""
        datas, images = [], []
        for number, obj in enumerate(request.frames, start=1):
            try:
                data = self.store.get(obj.key)
                images.append(_decode(data, FRAME_MAX_SIDE))
            except ObjectNotFound as exc:
                raise refuse(FaceRefusal.FACE_FRAMES_MISSING) from exc
            except (OSError, ValueError) as exc:
                raise refuse(
                    FaceRefusal.FACE_FRAME_UNREADABLE,
                    message=f"第 {number} 帧画面无法读取，请重新拍摄。",
                ) from exc
            datas.append(data)
        if replayed_still(images, self.config.replay_max_diff):
            raise refuse(
                FaceRefusal.FACE_REPLAY,
            )
        found = [
            self._frame(number, obj.key, data, rgb)
            for number, (obj, data, rgb) in enumerate(
                zip(request.frames, datas, images, strict=True), start=1
            )
        ]
        lost = [number for number, frame in enumerate(found, start=1) if frame is None]
        frames = [frame for frame in found if frame is not None]
        if len(lost) > MAX_LOST_SHARE * len(found) or len(frames) < MIN_FRAMES:
            raise refuse(
                FaceRefusal.FACE_LOST,
                message=f"第 {lost[0]} 帧未检测到人脸，请保持面部在取景框内。",
                measured=lost[0],
            )
        geometries = [f.geometry for f in frames]
        action_frames = locate_actions(geometries, request.challenge.actions, self.config.liveness)
        best = self._best_frame(frames)
        by_frame = dict(zip(action_frames, request.challenge.actions, strict=True))
        best_embedding = self._same_person(frames, best, by_frame)
        self._passive_check(frames[best])
        return frames, best, best_embedding

    def _frame(self, number: int, key: str, data: bytes, rgb: np.ndarray) -> _Frame | None:
        """The frame's one face and its geometry; None when it shows no face."""
        faces = self._landmarks.faces(rgb)
        if not faces:
            return None
        if sum(f.score >= SECOND_FACE_MIN_SCORE for f in faces[1:]):
            raise refuse(
                FaceRefusal.FACE_MULTIPLE,
                message=f"第 {number} 帧出现多张人脸，请确保画面中只有本人。",
                measured=number,
            )
        return _Frame(
            key=key,
            data=data,
            rgb=rgb,
            face=faces[0],
            geometry=frame_geometry(faces[0].points.tolist()),
        )

    def _best_frame(self, frames: list[_Frame]) -> int:
        """The most frontal, open-eyed, closed-mouth frame: closest to the rest pose."""
        rest = rest_pose([f.geometry for f in frames])

        def distance(frame: _Frame) -> float:
            g = frame.geometry
            return (
                abs(g.yaw - rest.yaw)
                + abs(g.pitch - rest.pitch) / max(rest.pitch, 1e-9)
                + abs(g.mouth - rest.mouth)
                + max(rest.ear - g.ear, 0.0)
                - 0.01 * frame.face.score
            )

        return min(range(len(frames)), key=lambda i: distance(frames[i]))

    def _same_person(
        self, frames: list[_Frame], best: int, action_frames: dict[int, LivenessAction]
    ) -> np.ndarray:
        """The face doing the actions must be the face in the kept frame (no swap mid-burst).
        Returns the kept frame's match embedding.

        As strict as the 1:1 match for every action but a nod: a blink, an open mouth or a turn
        keeps the face the network knows, a bowed head does not (docs/decisions.md)."""
        kept = frames[best]
        reference = self._embed(kept.rgb, kept.face)
        for index in sorted(set(action_frames) - {best}):
            frame = frames[index]
            distance = _cosine_distance(reference, self._embed(frame.rgb, frame.face))
            threshold = (
                self.config.identity_threshold_nod
                if action_frames[index] is LivenessAction.NOD
                else self.config.identity_threshold
            )
            if distance > threshold:
                raise refuse(
                    FaceRefusal.FACE_IDENTITY_CHANGED,
                    measured=round(distance, 4),
                    expected=f"<= {threshold}",
                )
        return self._match_embedding(kept.rgb, kept.face, plain=reference)

    def _passive_check(self, frame: _Frame) -> None:
        if self._spoofing is None:
            return  # anti-spoofing off, or no Fasnet weights in "auto": the actions decide alone
        left, top, right, bottom = frame.face.box
        bgr = cv2.cvtColor(frame.rgb, cv2.COLOR_RGB2BGR)
        is_real, score = self._spoofing.analyze(
            img=bgr, facial_area=(left, top, right - left, bottom - top)
        )
        if not is_real:
            raise refuse(
                FaceRefusal.FACE_SPOOF,
                measured=round(float(score), 3),
            )

    # --- embeddings ---------------------------------------------------------------------------
    def _embed(self, rgb: np.ndarray, face: Face) -> np.ndarray:
        """One face's embedding.

        With the `Dlib` model the input is dlib's own aligned 150x150 chip, cut from landmarks we
        already have: the alignment the network was trained on, and no second detection. On the
        fixtures it separates people better than deepface's detect-and-pad crop and costs a
        quarter of the time (docs/decisions.md). Other models go through deepface's pipeline.
        """
        if self.config.model != "Dlib":
            return self._embed_with_deepface(_crop_around(rgb, face.box))
        return _unit(self._recognizer.forward(_chip(rgb, face)))

    def _match_embedding(
        self, rgb: np.ndarray, face: Face, plain: np.ndarray | None = None
    ) -> np.ndarray:
        """The embedding the 1:1 match compares: with `Dlib`, the chip's and its mirror image's,
        averaged. Light from one side, a slight turn or a frame of glasses is not symmetric, the
        person is: on the second generator's pairs the farthest genuine card pairs came 11–13 %
        closer, the closest impostors 1–9 % (docs/decisions.md). The burst's identity check
        keeps the plain chip its threshold was set on; `plain`, when given, is this face's."""
        if self.config.model != "Dlib":
            return plain if plain is not None else self._embed(rgb, face)
        chip = _chip(rgb, face)  # cut once for both passes where no plain embedding came in
        if plain is None:
            plain = _unit(self._recognizer.forward(chip))
        mirrored = np.ascontiguousarray(chip[:, ::-1])
        return _unit(plain + _unit(self._recognizer.forward(mirrored)))

    def _embed_with_deepface(self, rgb: np.ndarray) -> np.ndarray:
        from deepface import DeepFace

        try:
            found = DeepFace.represent(
                rgb[:, :, ::-1].copy(),
                model_name=self.config.model,
                detector_backend=self.config.detector,
                enforce_detection=True,
                align=True,
            )
        except ValueError as exc:
            raise refuse(FaceRefusal.FACE_REFERENCE_UNREADABLE) from exc
        largest = max(found, key=lambda r: r["facial_area"]["w"] * r["facial_area"]["h"])
        return _unit(largest["embedding"])

    def _embed_reference(self, rgb: np.ndarray) -> np.ndarray:
        """The largest face of an ID portrait or 寸照. Faces smaller than the HOG detector's
        80 px window (an ID-card portrait is ~100 px tall with its margin) are found only at
        twice the size, which costs four times as much: tried when the plain search finds none."""
        faces = self._landmarks.faces(rgb)
        if not faces:
            faces = self._landmarks.faces(rgb, upsample=1)
        if not faces:
            raise refuse(FaceRefusal.FACE_REFERENCE_UNREADABLE)
        largest = max(faces, key=lambda f: (f.box[2] - f.box[0]) * (f.box[3] - f.box[1]))
        return self._match_embedding(rgb, largest)

    def _reference_embedding(self, data: bytes) -> np.ndarray:
        return self._embed_reference(_decode(data, REFERENCE_MAX_SIDE))

    def _match(self, live: np.ndarray, reference: str, data: bytes) -> FaceMatch:
        try:
            embedding = self._reference_embedding(data)
        except (OSError, ValueError, RefusedError) as exc:
            name = REFERENCE_NAMES_ZH[reference]
            raise refuse(
                FaceRefusal.FACE_REFERENCE_UNREADABLE,
                message=f"{name}中未能识别到人脸，将转人工审核。",
                measured=reference,
            ) from exc
        distance = _cosine_distance(live, embedding)
        threshold = self.config.match_threshold
        return FaceMatch(
            reference=reference,
            distance=distance,
            threshold=threshold,
            matched=distance <= threshold,
        )

    # --- nonce and clean-up ---------------------------------------------------------------------
    def _nonce_used_by_other_burst(self, request: VerifyFaceInput) -> bool:
        """Single use across activity calls: the first burst answering a nonce claims it. A retry
        of the same call (same frames) is not a reuse."""
        key = NONCE_PREFIX + hashlib.sha256(request.challenge.nonce.encode()).hexdigest()[:40]
        burst = (
            hashlib.sha256("|".join(f.sha256 for f in request.frames).encode()).hexdigest().encode()
        )
        try:
            return self.store.get(key) != burst
        except ObjectNotFound:
            self.store.put(key, burst, "text/plain")
            return False

    def _discard_burst(self, request: VerifyFaceInput, keep: str | None) -> None:
        """PIPL minimisation: only the chosen frame survives the decision."""
        for obj in request.frames:
            if obj.key != keep:
                self.store.delete(obj.key)


def _chip(rgb: np.ndarray, face: Face) -> np.ndarray:
    """dlib's aligned 150x150 chip from the landmarks, BGR as deepface's `Dlib` client takes it."""
    import dlib

    left, top, right, bottom = face.box
    parts = [dlib.point(int(x), int(y)) for x, y in face.points]
    shape = dlib.full_object_detection(dlib.rectangle(left, top, right, bottom), parts)
    chip: np.ndarray = dlib.get_face_chip(rgb, shape, size=150, padding=0.25)[:, :, ::-1]
    return chip


def _crop_around(rgb: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray:
    """The face with a margin, scaled to a portrait-like size for deepface's own detector."""
    left, top, right, bottom = box
    width = right - left
    margin = int(width * 0.6)
    h, w = rgb.shape[:2]
    crop = rgb[
        max(top - margin, 0) : min(bottom + margin, h),
        max(left - margin, 0) : min(right + margin, w),
    ]
    scale = EMBED_FACE_WIDTH * 1.3 / max(width, 1)
    return cv2.resize(
        crop,
        None,
        fx=scale,
        fy=scale,
        interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR,
    )


def _unit(vector: Sequence[float] | np.ndarray) -> np.ndarray:
    array = np.asarray(vector, dtype=np.float64)
    return array / max(float(np.linalg.norm(array)), 1e-12)


def _cosine_distance(a: np.ndarray, b: np.ndarray) -> float:
    return float(1.0 - np.dot(a, b))
