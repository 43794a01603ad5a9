"""Examiner and admin passwords: argon2id with argon2-cffi's RFC 9106 low-memory defaults.

Hashing costs ~64 MiB and tens of milliseconds by design; call these from a thread
(``fastapi.concurrency.run_in_threadpool``), never on the event loop.
"""

from __future__ import annotations

from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    """False for a wrong password and for a malformed stored hash (never an exception a login
    route could turn into a 500 or an oracle)."""
    try:
        return _hasher.verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    """True when the hash used weaker parameters than today's: re-hash after a good login."""
    try:
        return _hasher.check_needs_rehash(stored_hash)
    except InvalidHashError:
        return True


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return _hasher.hash("no such account")


def verify_password_or_dummy(stored_hash: str | None, password: str) -> bool:
    """For unknown accounts, spend the same time on a dummy hash, so response time does not
    reveal which user names exist."""
    if stored_hash is None:
        verify_password(_dummy_hash(), password)
        return False
    return verify_password(stored_hash, password)
