"""The pictures of `ruji bench peak`'s candidates, made before the load starts (so making them
costs the measured stack nothing) and kept under var/bench-cache/ for the next run.

Every candidate needs an ID card of his own (the OCR reads the number he registered with); the
photo and the liveness frames only need the same face as the card's portrait, so a few photos
are shared, and a burst for any challenge is put together from one recorded burst per action
(rest, the action, rest — the structure `synthetic.liveness.burst` gives a whole challenge)."""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from domain.catalogs import HUNAN
from domain.vision import LivenessAction

PHOTOS = 4  # shared compliant photos
BURSTS_PER_ACTION = 3  # recorded bursts of each action, so neighbours' frames differ
#: a one-action burst is rest frames (this many), the action's ramp, a rest frame
LEADING_REST = 2
FACE = "obama.jpg"
CARDS_KEPT_DAYS = 7


@dataclass(frozen=True)
class Card:
    id_number: str
    front: bytes
    back: bytes


class Assets:
    def __init__(self, root: Path) -> None:
        self.root = root

    def card(self, index: int) -> Card:
        meta = json.loads((self.root / "cards" / f"{index}.json").read_text())
        front = (self.root / "cards" / f"{index}-front.jpg").read_bytes()
        return Card(
            meta["id_number"], front, (self.root / "cards" / f"{index}-back.jpg").read_bytes()
        )

    def photo(self, index: int) -> bytes:
        return (self.root / "photos" / f"{index % PHOTOS}.jpg").read_bytes()

    def burst(self, actions: Sequence[str], variant: int) -> list[bytes]:
        frames: list[bytes] = []
        for n, action in enumerate(actions):
            recorded = self._recorded(action, (variant + n) % BURSTS_PER_ACTION)
            frames += recorded if n == 0 else recorded[LEADING_REST:]
        return frames

    def _recorded(self, action: str, variant: int) -> list[bytes]:
        folder = self.root / "bursts" / f"{action}-{variant}"
        return [p.read_bytes() for p in sorted(folder.glob("*.jpg"), key=lambda p: int(p.stem))]


def _hunan_seed(index: int, today: date) -> int:
    """The candidate's card seed: a Hunan household, so the form declares Hunan and no proof of
    living or working in Hunan is asked for (the mix this benchmark drives has no attachments)."""
    from synthetic.identities import random_identity

    tries: list[int] = [10_000 + index, *range(1_000_000 + index * 100, 1_000_100 + index * 100)]
    return next(s for s in tries if _is_hunan(random_identity(random.Random(s), today).id_number))


def _is_hunan(id_number: str) -> bool:
    return id_number.startswith(HUNAN)


def _make_card(root: str, index: int, today: date) -> None:
    from synthetic.idcard import make_card_pair
    from synthetic.photo import faces_dir

    seed = _hunan_seed(index, today)
    pair = make_card_pair(seed, face_path=faces_dir() / FACE, today=today)
    folder = Path(root) / "cards"
    (folder / f"{index}-front.jpg").write_bytes(pair.front_jpeg)
    (folder / f"{index}-back.jpg").write_bytes(pair.back_jpeg)
    (folder / f"{index}.json").write_text(json.dumps({"id_number": pair.identity.id_number}))


def _make_photo(root: str, index: int) -> None:
    from synthetic.photo import compliant_photo, faces_dir

    (Path(root) / "photos" / f"{index}.jpg").write_bytes(compliant_photo(faces_dir() / FACE, index))


def _make_burst(root: str, action: str, variant: int) -> None:
    from synthetic.liveness import burst
    from synthetic.photo import faces_dir

    folder = Path(root) / "bursts" / f"{action}-{variant}"
    folder.mkdir(parents=True, exist_ok=True)
    for i, jpeg in enumerate(burst(faces_dir() / FACE, [action], seed=variant)):
        (folder / f"{i}.jpg").write_bytes(jpeg)


def _card_ready(root: Path, index: int) -> bool:
    meta = root / "cards" / f"{index}.json"
    return meta.exists() and _is_hunan(json.loads(meta.read_text())["id_number"])


def prepare(cache: Path, users: int, today: date) -> Path:
    """Pictures for `users` candidates, under `cache`. Cards are made current on the day they
    are made (issued before it, valid after it); a week-old set is still current but for a card
    in thousands, and making 200 takes minutes, so the newest set of the past week is reused."""
    recent = [today - timedelta(days=n) for n in range(CARDS_KEPT_DAYS)]
    made = next((d for d in recent if (cache / d.isoformat() / "cards").is_dir()), today)
    root = cache / made.isoformat()
    for sub in ("cards", "photos", "bursts"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    with ProcessPoolExecutor(max_workers=2) as pool:  # dlib and opencv: processes, not threads
        jobs = [
            pool.submit(_make_card, str(root), i, made)
            for i in range(users)
            if not _card_ready(root, i)
        ]
        jobs += [
            pool.submit(_make_photo, str(root), i)
            for i in range(PHOTOS)
            if not (root / "photos" / f"{i}.jpg").exists()
        ]
        jobs += [
            pool.submit(_make_burst, str(root), action.value, v)
            for action in LivenessAction
            for v in range(BURSTS_PER_ACTION)
            if not (root / "bursts" / f"{action.value}-{v}").exists()
        ]
        for job in jobs:
            job.result()
    return root
