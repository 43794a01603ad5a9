"""The load of `ruji bench peak`: Locust, headless, as a library, in a process of its own (Locust
patches the standard library with gevent on import, which nothing else of ours should live with).

`python -m benchmarks.peak_load PLAN.json OUT.json`: candidates arrive at `spawn_rate` a second
up to `users`; each goes through the H5's steps with a human's pauses, polling /me meanwhile, and
keeps polling after submitting until every candidate is through or `bound_s` has passed. The
statistics (Locust's per-route percentiles, our status and code tallies, each candidate's
outcome) go to OUT.json."""

from __future__ import annotations

import json
import random
import sys
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar

import gevent
import locust  # patches the standard library with gevent: before requests and our modules
from gevent.event import Event
from locust.clients import ResponseContextManager
from locust.env import Environment
from locust.exception import StopUser
from requests import Response

from benchmarks.peak_assets import Assets
from domain.notice import NOTICE_VERSION
from domain.otp import code_in_message
from synthetic.forms import form_fields

#: the H5 has no automatic retry: a person taps again after an error. They wait what
#: Retry-After says, or this long, and give up on a step after MAX_TRIES answers like that.
RETRY_S, MAX_TRIES = 5.0, 6
REQUEST_TIMEOUT_S = 120
LIVENESS_TRIES = 3


@dataclass
class Plan:
    host: str
    assets: str
    users: int
    spawn_rate: float
    think_s: float  # a person's pause between two steps (uniform 0.5–1.5 times this)
    poll_s: float  # GET /me while pausing and after submitting
    bound_s: float
    seed: int = 1


@dataclass
class Outcome:
    index: int
    application_id: str = ""
    failed_at: str = ""  # the step a candidate gave up at, with the last answer's code
    steps_done: bool = False  # submit answered SUBMITTED
    queued_uploads: int = 0
    queue_wait_s: float = 0.0


@dataclass
class Tally:
    by_status: Counter[int] = field(default_factory=Counter)
    by_code: Counter[str] = field(default_factory=Counter)
    by_route_error: Counter[str] = field(default_factory=Counter)  # 5xx and no answer
    max_position: int = 0
    outcomes: list[Outcome] = field(default_factory=list)
    spawned: int = 0
    finished: Event = field(default_factory=Event)

    def done(self) -> int:
        return sum(1 for o in self.outcomes if o.steps_done or o.failed_at)


class Abandoned(Exception):
    """A step refused in a way a person would not get past (the outcome says which)."""


def lapsed(challenge: dict[str, Any], margin_s: float = 10.0) -> bool:
    """Whether a liveness challenge ends before a burst could be taken and sent (the H5 asks for
    a new one then)."""
    expires = datetime.fromisoformat(challenge["expires_at"].replace("Z", "+00:00"))
    return expires.timestamp() - time.time() < margin_s


class Candidate(locust.HttpUser):
    plan: ClassVar[Plan]
    assets: ClassVar[Assets]
    tally: ClassVar[Tally]

    def on_start(self) -> None:
        index = self.tally.spawned
        self.tally.spawned += 1
        self.outcome = Outcome(index=index)
        self.tally.outcomes.append(self.outcome)
        self.rng = random.Random(self.plan.seed * 100_003 + index)
        self.last_code = ""
        self.headers = {
            "x-forwarded-for": f"10.{index // 65536 % 256}.{index // 256 % 256}.{index % 256}"
        }

    @locust.task
    def enrol(self) -> None:
        try:
            self.journey()
            self.outcome.steps_done = True
        except Abandoned as exc:
            self.outcome.failed_at = str(exc)
        while not self.tally.finished.is_set():  # the H5 stays open on 「我的报名」
            self.call("GET", "/api/v1/me")
            self.tally.finished.wait(self.plan.poll_s)
        raise StopUser

    # --- the steps, as the H5 takes them -------------------------------------------------------
    def journey(self) -> None:
        card = self.assets.card(self.outcome.index)
        phone = f"13{self.plan.seed % 10}{self.outcome.index:08d}"
        body = self.step("register", "POST", "/api/v1/candidate/register",
                         json={"id_number": card.id_number, "phone": phone})  # fmt: skip
        self.outcome.application_id = app_id = body["application_id"]
        outbox = self.step("sms", "GET", "/dev/outbox", params={"phone": phone})
        code = code_in_message(outbox[0]["text"])
        session = self.step("verify", "POST", "/api/v1/candidate/verify",
                            json={"application_id": app_id, "code": code})  # fmt: skip
        self.headers["authorization"] = f"Bearer {session['token']}"

        self.think()
        files = {"front": ("front.jpg", card.front, "image/jpeg"),
                 "back": ("back.jpg", card.back, "image/jpeg")}  # fmt: skip
        view = self.upload("id-card", "/api/v1/me/id-card", files=files)
        confirmed = {"confirm": json.dumps(view["id_card_read"])}  # sent with the photo (H5)

        self.think()
        photo = {"photo": ("photo.jpg", self.assets.photo(self.outcome.index), "image/jpeg")}
        view = self.upload("photo", "/api/v1/me/photo", data=confirmed, files=photo)

        self.think()
        self.liveness(offered=view.get("liveness_challenge"))  # as the H5: with the photo

        self.think()  # the notice read and ticked, the form filled, its summary read, then the
        # submit dialog confirmed: all in one save, as the H5 sends them on the straight path
        form = {**form_fields(contact_phone=phone), "notice_version": NOTICE_VERSION}
        self.think()
        self.think()
        view = self.step("form", "PUT", "/api/v1/me/form", json={**form, "submit": True})
        if view.get("state") != "SUBMITTED":
            raise Abandoned(f"submit: state {view.get('state')}")

    def liveness(self, offered: dict[str, Any] | None) -> None:
        """Like a person (and `ruji demo`): a new challenge after a burst that did not show it,
        or when the one the photo brought has lapsed."""
        for attempt in range(1, LIVENESS_TRIES + 1):
            challenge = offered if offered and not lapsed(offered) else None
            offered = None
            if challenge is None:
                view = self.step("challenge", "POST", "/api/v1/me/liveness/challenge")
                challenge = view["liveness_challenge"]
            frames = self.assets.burst(challenge["actions"], self.outcome.index + attempt)
            files = [("frames", (f"{i}.jpg", jpeg, "image/jpeg")) for i, jpeg in enumerate(frames)]
            try:
                self.upload("liveness", "/api/v1/me/liveness",
                            data={"nonce": challenge["nonce"]}, files=files)  # fmt: skip
                return
            except Abandoned:
                if attempt == LIVENESS_TRIES or "FACE_" not in self.last_code:
                    raise

    def upload(self, step: str, path: str, **kw: Any) -> Any:
        """An upload answered at once, or 202 with its place in line, then polled (as the H5)."""
        body = self.step(step, "POST", path, **kw)
        if not body.get("queued"):
            return body
        self.outcome.queued_uploads += 1
        started = time.monotonic()
        while body.get("queued"):
            self.tally.max_position = max(self.tally.max_position, body["position"])
            gevent.sleep(body["poll_after_s"])
            body = self.step(step, "GET", f"/api/v1/me/uploads/{body['update_id']}",
                             name="GET /api/v1/me/uploads/[id]")  # fmt: skip
        self.outcome.queue_wait_s += time.monotonic() - started
        return body

    def step(self, step: str, method: str, path: str, name: str = "", **kw: Any) -> Any:
        response = self.call(method, path, name=name, **kw)
        if response is None or response.status_code >= 400:
            raise Abandoned(f"{step}: {self.last_code}")
        return response.json()

    def call(self, method: str, path: str, name: str = "", **kw: Any) -> Response | None:
        """One request, tried again as a person would after a 429, a 5xx or no answer."""
        name = name or f"{method} {path}"
        for _ in range(MAX_TRIES):
            with self.client.request(
                method, path, name=name, headers=self.headers, timeout=REQUEST_TIMEOUT_S,
                catch_response=True, **kw,
            ) as answer:  # fmt: skip
                response: ResponseContextManager = answer
                status = response.status_code or 0  # 0: no answer (refused, reset, timed out)
                self.last_code = self.tally_answer(name, status, response)
                if 0 < status < 400:
                    response.success()  # type: ignore[no-untyped-call]
                    return response
                response.failure(f"{status} {self.last_code}")  # type: ignore[no-untyped-call]
                if 0 < status < 500 and status != 429:
                    return response  # a refusal: the step decides
                wait = float(response.headers.get("retry-after") or RETRY_S)
            gevent.sleep(wait)
        return None

    def tally_answer(self, route: str, status: int, response: Response) -> str:
        self.tally.by_status[status] += 1
        if 0 < status < 400:
            return ""
        try:
            body = response.json() if status else {}
        except ValueError:
            body = {}
        body = body if isinstance(body, dict) else {}
        code = str(body.get("code", "")) or ("NETWORK" if status == 0 else f"HTTP_{status}")
        self.tally.by_code[code] += 1
        if status == 0 or status >= 500:
            self.tally.by_route_error[f"{route} {code}"] += 1
        fields = [d.get("code") for d in body.get("details") or [] if isinstance(d, dict)]
        return f"{code} {fields}" if fields else code

    def think(self) -> None:
        """A person's pause, with the H5 open: /me now and then."""
        until = time.monotonic() + self.plan.think_s * self.rng.uniform(0.5, 1.5)
        while (left := until - time.monotonic()) > 0:
            gevent.sleep(min(left, self.plan.poll_s))
            if time.monotonic() < until:
                self.call("GET", "/api/v1/me")


def run(plan: Plan) -> dict[str, Any]:
    tally = Tally()
    Candidate.plan, Candidate.assets, Candidate.tally = plan, Assets(Path(plan.assets)), tally
    env = Environment(user_classes=[Candidate], host=plan.host, events=locust.events)
    runner = env.create_local_runner()
    started = time.monotonic()
    runner.start(plan.users, spawn_rate=plan.spawn_rate)
    while time.monotonic() - started < plan.bound_s:
        if tally.spawned >= plan.users and tally.done() >= plan.users:
            break
        gevent.sleep(1)
    tally.finished.set()
    gevent.sleep(plan.poll_s + 1)  # the last polls come home
    runner.quit()
    routes = {
        entry.name: {
            "requests": entry.num_requests,
            "p50_ms": entry.get_response_time_percentile(0.5),
            "p99_ms": entry.get_response_time_percentile(0.99),
            "max_ms": round(entry.max_response_time),
            "failures": entry.num_failures,
        }
        for entry in env.stats.entries.values()
    }
    return {
        "seconds": round(time.monotonic() - started, 1),
        "requests": env.stats.total.num_requests,
        "by_status": {str(k): v for k, v in sorted(tally.by_status.items())},
        "errors_by_code": dict(tally.by_code.most_common()),
        "errors_by_route": dict(tally.by_route_error.most_common()),
        "routes": routes,
        "max_queue_position": tally.max_position,
        "outcomes": [asdict(o) for o in tally.outcomes],
    }


def main(argv: list[str]) -> int:
    plan = Plan(**json.loads(Path(argv[0]).read_text()))
    Path(argv[1]).write_text(json.dumps(run(plan)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
