"""Masks for views and logs: what a person needs to recognise their own data, no more. Pure."""

from __future__ import annotations

from domain.identity import normalize_id_number


def mask_phone(phone: str) -> str:
    """138****5678: enough for a person to recognise their own number."""
    digits = phone[-11:]
    return f"{digits[:3]}****{digits[-4:]}" if len(digits) == 11 else "*" * len(phone)


def mask_id_number(id_number: str) -> str:
    """4301**********123X (18) / 4301*******123 (15): region prefix and the last four kept."""
    value = normalize_id_number(id_number)
    if len(value) < 9:
        return "*" * len(value)
    keep_tail = 4 if len(value) >= 18 else 3
    return value[:4] + "*" * (len(value) - 4 - keep_tail) + value[-keep_tail:]


def mask_name(name: str) -> str:
    """张* / 欧** : the first character only (surname, or the first letter of a Latin name)."""
    value = name.strip()
    return value[:1] + "*" * max(len(value) - 1, 1) if value else ""
