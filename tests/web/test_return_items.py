"""The clients' copies of the return rule, read from their source and held against the rule
(domain/case_rules) without a browser: the console's return dialog offers only what the workflow
accepts and the candidate can act on, and the H5 has a redo screen, under the server's name, for
every step a return can leave pending. The browser test walks one of them end to end."""

from __future__ import annotations

import re

from domain.case_rules import REDO_STEPS, RETURN_REOPENS, return_pending
from domain.enrollment import EnrollmentState, ReviewItem
from domain.messages import STEP_NAMES
from domain.states import AppState
from tests.devstack import ROOT

WEB = ROOT / "web"
STRING = r'\s*"([^"]*)"'


def js_rows(path: str, name: str, columns: int) -> list[tuple[str, ...]]:
    """The rows of `export const name = [["a", "b", …], …];`, their first `columns` strings."""
    source = (WEB / path).read_text(encoding="utf-8")
    start = source.index(f"export const {name} = [")
    body = source[start : source.index("];", start)]
    return re.findall(r"\[" + ",".join([STRING] * columns), body)


def pending_after_return_of(item: str) -> list[str]:
    case = EnrollmentState(state=AppState.RETURNED)
    case.face.passed = True
    case.review.items = [ReviewItem(item=item, reason="请重新办理")]
    return return_pending(case)


def test_the_return_dialog_offers_exactly_what_a_return_reopens() -> None:
    offered = [code for code, _ in js_rows("console/labels.js", "RETURN_ITEMS", 2)]
    assert offered == list(RETURN_REOPENS)
    assert "chsi" not in offered and "other" not in offered


def test_the_h5_can_redo_every_step_a_return_leaves_pending() -> None:
    rows = js_rows("h5/returned.js", "REDO_STEPS", 3)
    pending = {step for item in RETURN_REOPENS for step in pending_after_return_of(item)}
    assert {code for code, _, _ in rows} == pending == {"id_card", "photo", "face"}
    # in the server's order too: the first pending one is where a reopened case stands
    assert [code for code, _, _ in rows] == [item for item, _ in REDO_STEPS]
    for code, screen, label in rows:
        assert (WEB / "h5" / "screens" / f"{screen}.js").exists()
        assert label == STEP_NAMES[code]  # the name the resubmit refusal uses
