"""Where the H5 sends a confirmed ID card (web/h5/held.js `confirmsAtPhoto`), evaluated by
Chromium from the module as served: on the first pass it is held for the photo upload that
carries it; a card redone with the 寸照 kept (rules 2, the view's `photo_kept`) is confirmed on its
own, and the case goes to the face check; at any other state nothing is held."""

from __future__ import annotations

from playwright.sync_api import Browser

from tests.web.served_modules import evaluated

CARD = {"name": "张*", "id_number": "4301**********123X"}


def _held_for_photo(browser: Browser, views: list[dict]) -> list[bool]:
    return evaluated(
        browser,
        """async (views) => {
            const { confirmsAtPhoto } = await import("/h5/held.js");
            return views.map((view) => confirmsAtPhoto(view));
        }""",
        views,
    )


def test_a_card_is_held_for_the_photo_only_where_a_photo_is_still_to_come(browser) -> None:
    views = [
        {"state": "ID_PENDING", "id_card": CARD},  # first pass (and cases of the rules before)
        {"state": "ID_PENDING", "id_card": CARD, "photo_kept": False},
        {"state": "ID_PENDING", "id_card": CARD, "photo_kept": True},  # redone, 寸照 kept
        {"state": "ID_PENDING", "id_card": None},  # nothing read yet
        {"state": "RETURNED", "id_card": CARD, "photo_kept": True},
        {"state": "PHOTO_PENDING", "id_card": CARD},
    ]
    assert _held_for_photo(browser, views) == [True, True, False, False, False, False]
