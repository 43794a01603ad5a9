"""Personal data at rest in the read model: encrypted columns and keyed lookup hashes.

ID numbers and names are stored as AES-GCM ciphertext (text, for an ordinary column) under the
same key-ring scheme as the Temporal codec, so rotation works the same way: prepend a key; the
projection re-encrypts a row when it next writes it (a token not under ``current_prefix``).
Equality lookups use an HMAC instead, because GCM ciphertext is randomised and cannot be
searched.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from domain.identity import normalize_id_number
from domain.office import normalize_name
from infra.keyring import KeyRing, resolve_key_ring

if TYPE_CHECKING:
    from infra.config import Settings

TOKEN_PREFIX = "pii1"
_NONCE_BYTES = 12


class PiiDecryptionError(ValueError):
    """A stored value is not a token we wrote, or fails authentication (wrong field or key)."""


class FieldCipher:
    """Encrypts one column value; the column name is the associated data, so a ciphertext
    copied into another column (name into id_number) does not decrypt."""

    def __init__(self, ring: KeyRing):
        self._ring = ring
        self._ciphers = {key_id: AESGCM(key) for key_id, key in ring.keys.items()}

    def encrypt(self, plaintext: str, *, field: str) -> str:
        key_id = self._ring.current_id
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self._ciphers[key_id].encrypt(nonce, plaintext.encode(), _aad(key_id, field))
        body = base64.urlsafe_b64encode(nonce + sealed).decode().rstrip("=")
        return f"{TOKEN_PREFIX}:{key_id}:{body}"

    def decrypt(self, token: str, *, field: str) -> str:
        prefix, _, rest = token.partition(":")
        key_id, _, body = rest.partition(":")
        if prefix != TOKEN_PREFIX or not body:
            raise PiiDecryptionError(f"not a {TOKEN_PREFIX} token")
        self._ring.key(key_id)  # UnknownKeyError names a retired key
        try:
            raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
            plain = self._ciphers[key_id].decrypt(
                raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], _aad(key_id, field)
            )
        except (binascii.Error, InvalidTag, ValueError):
            raise PiiDecryptionError(
                f"{field} under key {key_id!r} failed authentication"
            ) from None
        return plain.decode()

    @property
    def current_prefix(self) -> str:
        """Every token under the current key starts with this (SQL can test it with LIKE)."""
        return f"{TOKEN_PREFIX}:{self._ring.current_id}:"


@dataclass(frozen=True)
class SealedPii:
    """What the read model keeps of a person: ciphertext to show an examiner, hashes to find."""

    id_number_enc: str
    id_number_hash: str
    name_enc: str
    name_hash: str


class PiiSealer:
    """Encrypts and hashes the identity fields of one application row. Built where the keys are
    (the projection activity), never in a workflow: workflow code holds no secrets."""

    def __init__(self, cipher: FieldCipher, lookup_key: str | bytes):
        self.cipher = cipher
        self._lookup_key = lookup_key

    def seal(self, *, id_number: str, name: str) -> SealedPii:
        number, clean_name = normalize_id_number(id_number), name.strip()
        return SealedPii(
            id_number_enc=self.cipher.encrypt(number, field="id_number") if number else "",
            id_number_hash=self.id_number_hash(number) if number else "",
            name_enc=self.cipher.encrypt(clean_name, field="name") if clean_name else "",
            name_hash=self.name_hash(clean_name) if clean_name else "",
        )

    def id_number_hash(self, id_number: str) -> str:
        return id_number_lookup_hash(id_number, self._lookup_key)

    def name_hash(self, name: str) -> str:
        return name_lookup_hash(name, self._lookup_key)


def dev_pii_key_path(var_dir: Path) -> Path:
    return var_dir / "secrets" / "pii-keys"


def pii_sealer_for(settings: Settings) -> PiiSealer:
    """The sealer from ``RUJI_PII_KEYS`` (dev: the generated var/secrets/pii-keys) and the
    lookup-hash key ``RUJI_IDENTITY_HMAC_KEY``."""
    ring = resolve_key_ring(
        settings.pii_keys, env=settings.env, dev_path=dev_pii_key_path(settings.var_dir)
    )
    return PiiSealer(FieldCipher(ring), settings.identity_hmac_key)


def _aad(key_id: str, field: str) -> bytes:
    return f"{TOKEN_PREFIX}|{key_id}|{field}".encode()


def name_lookup_hash(name: str, key: str | bytes) -> str:
    return lookup_hash(normalize_name(name), key, field="name")


def name_search_hashes(name: str, key: str | bytes) -> set[str]:
    """A name's hash as rows are written now (normalised) and as they were written before the
    office search (stripped only): a row keeps its old hash until the case is next projected."""
    return {name_lookup_hash(name, key), lookup_hash(name.strip(), key, field="name")}


def id_number_lookup_hash(id_number: str, key: str | bytes) -> str:
    return lookup_hash(normalize_id_number(id_number), key, field="id_number")


def lookup_hash(value: str, key: str | bytes, *, field: str) -> str:
    """HMAC-SHA256 hex for equality lookups. ``field`` separates domains, so the hash of an ID
    number in one column never equals a hash derived from the same key for another purpose
    (e.g. workflow IDs). Normalise before hashing (``normalize_id_number``)."""
    secret = key.encode() if isinstance(key, str) else key
    return hmac.new(secret, f"{field}\0{value}".encode(), hashlib.sha256).hexdigest()
