"""The fixture faces (tests/fixtures/faces, SOURCES.md) and who is who in them: facts about the
files, shared by the face benchmarks' pair generators, which are otherwise written apart."""

from __future__ import annotations

from pathlib import Path

FACES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "faces"
#: file → person; Obama's three photos are one person
PEOPLE = {
    "obama.jpg": "obama",
    "obama2.jpg": "obama",
    "obama3.jpg": "obama",
    "biden.jpg": "biden",
    "grace_hopper_512x512.jpg": "hopper",
    "astronaut.png": "collins",
}
