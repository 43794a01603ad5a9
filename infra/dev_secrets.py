"""The signing secrets of a dev install (RUJI_ENV=dev), generated once per var dir.

infra/config.py's placeholder is public; a dev stack that signed with it let an outsider sign an
admin's or examiner's token for the demo accounts' predictable IDs and approve cases without
signing in, or sign CHSI callbacks (docs/decisions.md, "`ruji dev` signs with its own secrets").
Every dev process (`ruji dev`'s children, a `ruji api` or `ruji demo` started by hand, and an
install that forgot RUJI_ENV=prod) reads the same file of its var dir instead."""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Iterable
from pathlib import Path


def dev_secrets_path(var_dir: Path) -> Path:
    return var_dir / "secrets" / "signing-secrets.json"


def dev_signing_secrets(var_dir: Path, names: Iterable[str]) -> dict[str, str]:
    """`names`' values from var/secrets/signing-secrets.json (mode 0600), written on first use.
    Processes starting together agree: the file appears whole (a link of a finished one) or not
    at all, and the first link wins."""
    path = dev_secrets_path(var_dir)
    wanted = list(names)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(f".{path.name}.{os.getpid()}")
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            json.dump({name: secrets.token_urlsafe(32) for name in wanted}, handle)
        try:
            os.link(draft, path)
        except FileExistsError:
            pass  # another process was first: its secrets are the stack's
        finally:
            draft.unlink()
    stored: dict[str, str] = json.loads(path.read_text())
    return {name: stored[name] for name in wanted}
