"""The second 寸照 generator keeps its promises before anything is measured with it: every label
is a rule code the checker reports, a compliant photo is a 480×640, 300 dpi JPEG of 20–40 KB, and
the same seed gives the same bytes."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from domain import photo_spec as spec
from synthetic.photo_second import BROKEN, VARIANTS, sample

pytestmark = pytest.mark.slow


def test_every_broken_variant_names_rule_codes():
    for name in BROKEN:
        assert VARIANTS[name].expected, name
        assert set(VARIANTS[name].expected) <= set(spec.RULE_EXPECTED), name


def test_a_compliant_sample_meets_the_file_rules_and_repeats():
    s = sample(3, "compliant")
    assert s is not None and not s.expected
    im = Image.open(io.BytesIO(s.data))
    assert (im.format, im.size) == ("JPEG", (spec.WIDTH_PX, spec.HEIGHT_PX))
    assert all(abs(d - spec.DPI) <= spec.DPI_TOLERANCE for d in im.info["dpi"])
    assert spec.MIN_FILE_BYTES <= len(s.data) <= spec.MAX_FILE_BYTES
    lo, hi = spec.HAIRLINE_PX
    assert lo <= s.truth["head_top"] <= hi
    again = sample(3, "compliant")
    assert again is not None and again.data == s.data
