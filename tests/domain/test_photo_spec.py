"""The standard's numbers and texts, and the JPEG quality estimate they are checked with."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from activities.photo_file import estimate_quality, read_file_facts
from domain import photo_spec as spec


def test_standard_numbers():
    assert (spec.WIDTH_PX, spec.HEIGHT_PX, spec.DPI, spec.MIN_QUALITY) == (480, 640, 300, 60)
    assert spec.HAIRLINE_PX == (50, 110) and spec.EYES_PX == (200, 300)
    assert spec.FACE_WIDTH_PX == (180, 300) and spec.BACKGROUND_RGB == (100, 197, 255)


def test_every_rule_has_chinese_text_and_fix_targets_lie_inside_the_ranges():
    for code, expected in spec.RULE_EXPECTED.items():
        assert code.message and expected
    assert spec.FIXABLE <= set(spec.RULE_EXPECTED) and spec.GEOMETRY <= spec.FIXABLE
    lo, hi = spec.FIX_FILE_BYTES
    assert spec.MIN_FILE_BYTES < lo < hi < spec.MAX_FILE_BYTES
    assert spec.EYES_PX[0] < spec.FIX_EYES_PX < spec.EYES_PX[1]
    assert spec.HAIRLINE_PX[0] < spec.FIX_HAIRLINE_PX < spec.HAIRLINE_PX[1]


@pytest.mark.parametrize("quality", [30, 59, 60, 75, 90])
def test_quality_is_estimated_from_the_quantization_table(quality):
    buf = io.BytesIO()
    Image.new("RGB", (64, 64), (100, 197, 255)).save(buf, "JPEG", quality=quality)
    facts, _ = read_file_facts(buf.getvalue(), "x.jpg")
    assert facts.quality == quality
    assert estimate_quality(Image.open(io.BytesIO(buf.getvalue())).quantization[0]) == quality
