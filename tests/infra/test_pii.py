"""Read-model PII: ciphertext in columns, keyed hashes for lookups."""

from __future__ import annotations

import pytest

from domain.identity import normalize_id_number
from infra.keyring import UnknownKeyError, new_key_entry, parse_key_ring
from infra.pii import FieldCipher, PiiDecryptionError, PiiSealer, lookup_hash, name_search_hashes

ID_NUMBER = "43010219900101123X"
K1, K2 = new_key_entry("k1"), new_key_entry("k2")


def test_round_trip_is_text_without_plaintext_and_randomised() -> None:
    cipher = FieldCipher(parse_key_ring(K1))
    first = cipher.encrypt(ID_NUMBER, field="id_number")
    second = cipher.encrypt(ID_NUMBER, field="id_number")

    assert first.isascii() and ID_NUMBER not in first and first != second
    assert cipher.decrypt(first, field="id_number") == ID_NUMBER
    assert cipher.decrypt(cipher.encrypt("张三", field="name"), field="name") == "张三"


def test_value_moved_to_another_column_does_not_decrypt() -> None:
    cipher = FieldCipher(parse_key_ring(K1))
    token = cipher.encrypt("张三", field="name")
    with pytest.raises(PiiDecryptionError):
        cipher.decrypt(token, field="id_number")


def test_rotation_reads_old_rows_and_flags_them_for_reencryption() -> None:
    old_token = FieldCipher(parse_key_ring(K1)).encrypt(ID_NUMBER, field="id_number")
    rotated = FieldCipher(parse_key_ring(f"{K2},{K1}"))

    assert rotated.decrypt(old_token, field="id_number") == ID_NUMBER
    assert not old_token.startswith(rotated.current_prefix)
    assert rotated.encrypt(ID_NUMBER, field="id_number").startswith(rotated.current_prefix)
    with pytest.raises(UnknownKeyError, match="'k1'"):
        FieldCipher(parse_key_ring(K2)).decrypt(old_token, field="id_number")


@pytest.mark.parametrize("garbage", ["", "plain text", "pii1:k1:!!!", "pii1:k1:QUJD"])
def test_garbage_is_refused(garbage: str) -> None:
    with pytest.raises(PiiDecryptionError):
        FieldCipher(parse_key_ring(K1)).decrypt(garbage, field="id_number")


def test_lookup_hash_is_keyed_stable_and_domain_separated() -> None:
    same = lookup_hash(normalize_id_number("430102 19900101 123x"), "key", field="id_number")
    assert same == lookup_hash(ID_NUMBER, "key", field="id_number")
    assert same != lookup_hash(ID_NUMBER, "other key", field="id_number")
    assert same != lookup_hash(ID_NUMBER, "key", field="workflow_id")
    assert ID_NUMBER not in same and len(same) == 64


def test_a_name_is_hashed_in_its_normalised_form_and_searched_in_both() -> None:
    """Before the office search a name was hashed stripped only, so 「买买提 • 艾力」 typed by
    an examiner never met the card's 「买买提·艾力」; old rows keep that form until rewritten."""
    sealer = PiiSealer(FieldCipher(parse_key_ring(new_key_entry("k1"))), "lookup")
    card = sealer.seal(id_number="430104199903120012", name="买买提·艾力").name_hash
    assert sealer.name_hash(" 买买提 • 艾力 ") == sealer.name_hash("买买提．艾力") == card
    legacy = lookup_hash("买买提 • 艾力", "lookup", field="name")
    assert name_search_hashes("买买提 • 艾力", "lookup") == {card, legacy}
