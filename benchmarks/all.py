"""`ruji bench all` (`make bench`): every benchmark, one process each so none inherits another's
models or caches; each appends its row to docs/benchmarks.md. The last line is a JSON summary
with each benchmark's exit code and wall time."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from typing import Any

PLAN = (
    ("orchestration", ["--apps", "200", "--concurrency", "50"]),
    ("api", ["--rate", "20", "--seconds", "60"]),
    ("tickets", ["--n", "10000"]),
    ("export", ["--n", "10000"]),
    ("e2e", ["--candidates", "4"]),
    ("peak", ["--users", "200"]),
    ("photo", ["--n", "200"]),
    ("face", ["--n", "50"]),
    ("ocr", ["--n", "200"]),
)


def main(argv: list[str]) -> int:
    only = set(argv)
    summary: dict[str, dict[str, Any]] = {}
    for name, args in PLAN:
        if only and name not in only:
            continue
        started = time.perf_counter()
        code = subprocess.call(
            [sys.executable, "-c", "import ruji_cli; ruji_cli.main()", "bench", name, *args]
        )
        summary[name] = {"exit": code, "wall_s": round(time.perf_counter() - started, 1)}
        sys.stderr.write(f"bench {name}: exit {code} in {summary[name]['wall_s']} s\n")
    sys.stdout.write(json.dumps(summary) + "\n")
    return 0 if all(v["exit"] == 0 for v in summary.values()) else 1
