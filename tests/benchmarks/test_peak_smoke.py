"""`ruji bench peak` keeps working: two candidates through the real stack (`ruji dev`, the real
vision worker), every upload answered 202 and polled (`--upload-wait-s 0`), so the queued path
of the H5 is driven too. Figures of a smoke run mean nothing and are not recorded."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from benchmarks.stack import ROOT

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]


def test_two_candidates_submit_through_the_peak_benchmark() -> None:
    done = subprocess.run(
        [sys.executable, "-c", "import ruji_cli; ruji_cli.main()", "bench", "peak",
         "--users", "2", "--ramp-s", "1", "--think-s", "0.5", "--poll-s", "1",
         "--bound-s", "300", "--upload-wait-s", "0", "--smoke"],
        cwd=ROOT, capture_output=True, text=True, timeout=580,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert (result["users"], result["started"], result["submitted"]) == (2, 2, 2), result
    assert (result["completed_applications"], result["lost"]) == (2, []), result
    assert result["errors_5xx"] == 0, result
    assert result["queued_uploads"] >= 6, result  # ID card, photo, face: each answered 202
    for route in ("POST /api/v1/me/photo", "GET /api/v1/me/uploads/[id]", "GET /api/v1/me"):
        assert result["routes"][route]["requests"] > 0, result["routes"]
