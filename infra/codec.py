"""Temporal payload encryption: Temporal stores every payload, so ID numbers and faces must not
reach its database in clear text (PIPL). AES-256-GCM; the key ID travels in the payload metadata
so that histories written under a retired key stay readable after rotation.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from temporalio.api.common.v1 import Payload
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import (
    DataConverter,
    DefaultFailureConverterWithEncodedAttributes,
    PayloadCodec,
)

from infra.keyring import KeyRing, load_or_create_dev_keys, parse_key_ring, resolve_key_ring
from infra.payload_converter import SharedPydanticPayloadConverter

ENCODING = b"binary/encrypted"
KEY_ID_METADATA = "encryption-key-id"
_NONCE_BYTES = 12

__all__ = [
    "ENCODING",
    "KEY_ID_METADATA",
    "EncryptionCodec",
    "PayloadDecryptionError",
    "build_data_converter",
    "load_or_create_dev_keys",
    "parse_key_ring",
    "resolve_key_ring",
]


class PayloadDecryptionError(ValueError):
    """Ciphertext failed authentication: wrong key bytes under a known ID, or tampering."""


class EncryptionCodec(PayloadCodec):
    """Encrypts each whole serialized payload with the ring's current key.

    The key ID is also the AEAD associated data, so relabelling a payload with another key ID
    fails authentication instead of decrypting under a key it was not meant for. Payloads without
    our encoding pass through decode untouched: histories written before encryption was turned
    on stay readable.
    """

    def __init__(self, ring: KeyRing):
        self._ring = ring
        self._ciphers = {key_id: AESGCM(key) for key_id, key in ring.keys.items()}

    @property
    def current_key_id(self) -> str:
        return self._ring.current_id

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self._encrypt(p) for p in payloads]

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self._decrypt(p) for p in payloads]

    def _encrypt(self, payload: Payload) -> Payload:
        key_id = self._ring.current_id
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self._ciphers[key_id].encrypt(nonce, payload.SerializeToString(), key_id.encode())
        return Payload(
            metadata={"encoding": ENCODING, KEY_ID_METADATA: key_id.encode()},
            data=nonce + sealed,
        )

    def _decrypt(self, payload: Payload) -> Payload:
        if payload.metadata.get("encoding") != ENCODING:
            return payload
        raw_id = payload.metadata.get(KEY_ID_METADATA)
        if raw_id is None:
            raise PayloadDecryptionError(f"encrypted payload without '{KEY_ID_METADATA}'")
        key_id = raw_id.decode("utf-8", errors="replace")
        self._ring.key(key_id)  # raises UnknownKeyError naming the missing ID
        nonce, sealed = payload.data[:_NONCE_BYTES], payload.data[_NONCE_BYTES:]
        try:
            plain = self._ciphers[key_id].decrypt(nonce, sealed, key_id.encode())
        except InvalidTag:
            raise PayloadDecryptionError(
                f"payload under key id {key_id!r} failed authentication (wrong key or tampered)"
            ) from None
        return Payload.FromString(plain)


def build_data_converter(codec: PayloadCodec) -> DataConverter:
    """The project's one converter: pydantic models, encrypted payloads, encrypted failures.

    ``DefaultFailureConverterWithEncodedAttributes`` moves failure messages and stack traces into
    an encoded payload; without it a refusal message quoting a name would sit in clear text.
    """
    return dataclasses.replace(
        pydantic_data_converter,
        payload_converter_class=SharedPydanticPayloadConverter,
        payload_codec=codec,
        failure_converter_class=DefaultFailureConverterWithEncodedAttributes,
    )


def dev_codec_key_path(var_dir: Path) -> Path:
    return var_dir / "secrets" / "codec-keys"
