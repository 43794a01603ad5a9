"""The reference model of one application for the model-based test (issue #15, item 8).

Written from the guide (/work/shared/REQUIREMENTS.md) and the states of domain/states.py, not
from domain/case_rules.py: it knows a handful of forms and what each needs, which state each
action is allowed in and where it leads. `step` answers whether an action is allowed and applies
it; `advance` applies the deadlines a clock jump crosses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from domain.states import AppState as S

SHANGHAI = ZoneInfo("Asia/Shanghai")
PHONE_DEADLINE = timedelta(minutes=15)
FACE_DEADLINE = timedelta(days=7)
CHSI_SILENCE = timedelta(minutes=30)
CHSI_TOKEN_TTL = timedelta(minutes=10)
FACE_FAILURES_PER_DAY = 5

STEPS = (S.REGISTERED, S.ID_PENDING, S.PHOTO_PENDING, S.FACE_PENDING, S.NOTICE_PENDING, S.DRAFT)
FINAL = (S.REJECTED, S.TICKET_ISSUED, S.EXPIRED, S.WITHDRAWN, S.SUPERSEDED)
#: What a return may name besides the form and attachments: the steps it reopens and the redos
#: it then waits for (a new photo or ID portrait needs a new face check).
REOPENS = {
    "id_card": {S.ID_PENDING, S.FACE_PENDING},
    "photo": {S.PHOTO_PENDING, S.FACE_PENDING},
    "face": {S.FACE_PENDING},
}
REDO = {S.ID_PENDING: "id_card", S.PHOTO_PENDING: "photo", S.FACE_PENDING: "face"}


@dataclass(frozen=True)
class Choice:
    """One way of filling the form; `needs` is the guide's checklist for it: requirement -> its
    proof options (any one option, each option all of its documents)."""

    name: str
    fields: dict[str, object]
    benke: bool = False  # 专升本: the CHSI step first
    household: str = "43"
    needs: dict[str, tuple[frozenset[str], ...]] = field(default_factory=dict)
    valid: bool = True  # on a card of its household province


def _opts(*options: str) -> tuple[frozenset[str], ...]:
    return tuple(frozenset(option.split("+")) for option in options)


CHSI_MANUAL = {
    "CHSI_MANUAL_PROOF": _opts(
        "DIPLOMA", "XUELI_REGISTRATION_RECORD", "XUELI_CERTIFICATION_REPORT", "XUEJI_ONLINE_REPORT"
    )
}
NURSING = _opts("NURSING_SECONDARY_DIPLOMA", "NURSE_QUALIFICATION_CERT+IN_SERVICE_CERT")
WORKS = {
    "HUNAN_EMPLOYMENT_CERT": _opts("HUNAN_EMPLOYMENT_CERT"),
    "HUNAN_SOCIAL_INSURANCE": _opts("HUNAN_SOCIAL_INSURANCE"),
}
LIVES = {"HUNAN_RESIDENCE_PROOF": _opts("HUNAN_RESIDENCE_PERMIT", "HUNAN_OTHER_RESIDENCE_PROOF")}
RENAMED = {
    "IDENTITY_CHANGE_PROOF": _opts("POLICE_IDENTITY_CHANGE_CERT", "HOUSEHOLD_REGISTER_CHANGE_PAGE")
}
AWAY = {"household_province": "44"}

CHOICES = {
    c.name: c
    for c in (
        Choice("专科", {}),
        Choice("专升本", {"major": "120203K"}, benke=True),
        Choice("护理(限制)", {"major": "520201"}, needs={"RESTRICTED_520201": NURSING}),
        Choice(
            "护理学(限制,专升本)",
            {"major": "101101"},
            benke=True,
            needs={
                "RESTRICTED_101101_DIPLOMA": _opts("NURSING_MEDICINE_DIPLOMA"),
                "RESTRICTED_101101_QUALIFICATION": _opts(
                    "NURSE_QUALIFICATION_CERT", "PHYSICIAN_QUALIFICATION_CERT"
                ),
            },
        ),
        Choice(
            "外省·工作",
            AWAY | {"non_hunan_category": "works", "social_insurance_months": 12},
            household="44",
            needs=WORKS,
        ),
        Choice(
            "外省·工作3个月",
            AWAY | {"non_hunan_category": "works", "social_insurance_months": 3},
            household="44",
            needs=WORKS,
        ),
        Choice(
            "外省·工作2个月",
            AWAY | {"non_hunan_category": "works", "social_insurance_months": 2},
            household="44",
            valid=False,
        ),
        Choice("外省·居住", AWAY | {"non_hunan_category": "lives"}, household="44", needs=LIVES),
        Choice("外省·无情形", AWAY, household="44", valid=False),
        Choice("曾用名", {"identity_changed": True, "old_name": "李四"}, needs=RENAMED),
        Choice("曾用名=现名", {"identity_changed": True, "old_name": "张三"}, valid=False),
        # R12's old number (rules 3): a first-generation card's 15 digits, and one a digit short
        Choice(
            "原身份证号",
            {"identity_changed": True, "old_id_number": "430104850611007"},
            needs=RENAMED,
        ),
        Choice(
            "原身份证号少一位",
            {"identity_changed": True, "old_id_number": "43010485061100"},
            valid=False,
        ),
    )
}
#: Documents a candidate may try to upload: every one some choice needs, and one none does.
DOCUMENT_POOL = (
    "DIPLOMA",
    "XUEJI_ONLINE_REPORT",
    "NURSING_SECONDARY_DIPLOMA",
    "NURSE_QUALIFICATION_CERT",
    "IN_SERVICE_CERT",
    "NURSING_MEDICINE_DIPLOMA",
    "HUNAN_EMPLOYMENT_CERT",
    "HUNAN_SOCIAL_INSURANCE",
    "HUNAN_RESIDENCE_PERMIT",
    "POLICE_IDENTITY_CHANGE_CERT",
    "POLICE_OFFICER_CARD",
)


def step_of(state: S) -> int:
    return STEPS.index(state) if state in STEPS else len(STEPS)


def shanghai_day(at: datetime) -> str:
    return at.astimezone(SHANGHAI).date().isoformat()


@dataclass
class Chsi:
    status: str = "not_needed"
    tokens: dict[str, tuple[str, datetime]] = field(default_factory=dict)  # kind -> (token, exp)
    used: set[str] = field(default_factory=set)
    retired: set[str] = field(default_factory=set)
    closed: bool = False
    latest: dict[str, str] = field(default_factory=dict)  # kind -> last outcome
    requested_at: datetime | None = None


@dataclass
class Model:
    created: datetime
    closes: datetime
    card_province: str  # "43" or "44": where the ID card's address is
    state: S = S.REGISTERED
    card_read: bool = False
    photo_uploaded: bool = False
    photo_official: bool = False  # a compliant 寸照 was accepted once
    fix_ready: bool = False
    challenge: bool = False
    face_passed: bool = False
    face_fresh: bool = False  # the face check came after the latest photo and ID card
    face_failures: dict[str, int] = field(default_factory=dict)  # Shanghai day -> failures
    proved: bool = False  # the face matched the confirmed card once: the ID number is held firmly
    notice_accepted: bool = False
    choice: Choice | None = None
    chsi: Chsi = field(default_factory=Chsi)
    uploaded: set[str] = field(default_factory=set)
    examiner: str | None = None
    decision: str | None = None
    ticket: str | None = None
    manual_review: bool = False
    reopened: set[S] = field(default_factory=set)  # steps a return reopened
    redone: set[str] = field(default_factory=set)  # a new photo or card voids the face redo
    done_once: set[str] = field(default_factory=set)  # what a candidate ticking boxes sees
    #: a return's form items not answered yet by saving the form again
    answers_wanted: set[str] = field(default_factory=set)

    # --- what the case needs ----------------------------------------------------------------
    def needs(self) -> dict[str, tuple[frozenset[str], ...]]:
        if self.choice is None:
            return {}
        needs = dict(self.choice.needs)
        if self.choice.benke and self.chsi.status == "failed":
            needs |= CHSI_MANUAL
        return needs

    def checklist(self) -> dict[str, bool]:
        return {
            code: any(option <= self.uploaded for option in options)
            for code, options in self.needs().items()
        }

    def complete(self) -> bool:
        return (
            self.choice is not None
            and not (self.choice.benke and self.chsi.status == "pending")
            and all(self.checklist().values())
        )

    def wanted(self, code: str) -> bool:
        return any(code in option for options in self.needs().values() for option in options)

    def valid(self, choice: Choice) -> bool:
        return choice.valid and choice.household == self.card_province

    # --- guards -----------------------------------------------------------------------------
    def open(self, now: datetime) -> bool:
        return now < self.closes

    def at_step(self, minimum: S, now: datetime) -> bool:
        if self.state == S.RETURNED and minimum in self.reopened:
            return True
        return self.state in STEPS and self.open(now) and step_of(self.state) >= step_of(minimum)

    def answering_return(self) -> bool:
        """Returned, or back at its steps by a change made while returned: the return's steps
        are still wanted."""
        return self.state == S.RETURNED or (self.state in STEPS and self.decision == "returned")

    def redo_wanted(self) -> set[str]:
        return {REDO[step] for step in self.reopened} if self.answering_return() else set()

    def first_step_wanted(self) -> S:
        wanted = self.redo_wanted() - self.redone
        if not self.face_fresh:
            wanted.add("face")
        return next((step for step, item in REDO.items() if item in wanted), S.DRAFT)  # in order

    def _redone(self, item: str) -> None:
        if self.answering_return():
            self.redone.add(item)
            self.done_once.add(item)
            if item in ("id_card", "photo"):
                self.redone.discard("face")

    def face_locked(self, now: datetime) -> bool:
        return self.face_failures.get(shanghai_day(now), 0) >= FACE_FAILURES_PER_DAY

    # --- actions: True when allowed (and applied) -------------------------------------------
    def step(self, action: str, arg: object, now: datetime) -> bool:
        return getattr(self, f"_{action}")(arg, now)

    def _verify_phone(self, _arg, _now) -> bool:
        if self.state in FINAL:
            return False
        if self.state == S.REGISTERED:
            self.state = S.ID_PENDING
        return True

    def _wrong_code(self, _arg, _now) -> bool:
        return False

    def _id_card(self, blurry, now) -> bool:
        if blurry or not self.at_step(S.ID_PENDING, now):
            return False
        self.card_read, self.face_fresh = True, False
        self.redone -= {"face", "id_card"}  # a new card: confirmed and face-matched again
        self._back_to(S.ID_PENDING)
        return True

    def _confirm(self, corrected, now) -> bool:
        if corrected == "other-number" or not self.card_read or not self.at_step(S.ID_PENDING, now):
            return False
        self.manual_review = self.manual_review or corrected == "corrected"
        self._redone("id_card")
        if self.state == S.ID_PENDING and self.photo_official:  # redone later: the 寸照 stands
            self.face_passed = False
            self.state = S.FACE_PENDING
        elif self.state == S.ID_PENDING:
            self.state = S.PHOTO_PENDING
        return True

    def _photo(self, bad, now) -> bool:
        if not self.at_step(S.PHOTO_PENDING, now):
            return False
        self.photo_uploaded, self.fix_ready = True, False  # the report is kept either way
        if bad:
            return False
        self._new_photo()
        return True

    def _fix_photo(self, _arg, now) -> bool:
        if not (self.photo_uploaded and self.at_step(S.PHOTO_PENDING, now)):
            return False
        self.fix_ready = True
        return True

    def _accept_fix(self, _arg, now) -> bool:
        if not (self.fix_ready and self.at_step(S.PHOTO_PENDING, now)):
            return False
        self.fix_ready = False
        self._new_photo()
        return True

    def _new_photo(self) -> None:
        """A new official photo needs a new face check (from the photo step or any later)."""
        self.face_passed = self.face_fresh = False
        self.photo_official = True
        self._redone("photo")
        if self.state != S.RETURNED:
            self.state = S.FACE_PENDING

    def _start_liveness(self, _arg, now) -> bool:
        if not self.at_step(S.FACE_PENDING, now) or self.face_locked(now):
            return False
        self.challenge = True
        return True

    def _liveness(self, stranger, now) -> bool:
        if not (self.challenge and self.at_step(S.FACE_PENDING, now)) or self.face_locked(now):
            return False
        self.challenge = False
        if stranger:  # refused, recorded; never onward unverified
            day = shanghai_day(now)
            self.face_failures[day] = self.face_failures.get(day, 0) + 1
            return False
        self._face_passed()
        return True

    def _on_site(self, _examiner, _now) -> bool:
        """Staff saw the candidate in person: one stuck at the face step, or asked to redo it."""
        if not (self.state == S.FACE_PENDING or S.FACE_PENDING in self.redo_reopened()):
            return False
        self.manual_review = True
        self.challenge = False
        self._face_passed()
        return True

    def redo_reopened(self) -> set[S]:
        return self.reopened if self.state == S.RETURNED else set()

    def _face_passed(self) -> None:
        self.face_passed = self.face_fresh = self.proved = True
        self._redone("face")
        if self.state == S.FACE_PENDING:  # past the notice where it was accepted before
            self.state = S.DRAFT if self.notice_accepted else S.NOTICE_PENDING

    def _taken_over(self, _claimant, _now) -> bool:
        """Another phone's application of the number passed the ID card and face checks and
        asks this one to yield: only one that never proved possession does, and it ends."""
        if not self.proved and self.state not in FINAL:
            self.state = S.SUPERSEDED
            self.challenge = False
        return True

    def _notice(self, _arg, now) -> bool:
        if not self.at_step(S.NOTICE_PENDING, now):
            return False
        self.notice_accepted = True
        if self.state == S.NOTICE_PENDING:
            self.state = S.DRAFT
        return True

    def _save_form(self, name, now) -> bool:
        choice = CHOICES[name]
        if not (self.at_step(S.DRAFT, now) and self.valid(choice)):
            return False
        self._choose(choice)
        return True

    def _choose(self, choice: Choice) -> None:
        self.choice = choice
        if not choice.benke:
            if self.chsi.status != "verified":  # CHSI's record is the candidate's, kept
                self.chsi.status = "not_needed"
        elif self.chsi.status == "not_needed":
            self.chsi.status, self.chsi.requested_at = "pending", None  # codes asked from now

    def _modify(self, name, now) -> bool:
        choice = CHOICES[name]
        if self.state not in (S.DRAFT, S.SUBMITTED, S.RETURNED) or not self.valid(choice):
            return False
        before = (self.choice, self.chsi.status)
        self._choose(choice)
        if self.state != S.DRAFT and not self.complete():
            if not self.open(now):  # too late to gather more: the change is refused
                self.choice, self.chsi.status = before
                return False
            # back to the candidate until it is complete again: a returned case at the first
            # step its return still waits for (the card, the 寸照, the face), else at DRAFT
            self.state = self.first_step_wanted() if self.state == S.RETURNED else S.DRAFT
        if self.answering_return():
            self.answers_wanted.clear()  # the form saved again answers the return's form items
        return True

    def _chsi_codes(self, _arg, now) -> bool:
        if not (self.at_step(S.DRAFT, now) and self.chsi.status == "pending"):
            return False
        for kind in ("xueji", "xueli"):
            if kind in self.chsi.tokens:
                self.chsi.retired.add(self.chsi.tokens[kind][0])
            self.chsi.tokens[kind] = ("?", now + CHSI_TOKEN_TTL)  # the token is learnt later
        self.chsi.requested_at = now
        self.chsi.closed = False  # new codes of a pending step count, whatever closed it before
        return True

    def _chsi_failed(self, _arg, now) -> bool:
        if not (self.at_step(S.DRAFT, now) and self.chsi.status == "pending"):
            return False
        self.chsi.status, self.chsi.closed = "failed", True
        return True

    def _chsi_callback(self, arg, now) -> bool:
        """`arg`: (kind, outcome, token). Each code keeps its own result; a record of either
        kind verifies the step; both codes without a record open the manual path."""
        kind, outcome, token = arg
        current = {t for t, _ in self.chsi.tokens.values()}
        if token in self.chsi.retired or token in self.chsi.used or token not in current:
            return False
        if now >= dict(self.chsi.tokens.values())[token]:
            return False
        self.chsi.used.add(token)
        self.chsi.latest[kind] = outcome
        if self.chsi.closed:
            return True  # late: noted for the examiner, no step changes
        if outcome == "verified":
            self.chsi.status, self.chsi.closed = "verified", True
        elif all(self.chsi.latest.get(k, "verified") != "verified" for k in ("xueji", "xueli")):
            self.chsi.status, self.chsi.closed = "failed", True
        return True

    def _upload(self, code, _now) -> bool:
        if self.state not in (S.DRAFT, S.SUBMITTED, S.RETURNED) or not self.wanted(code):
            return False
        self.uploaded.add(code)
        return True

    def _submit(self, _arg, now) -> bool:
        if not (self.state == S.RETURNED or (self.state == S.DRAFT and self.open(now))):
            return False
        if not self.complete() or not self.redo_wanted() <= self.redone or not self.face_fresh:
            return False
        if self.answering_return() and self.answers_wanted:
            return False
        self.state = S.SUBMITTED
        return True

    def _withdraw(self, _arg, _now) -> bool:
        if self.state not in (*STEPS, S.SUBMITTED, S.RETURNED):
            return False
        self.state = S.WITHDRAWN
        return True

    def _claim(self, examiner, _now) -> bool:
        if self.state == S.SUBMITTED and self.complete():
            self.state, self.examiner = S.UNDER_REVIEW, examiner
            return True
        return self.state == S.UNDER_REVIEW and self.examiner == examiner

    def _approve(self, arg, _now) -> bool:
        examiner, override = arg
        if not self._holds(examiner) or not (self.complete() or override):
            return False
        self._decided(S.APPROVED)
        return True

    def _reject(self, arg, _now) -> bool:
        examiner, reason = arg
        if not (self._holds(examiner) and reason):
            return False
        self._decided(S.REJECTED)
        return True

    def _return(self, arg, _now) -> bool:
        """`arg`: (examiner, item named with its reason or None). The form's fields and the
        steps of REOPENS are things a candidate can act on."""
        examiner, item = arg
        if not (self._holds(examiner) and item) or not (
            item in REOPENS or item.startswith("form.")
        ):
            return False
        self._decided(S.RETURNED)
        self.reopened = set(REOPENS.get(item, ()))
        self.answers_wanted = set() if item in REOPENS else {item}
        return True

    def _decided(self, state: S) -> None:
        self.state, self.decision = state, state.value.lower()
        self.reopened, self.redone, self.done_once = set(), set(), set()
        self.answers_wanted = set()

    def _holds(self, examiner: str) -> bool:
        return self.state == S.UNDER_REVIEW and self.examiner == examiner

    def ticket_delivered(self, number: str) -> None:
        if self.state == S.APPROVED and self.ticket is None:
            self.state, self.ticket = S.TICKET_ISSUED, number

    def _back_to(self, state: S) -> None:
        if self.state != S.RETURNED and step_of(self.state) > step_of(state):
            self.state = state

    # --- the clock --------------------------------------------------------------------------
    def deadlines(self) -> list[tuple[datetime, str]]:
        found = []
        if self.state == S.REGISTERED:
            found.append((self.created + PHONE_DEADLINE, "expire"))
        if (
            self.state in STEPS
            and step_of(self.state) <= step_of(S.FACE_PENDING)
            and not self.proved
        ):
            found.append((self.created + FACE_DEADLINE, "expire"))  # never verified: abandoned
        if self.state in STEPS:
            found.append((self.closes, "expire"))
        if self.chsi.status == "pending" and self.chsi.requested_at:
            found.append((self.chsi.requested_at + CHSI_SILENCE, "chsi"))
        return sorted(found)

    def advance(self, now: datetime) -> None:
        """Every deadline passed by `now`, in time order."""
        while self.state not in FINAL:
            due = [(at, what) for at, what in self.deadlines() if at <= now]
            if not due:
                return
            if due[0][1] == "chsi":
                self.chsi.status, self.chsi.closed = "failed", True
            else:
                self.state = S.EXPIRED

    def next_deadline(self) -> datetime | None:
        found = self.deadlines()
        return found[0][0] if found else None
