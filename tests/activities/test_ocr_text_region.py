import numpy as np

from activities.idcard_text_region import (
    GRID,
    MIN_LINE_PX,
    detection_shrink,
    runs_across,
    text_region,
)


def box(left: float, top: float, right: float, bottom: float) -> list[list[float]]:
    return [[left, top], [right, top], [right, bottom], [left, bottom]]


def test_the_region_holds_every_line_with_a_margin_on_the_grid() -> None:
    lines = np.array([box(300, 200, 500, 230), box(300, 260, 560, 290), box(320, 400, 600, 430)])
    region = text_region(lines, (720, 960, 3))
    assert region is not None
    left, top, right, bottom = region
    assert all(v % GRID == 0 for v in region)
    assert left <= 300 - 90 and top <= 200 - 90 and right >= 600 + 90 and bottom >= 430 + 90


def test_nothing_found_or_nearly_everything_means_the_whole_photo() -> None:
    assert text_region(None, (720, 960, 3)) is None
    assert text_region(np.zeros((0, 4, 2)), (720, 960, 3)) is None
    spread = np.array([box(20, 20, 200, 50), box(700, 650, 940, 700)])
    assert text_region(spread, (720, 960, 3)) is None


def test_the_region_stays_inside_the_photo() -> None:
    region = text_region(np.array([box(0, 0, 150, 30), box(0, 40, 120, 70)]), (720, 960, 3))
    assert region is not None
    left, top, right, bottom = region
    assert (left, top) == (0, 0) and right <= 960 and bottom <= 720


def test_large_print_is_detected_shrunk_to_the_smallest_line_height_that_reads() -> None:
    tall = np.array([box(0, 0, 300, 2 * MIN_LINE_PX), box(0, 100, 200, 100 + 2 * MIN_LINE_PX)])
    assert detection_shrink(tall) == 0.5
    small = np.array([box(0, 0, 300, MIN_LINE_PX / 2)])
    assert detection_shrink(small) == 1.0  # never enlarged
    assert detection_shrink(None) == 1.0 and detection_shrink(np.zeros((0, 4, 2))) == 1.0


def test_a_small_cards_print_merged_into_one_blob_does_not_shrink_the_full_pass() -> None:
    # a card on 40 % of a 1080 × 1920 portrait frame: at the coarse scale its print is one box
    # as tall as the card (held-out phone cards 5100040 and 5100074); shrinking the full pass by
    # it merged the card into one box again and no label was read
    blob = box(125, 100, 433, 292)
    assert detection_shrink(np.array([blob])) == 1.0
    # where lines were found, they and the single characters measure the print as before
    one_character = box(0, 0, 2 * MIN_LINE_PX, 2 * MIN_LINE_PX)
    tall = box(0, 100, 300, 100 + 2 * MIN_LINE_PX)
    assert detection_shrink(np.array([one_character, tall])) == 0.5


def test_a_card_turned_a_quarter_is_told_by_its_lines_running_up_and_down() -> None:
    level = [box(100, 100, 400, 130), box(100, 150, 300, 180), box(100, 200, 130, 230)]
    assert not runs_across(np.array(level))
    upright = [[[y, x] for x, y in corners] for corners in level]  # the same lines, transposed
    assert runs_across(np.array(upright))
    # single characters (square boxes) do not outvote the lines
    squares = [box(500 + 40 * k, 500, 530 + 40 * k, 530) for k in range(5)]
    assert runs_across(np.array(upright + squares))
    assert not runs_across(None) and not runs_across(np.zeros((0, 4, 2)))
