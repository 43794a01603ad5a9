"""The enrollment form a synthetic candidate fills in: one source for the demo, the benchmarks
and the tests, valid against the seeded catalogs (domain/catalogs.py)."""

from __future__ import annotations

ZHUANKE_MAJOR = "530302"  # 大数据与会计 (专科): no CHSI check
BENKE_MAJOR = "120203K"  # 会计学 (专升本): exercises the CHSI check


def form_fields(**changes: str) -> dict[str, str]:
    """The form as the API takes it (JSON fields); `changes` override any field."""
    return {
        "postal_code": "410000",
        "household_type": "1",  # 城镇
        "household_province": "43",
        "occupation": "2",
        "political_status": "13",  # 群众
        "email": "",
        "contact_phone": "13800138000",
        "region": "01",
        "major": ZHUANKE_MAJOR,
    } | changes
