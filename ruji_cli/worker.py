"""`ruji worker [--queues enrollment,vision]`: one process per task-queue set, so vision workers
(CPU-bound, model-loading) scale and restart apart from the enrollment worker."""

from __future__ import annotations

import argparse

KINDS = ("enrollment", "vision")


def parse_queues(text: str) -> list[str]:
    kinds = [k.strip() for k in text.split(",") if k.strip()]
    unknown = sorted(set(kinds) - set(KINDS))
    if not kinds or unknown:
        raise argparse.ArgumentTypeError(f"queues are a comma list of {', '.join(KINDS)}")
    return kinds


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="ruji worker", description="run Temporal workers")
    parser.add_argument("--queues", type=parse_queues, default=list(KINDS), metavar="LIST",
                        help="enrollment, vision or both (default: enrollment,vision)")  # fmt: skip
    args = parser.parse_args(argv)
    import worker  # heavy (vision models, activities): only once the arguments are good

    try:
        worker.main(args.queues)
    except KeyboardInterrupt:  # Ctrl-C or `ruji dev` stopping: the worker has shut down
        return 0
    return 0
