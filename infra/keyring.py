"""AES-256 key rings with key IDs, shared by the Temporal payload codec and the PII field cipher.

A ring is written as ``"k2:<base64 32 bytes>,k1:<base64 32 bytes>"``: the first key is current
(used to encrypt), the others stay only to decrypt what older keys wrote. Rotation is therefore
"prepend a new key, keep the old ones until nothing references them".
"""

from __future__ import annotations

import base64
import binascii
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

KEY_BYTES = 32
_KEY_ID = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


class KeyRingError(ValueError):
    """The configured key ring is malformed; raised at start-up, never with key material in it."""


class UnknownKeyError(LookupError):
    """Ciphertext names a key ID the ring does not hold (retired too early, or foreign data)."""

    def __init__(self, key_id: str, known: tuple[str, ...]):
        super().__init__(
            f"data was encrypted with key id {key_id!r}, which is not in the key ring "
            f"(known ids: {', '.join(known)}); add the retired key back to decrypt it"
        )
        self.key_id = key_id


@dataclass(frozen=True)
class KeyRing:
    current_id: str
    keys: dict[str, bytes]

    def __post_init__(self) -> None:
        if self.current_id not in self.keys:
            raise KeyRingError(f"current key id {self.current_id!r} has no key")

    @property
    def current_key(self) -> bytes:
        return self.keys[self.current_id]

    def key(self, key_id: str) -> bytes:
        try:
            return self.keys[key_id]
        except KeyError:
            raise UnknownKeyError(key_id, tuple(self.keys)) from None

    def __repr__(self) -> str:  # never print key bytes, even in a traceback
        return f"KeyRing(current_id={self.current_id!r}, ids={list(self.keys)!r})"


def parse_key_ring(text: str) -> KeyRing:
    """Parse ``"id:base64,id:base64"``; the first entry is the current key."""
    keys: dict[str, bytes] = {}
    for position, entry in enumerate(e.strip() for e in text.split(",")):
        if not entry:
            continue
        key_id, sep, encoded = entry.partition(":")
        key_id = key_id.strip()
        if not sep or not _KEY_ID.match(key_id):
            raise KeyRingError(f"key ring entry {position + 1}: expected '<id>:<base64 key>'")
        if key_id in keys:
            raise KeyRingError(f"key id {key_id!r} appears twice")
        try:
            key = base64.b64decode(encoded.strip(), validate=True)
        except binascii.Error:
            raise KeyRingError(f"key {key_id!r} is not valid base64") from None
        if len(key) != KEY_BYTES:
            raise KeyRingError(f"key {key_id!r} must be {KEY_BYTES} bytes, got {len(key)}")
        keys[key_id] = key
    if not keys:
        raise KeyRingError("key ring is empty")
    return KeyRing(current_id=next(iter(keys)), keys=keys)


def format_key_ring(ring: KeyRing) -> str:
    ordered = [ring.current_id, *(k for k in ring.keys if k != ring.current_id)]
    return ",".join(f"{k}:{base64.b64encode(ring.keys[k]).decode()}" for k in ordered)


def new_key_entry(key_id: str) -> str:
    """One fresh ``id:base64`` entry, to prepend to a ring when rotating."""
    return f"{key_id}:{base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode()}"


def load_or_create_dev_keys(path: Path, *, key_id: str = "dev1") -> KeyRing:
    """Read the dev key ring from ``path``, creating it (mode 0600) on first use.

    Dev keys live in a file under var/ rather than in code so that no key is ever committed and
    dev histories stay readable across restarts. The API and the worker may start together:
    the file is written under a temporary name and published with ``os.link``, which fails if
    the other process won, so neither ever reads a half-written file.
    """
    if path.exists():
        return parse_key_ring(path.read_text())
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(new_key_entry(key_id) + "\n")
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
    finally:
        tmp.unlink(missing_ok=True)
    return parse_key_ring(path.read_text())


def resolve_key_ring(configured: str, *, env: str, dev_path: Path) -> KeyRing:
    """The configured ring; in dev/test with nothing configured, the generated dev file.

    Outside dev an empty setting is refused rather than silently generating a key that a second
    replica would not share (its histories would be unreadable elsewhere).
    """
    if configured.strip():
        return parse_key_ring(configured)
    if env in ("dev", "test"):
        return load_or_create_dev_keys(dev_path)
    raise KeyRingError(f"no key ring configured for env {env!r}; dev key files are dev-only")
