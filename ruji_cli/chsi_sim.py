"""`ruji chsi-sim [--port 8010]`: the bundled CHSI simulator that stands in for the real CHSI
gateway in dev (DESIGN.md "Embedded defaults vs production")."""

from __future__ import annotations

from simulators.chsi import main as simulator_main


def main(argv: list[str]) -> int:
    return simulator_main(argv)
