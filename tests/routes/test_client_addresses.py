"""Which client address the request limits count. An IPv6 subscriber (a phone on a mobile
network, a home router, a rented server) is given a whole /64 and can send every request from a
new address of it: counted per address, the per-address limits (staff password guessing,
probing who is enrolled, the SMS cap per address) would not limit him at all."""

from __future__ import annotations

from fastapi.testclient import TestClient

from api.deps import Services


def _staff_login(app_services: tuple[TestClient, Services], address: str, name: str) -> str:
    client = TestClient(app_services[0].app, client=(address, 50000))
    r = client.post("/api/v1/staff/login", json={"username": name, "password": "guess"})
    return r.json()["code"]


def test_addresses_of_one_ipv6_64_share_one_budget(app_services) -> None:
    limit = app_services[1].settings.staff_attempts_per_ip
    answers = [
        _staff_login(app_services, f"2001:db8:0:7::{i + 1:x}", f"nobody-{i}")
        for i in range(limit + 1)
    ]
    assert answers == ["LOGIN_FAILED"] * limit + ["LOGIN_LOCKED"]
    # the next /64 is another subscriber; an IPv4 address counts by itself, as before
    assert _staff_login(app_services, "2001:db8:0:8::1", "nobody-x") == "LOGIN_FAILED"
    assert _staff_login(app_services, "192.0.2.7", "nobody-y") == "LOGIN_FAILED"
