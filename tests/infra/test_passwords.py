"""Examiner passwords: argon2id, never stored in clear, upgraded when parameters rise."""

from __future__ import annotations

from argon2 import PasswordHasher

from infra.passwords import hash_password, needs_rehash, verify_password, verify_password_or_dummy


def test_hash_verifies_only_the_right_password() -> None:
    stored = hash_password("正确的密码 1")
    assert stored.startswith("$argon2id$") and "正确的密码" not in stored
    assert verify_password(stored, "正确的密码 1")
    assert not verify_password(stored, "正确的密码 2")
    assert not needs_rehash(stored)


def test_malformed_hash_is_a_failed_login_not_a_crash() -> None:
    assert not verify_password("not-a-hash", "x")
    assert needs_rehash("not-a-hash")


def test_weaker_parameters_need_rehash() -> None:
    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash("pw")
    assert verify_password(weak, "pw")
    assert needs_rehash(weak)


def test_unknown_account_still_refused() -> None:
    assert not verify_password_or_dummy(None, "anything")
    assert verify_password_or_dummy(hash_password("pw"), "pw")
