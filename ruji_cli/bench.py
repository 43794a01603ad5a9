"""`ruji bench <name> [options]`: each benchmark is benchmarks/<name>.py with main(argv)."""

from __future__ import annotations

import importlib
import sys


def main(argv: list[str]) -> int:
    if not argv:
        sys.stderr.write("usage: ruji bench <name> [options]\n")
        return 2
    module = importlib.import_module(f"benchmarks.{argv[0]}")
    return module.main(argv[1:]) or 0
