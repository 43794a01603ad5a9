"""Every benchmark ends the same way: one JSON object as the last stdout line, one row appended
to docs/benchmarks.md with the date and the machine it ran on."""

from __future__ import annotations

import json
import os
import platform
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BENCH_DOC = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} cores, {mem_gib:.0f} GiB, {cpu}, Python {platform.python_version()}"


def record(
    name: str, result: dict[str, Any], targets: dict[str, str] | None = None, append: bool = True
) -> None:
    """Append a row to docs/benchmarks.md (unless told not to: a smoke run's figures are no
    measurement) and print the JSON object last."""
    if not append:
        sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
        sys.stdout.flush()
        return
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    notes = ""
    if targets:
        notes = "; ".join(f"{k} target {v}" for k, v in targets.items())
    BENCH_DOC.parent.mkdir(parents=True, exist_ok=True)
    if not BENCH_DOC.exists():
        BENCH_DOC.write_text(
            "# Benchmarks\n\nRows are appended by `make bench` / `ruji bench <name>`.\n\n"
            "| date | benchmark | machine | result | targets |\n|---|---|---|---|---|\n"
        )
    with BENCH_DOC.open("a") as fh:
        fh.write(
            f"| {stamp} | {name} | {machine()} "
            f"| `{json.dumps(result, ensure_ascii=False)}` | {notes} |\n"
        )
    sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
    sys.stdout.flush()
