"""The `ruji` command: dev stack, workers, API, database, demo and benchmarks."""

from __future__ import annotations

import argparse
import importlib
import sys


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(prog="ruji")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, help_text in COMMANDS.items():
        sub.add_parser(name, help=help_text, add_help=False)
    if not argv or argv[0] in ("-h", "--help"):
        parser.print_help()
        return
    command, rest = argv[0], argv[1:]
    if command not in COMMANDS:
        parser.error(f"unknown command {command!r}")
    module = importlib.import_module(f"ruji_cli.{command.replace('-', '_')}")
    raise SystemExit(module.main(rest) or 0)


COMMANDS = {
    "dev": "run the whole system on embedded defaults",
    "worker": "run a worker (enrollment, vision or both)",
    "api": "run the HTTP API",
    "db": "database migrations and seed data",
    "account": "create examiner/admin/operator accounts, reset passwords, disable",
    "chsi-sim": "run the CHSI simulator (dev stand-in for the CHSI gateway)",
    "period": "ensure the current enrollment period workflow runs",
    "bench": "run a benchmark: ruji bench <name> [options]",
    "demo": "drive synthetic candidates through a running stack",
    "provision": "place offline model weights where the vision worker expects them",
    "retention": "delete images and personal data of cases ended long ago (audit stub stays)",
}
