"""`ruji demo [--candidates N]`: drive synthetic candidates through every step of a running
`make dev` stack over HTTP, then an examiner's approval and an operator's deadline move, and
print the admission-ticket numbers. Exits non-zero with the failing step's message."""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import httpx

from domain.otp import code_in_message
from infra.config import get_settings
from synthetic.forms import BENKE_MAJOR, form_fields
from synthetic.idcard import make_card_pair
from synthetic.liveness import burst
from synthetic.photo import compliant_photo, faces_dir

FORM = form_fields(major=BENKE_MAJOR)  # 专升本: exercises the CHSI check through the simulator
TICKET_WAIT_S = 120
LIVENESS_TRIES = 3
#: dlib and opencv objects in the generators are not thread-safe: one image job at a time
_GENERATOR = ThreadPoolExecutor(max_workers=1, thread_name_prefix="demo-images")
P = ParamSpec("P")
T = TypeVar("T")


async def generated(fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    return await asyncio.get_running_loop().run_in_executor(
        _GENERATOR, partial(fn, *args, **kwargs)
    )


class StepFailed(Exception):
    def __init__(self, step: str, message: str):
        super().__init__(f"{step}: {message}")
        self.step, self.message = step, message


@dataclass
class Demo:
    api: httpx.AsyncClient
    chsi: httpx.AsyncClient
    staff: dict[str, str]  # username -> password
    quiet: bool = False
    log: list[str] = field(default_factory=list)

    def say(self, who: str, text: str) -> None:
        line = f"[{who}] {text}"
        self.log.append(line)
        if not self.quiet:
            print(line, flush=True)

    async def call(
        self, step: str, method: str, url: str, token: str | None = None, **kw: Any
    ) -> Any:  # the decoded JSON: an object, or a list (the dev outbox)
        headers = {"authorization": f"Bearer {token}"} if token else {}
        try:
            r = await self.api.request(method, url, headers=headers, **kw)
        except httpx.HTTPError as exc:
            raise StepFailed(step, f"API unreachable: {exc!r}") from exc
        body = r.json() if r.headers.get("content-type", "").startswith("application/json") else {}
        if r.status_code >= 400:
            raise StepFailed(step, f"{r.status_code} {body.get('code')}: {body.get('message')}")
        return body

    async def login(self, username: str) -> str:
        body = await self.call(
            f"login {username}", "POST", "/api/v1/staff/login",
            json={"username": username, "password": self.staff[username]},
        )  # fmt: skip
        return str(body["token"])


async def open_demo_period(demo: Demo, admin: str) -> str:
    """An extra window just for this run, so the deadline can be moved without closing the
    regular one (the next demo, or a person trying the H5, still finds enrollment open)."""
    now = datetime.now(UTC)
    period_id = f"{now.year}-2-demo{uuid.uuid4().hex[:6]}"
    await demo.call(
        "open period", "POST", "/api/v1/admin/periods", admin,
        json={
            "period_id": period_id, "opens_at": (now - timedelta(minutes=1)).isoformat(),
            "closes_at": (now + timedelta(hours=2)).isoformat(),
            "review_deadline": (now + timedelta(hours=3)).isoformat(),
        },
    )  # fmt: skip
    for _ in range(100):  # the period workflow projects itself as OPEN right after it starts
        if (await demo.call("period", "GET", "/api/v1/period")).get("period_id") == period_id:
            return period_id
        await asyncio.sleep(0.1)
    raise StepFailed("open period", f"{period_id} did not open")


async def candidate(demo: Demo, n: int, seed: int) -> tuple[str, str]:
    who = f"candidate {n}"
    face = faces_dir() / "obama.jpg"
    rng = random.Random(seed)
    pair = await generated(make_card_pair, seed, face_path=face, today=date.today())
    person, phone = pair.identity, f"13{rng.randrange(10**9):09d}"
    demo.say(
        who, f"ID card generated for a synthetic identity ({person.sex}, born {person.birth_date})"
    )

    body = await demo.call("R2 register", "POST", "/api/v1/candidate/register",
                           json={"id_number": person.id_number, "phone": phone})  # fmt: skip
    app_id = body["application_id"]
    outbox = await demo.call("R2 SMS", "GET", "/dev/outbox", params={"phone": phone})
    code = code_in_message(outbox[0]["text"])
    token = (await demo.call("R2 verify", "POST", "/api/v1/candidate/verify",
                             json={"application_id": app_id, "code": code}))["token"]  # fmt: skip
    demo.say(who, f"registered by SMS code: {app_id}")

    files = {"front": ("front.jpg", pair.front_jpeg, "image/jpeg"),
             "back": ("back.jpg", pair.back_jpeg, "image/jpeg")}  # fmt: skip
    view = await demo.call("R3 ID card", "POST", "/api/v1/me/id-card", token, files=files)
    read = view["id_card_read"]
    demo.say(who, "ID card read by OCR")

    # as the H5: the card's fields, confirmed on their screen, go with the photo
    photo = await generated(compliant_photo, face, seed)
    files, confirm = {"photo": ("photo.jpg", photo, "image/jpeg")}, {"confirm": json.dumps(read)}
    view = await demo.call(
        "R3+R4 confirm, photo", "POST", "/api/v1/me/photo", token, data=confirm, files=files
    )
    demo.say(who, f"ID card confirmed, ID photo compliant ({len(photo) // 1024} KB, 480×640)")

    # as the H5: the accepted photo brings the liveness challenge
    await liveness(demo, who, token, face, seed, offered=view.get("liveness_challenge"))

    # as the H5: the notice accepted on its screen goes with the form's first save
    notice = await demo.call("R6 notice", "GET", "/api/v1/notice", token)
    form = {**FORM, "contact_phone": phone, "notice_version": notice["version"]}
    await demo.call("R6+R7 notice and form", "PUT", "/api/v1/me/form", token, json=form)
    demo.say(who, "notice accepted, form saved (会计学 专升本, 长沙市)")

    r = await demo.chsi.post("/identities", json={"key": app_id[-20:], "name": person.name,
                                                  "id_number": person.id_number})  # fmt: skip
    if r.status_code >= 400:
        raise StepFailed("R8 CHSI simulator", f"{r.status_code} {r.text}")
    view = await demo.call("R8 QR codes", "POST", "/api/v1/me/chsi/codes", token)
    xueli = next(c for c in view["chsi_codes"] if c["kind"] == "xueli")
    r = await demo.chsi.post("/scan", json={"token": xueli["token"], "identity_key": app_id[-20:]})
    if r.status_code >= 400 or not r.json().get("delivered"):
        raise StepFailed("R8 CHSI scan", f"{r.status_code} {r.text}")
    view = await demo.call("R8 CHSI result", "GET", "/api/v1/me", token)
    if view["chsi_status"] != "verified":
        raise StepFailed("R8 CHSI result", f"status {view['chsi_status']}")
    demo.say(who, "学历 verified by the CHSI simulator's signed callback")

    view = await demo.call("R13 submit", "POST", "/api/v1/me/submit", token)
    demo.say(who, f"submitted: {view['state_label']}")
    return app_id, token


async def liveness(
    demo: Demo, who: str, token: str, face: Path, seed: int, offered: dict[str, Any] | None
) -> None:
    """The synthetic burst does not always show an action clearly enough (see docs/decisions.md);
    like a person, the demo asks for a new challenge and tries again. `offered`: the challenge
    the accepted photo brought, answered first."""
    for attempt in range(1, LIVENESS_TRIES + 1):
        challenge = offered
        if challenge is None:
            view = await demo.call("R5 challenge", "POST", "/api/v1/me/liveness/challenge", token)
            challenge = view["liveness_challenge"]
        offered = None
        frames = await generated(burst, face, challenge["actions"], seed * 10 + attempt)
        files = [("frames", (f"{i}.jpg", jpeg, "image/jpeg")) for i, jpeg in enumerate(frames)]
        try:
            await demo.call(
                "R5 liveness", "POST", "/api/v1/me/liveness", token,
                data={"nonce": challenge["nonce"]}, files=files,
            )  # fmt: skip
        except StepFailed as exc:
            if attempt == LIVENESS_TRIES or "FACE_ACTION" not in exc.message:
                raise
            demo.say(who, f"liveness attempt {attempt} refused ({exc.message}); trying again")
            continue
        demo.say(who, f"live face verified ({', '.join(challenge['actions'])}) and matched")
        return


async def review_and_issue(demo: Demo, period_id: str, apps: list[tuple[str, str]]) -> list[str]:
    examiner, admin = await demo.login("examiner"), await demo.login("admin")
    for app_id, _ in apps:
        await demo.call(
            "R15 claim", "POST", f"/api/v1/examiner/applications/{app_id}/claim", examiner
        )
        await demo.call(
            "R15 approve", "POST", f"/api/v1/examiner/applications/{app_id}/approve", examiner
        )
    demo.say("examiner", f"claimed and approved {len(apps)} application(s)")

    now = datetime.now(UTC)
    base = f"/api/v1/admin/periods/{period_id}"
    await demo.call("close window", "PUT", f"{base}/window", admin,
                    json={"closes_at": (now + timedelta(seconds=1)).isoformat()})  # fmt: skip
    await demo.call("move deadline", "PUT", f"{base}/review-deadline", admin,
                    json={"review_deadline": (now + timedelta(seconds=2)).isoformat()})  # fmt: skip
    demo.say("operator", "moved the review deadline to now: ticket numbers are issued")

    numbers = []
    for _, token in apps:
        deadline = time.monotonic() + TICKET_WAIT_S
        while True:
            view = await demo.call("R16 ticket", "GET", "/api/v1/me", token)
            if view.get("ticket_number"):
                numbers.append(view["ticket_number"])
                break
            if time.monotonic() > deadline:
                raise StepFailed(
                    "R16 ticket", f"no ticket number after {TICKET_WAIT_S} s ({view['state']})"
                )
            await asyncio.sleep(0.5)
    return numbers


def staff_passwords(var_dir: Path) -> dict[str, str]:
    path = var_dir / "secrets" / "dev-accounts.json"
    if not path.exists():
        raise StepFailed(
            "credentials", f"{path} missing — is `make dev` running from this checkout?"
        )
    return {a["username"]: a["password"] for a in json.loads(path.read_text())}


async def run(args: argparse.Namespace) -> list[str]:
    settings = get_settings()
    async with (
        httpx.AsyncClient(base_url=args.api, timeout=180) as api,
        httpx.AsyncClient(base_url=args.chsi, timeout=60) as chsi,
    ):
        demo = Demo(api, chsi, staff_passwords(settings.var_dir), quiet=args.quiet)
        period_id = await open_demo_period(demo, await demo.login("admin"))
        demo.say("operator", f"opened window {period_id}")
        seeds = [args.seed + i for i in range(args.candidates)]
        apps = await asyncio.gather(*(candidate(demo, i + 1, s) for i, s in enumerate(seeds)))
        return await review_and_issue(demo, period_id, list(apps))


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="ruji demo", description=__doc__)
    parser.add_argument("--candidates", type=int, default=1)
    parser.add_argument("--api", default="http://127.0.0.1:8000")
    parser.add_argument("--chsi", default="http://127.0.0.1:8010")
    parser.add_argument("--seed", type=int, default=int(time.time()) % 100_000)
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    started = time.monotonic()
    try:
        numbers = asyncio.run(run(args))
    except StepFailed as exc:
        print(f"FAILED at {exc.step}: {exc.message}", file=sys.stderr)
        return 1
    for number in numbers:
        print(f"准考证号 {number}")
    print(f"{len(numbers)} candidate(s) from SMS to ticket in {time.monotonic() - started:.1f} s")
    return 0
