"""The vision activities heartbeat while they compute, so a short heartbeat timeout can notice a
dead vision worker in seconds rather than after the 45 s start-to-close timeout."""

from __future__ import annotations

import threading

import pytest
from temporalio import activity
from temporalio.testing import ActivityEnvironment

import activities.heartbeat as heartbeat_module
from activities.face import FaceVerifier
from activities.heartbeat import heartbeating
from activities.ocr import IdCardReader
from activities.photo import PhotoActivities


@pytest.mark.parametrize(
    "method",
    [
        IdCardReader.read_id_card,
        PhotoActivities.check_photo,
        PhotoActivities.fix_photo,
        FaceVerifier.verify_face,
    ],
    ids=lambda m: m.__name__,
)
def test_every_vision_activity_heartbeats(method) -> None:
    assert getattr(method, "heartbeats", False), method.__name__
    assert activity._Definition.from_callable(method) is not None  # still an activity


def test_a_slow_call_heartbeats_while_it_runs(monkeypatch) -> None:
    monkeypatch.setattr(heartbeat_module, "HEARTBEAT_EVERY_S", 0.02)
    release = threading.Event()
    beats: list[tuple] = []

    @activity.defn(name="slow")
    @heartbeating
    def slow(x: int) -> int:
        release.wait(5)
        return x + 1

    env = ActivityEnvironment()

    def on_heartbeat(*details) -> None:
        beats.append(details)
        if len(beats) >= 4:
            release.set()

    env.on_heartbeat = on_heartbeat
    assert env.run(slow, 1) == 2
    assert len(beats) >= 4
