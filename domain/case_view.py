"""What others see of a case: the candidate's masked view, the read model's snapshot, the search
attributes operators filter by and the Web UI's summary. Pure functions of the case state, so
the workflow's query, its projection and its search attributes can never disagree."""

from __future__ import annotations

from typing import Any

from temporalio.common import SearchAttributePair, TypedSearchAttributes

from domain import search
from domain.attachments import ChecklistItem, ChsiResult, checklist
from domain.case_completeness import uploaded_codes
from domain.case_rules import return_pending
from domain.case_steps import answering_return, level_of, photo_kept
from domain.chsi import scans_on_screen
from domain.enrollment import ApplicationView, EnrollmentInput, EnrollmentState, Review
from domain.masking import mask_id_number, mask_name, mask_phone
from domain.messages import (
    EXPIRED_AFTER_REOPENING,
    EXPIRY_REASONS,
    TICKET_AFTER_DEADLINE,
    TICKET_AT_DEADLINE,
)
from domain.read_model import ApplicationSnapshot, AuditEntry, DocumentEntry
from domain.requirements import attachment_plan
from domain.states import EDITABLE_AFTER_SUBMIT, PRE_SUBMIT, STATE_LABELS, AppState


def required_attachments(case: EnrollmentState) -> list[ChecklistItem]:
    if case.form is None:
        return []
    return checklist(attachment_plan(case.form, case.chsi.status), uploaded_codes(case))


def candidate_view(params: EnrollmentInput, case: EnrollmentState) -> ApplicationView:
    """Personal data masked: this is also what the Web UI's query shows operators."""
    card = case.id_card.confirmed or case.id_card.ocr
    masked_card = (
        card.model_copy(
            update={
                "name": mask_name(card.name),
                "id_number": mask_id_number(card.id_number),
                "address": "",
            }
        )
        if card
        else None
    )
    return ApplicationView(
        application_id=params.application_id,
        period_id=params.period_id,
        state=case.state,
        state_label=STATE_LABELS[case.state],
        name=mask_name(card.name) if card else "",
        id_number=mask_id_number(params.identity.id_number),
        phone=mask_phone(params.identity.phone),
        id_card=masked_card,
        id_card_flags=case.id_card.flags,
        photo_report=case.photo.last_report,
        photo_kept=photo_kept(case),
        liveness_challenge=case.face.challenge,
        face_passed=case.face.passed,
        form=case.form,
        chsi_status=case.chsi.status,
        chsi_codes=case.chsi.codes if case.chsi.status == ChsiResult.PENDING else [],
        chsi_scans=scans_on_screen(case.chsi.qr, case.chsi.outcomes)
        if case.chsi.status == ChsiResult.PENDING
        else [],
        chsi_records=case.chsi.records,
        required_attachments=required_attachments(case),
        uploaded_attachments=sorted(case.attachments),
        submitted_at=case.submitted_at,
        review=review_for_candidate(case.review),
        return_pending=return_pending(case),
        answering_return=answering_return(case),
        ticket_number=case.ticket_number,
        ticket_note=ticket_note(case),
        needs_manual_review=case.needs_manual_review,
        editable=case.state in (*PRE_SUBMIT, *EDITABLE_AFTER_SUBMIT),
        closed_reason=case.closed_reason or expiry_reason(case),
    )


def review_for_candidate(review: Review) -> Review:
    """The review as the candidate reads it: the decision, its items and reasons, without the
    staff account that holds or decided the case and the note an examiner wrote when approving an
    incomplete case. Staff read both from the case file (the console's case page)."""
    return review.model_copy(update={"examiner": None, "override_reason": ""})


def ticket_note(case: EnrollmentState) -> str:
    if case.state != AppState.APPROVED:
        return ""
    return TICKET_AFTER_DEADLINE if case.review.after_deadline else TICKET_AT_DEADLINE


def expiry_reason(case: EnrollmentState) -> str:
    """A case its own deadline ended says why (the window closed before it was submitted…),
    read from the action that ended it, so cases ended before this was shown say it too."""
    if case.state != AppState.EXPIRED or not case.history:
        return ""
    ended_by = case.history[-1][2]
    if ended_by == "expired:window_closed" and case.submitted_at is not None:
        return EXPIRED_AFTER_REOPENING
    return EXPIRY_REASONS.get(ended_by, "")


def documents(case: EnrollmentState) -> list[DocumentEntry]:
    """Every stored file of the case, for the examiner and for retention."""
    found = [
        DocumentEntry(kind=kind, file=obj)
        for kind, obj in (
            ("id_front", case.id_card.front),
            ("id_back", case.id_card.back),
            ("id_portrait", case.id_card.portrait),
            ("photo", case.photo.official),
            ("photo_original", case.photo.original),
            ("face_frame", case.face.best_frame),
        )
        if obj
    ]
    for code, files in case.attachments.items():
        found += [DocumentEntry(kind=f"attachment:{code}", file=f) for f in files]
    return found


def snapshot(
    params: EnrollmentInput, case: EnrollmentState, audit_from: int
) -> ApplicationSnapshot:
    """The read model's copy; `audit_from` is how many history entries are projected already.
    Every commit adds one version and one history entry, so the run's first entry is numbered
    from where its versions began (`start_memo`'s `numbered_from`, 0 for most)."""
    form = case.form
    numbered_from = case.version - len(case.history)
    level = level_of(case)
    name = case.id_card.confirmed.name if case.id_card.confirmed else ""
    audit = [
        AuditEntry(
            seq=numbered_from + i + 1,
            at=at,
            actor=actor,
            action=action,
            update_id=case.update_ids.get(i + 1, ""),
        )
        for i, (at, actor, action) in enumerate(case.history)
        if i >= audit_from
    ]
    return ApplicationSnapshot(
        workflow_id=params.application_id,
        period_id=params.period_id,
        version=case.version,
        status=case.state,
        identity_hash=params.identity_hash,
        phone_hash=params.phone_hash,
        id_masked=mask_id_number(params.identity.id_number),
        phone_masked=mask_phone(params.identity.phone),
        name_masked=mask_name(name),
        id_number=params.identity.id_number,
        name=name,
        region=form.region if form else None,
        major=form.major if form else None,
        level=level,
        submitted_at=case.submitted_at,
        needs_manual_review=case.needs_manual_review,
        claimed_by=case.review.examiner if case.state in HELD_OR_DECIDED else None,
        decision=case.review.decision,
        ticket_number=case.ticket_number,
        audit=audit,
        documents=documents(case),
    )


def search_values(period_id: str, case: EnrollmentState) -> dict[Any, Any]:
    """Search-attribute key -> value; None for what is not known yet (never upserted). The shape
    of runs recorded before the lean shape (workflows/shape.py): every step is published."""
    form = case.form
    level = level_of(case)
    return {
        search.STATUS: case.state.value,
        search.PERIOD: period_id,
        search.NEEDS_MANUAL_REVIEW: case.needs_manual_review,
        search.REGION: form.region if form else None,
        search.MAJOR: form.major if form else None,
        search.LEVEL: level.value if level else None,
        search.SUBMITTED_AT: case.submitted_at,
    }


def milestone_search_values(period_id: str, case: EnrollmentState) -> dict[Any, Any]:
    """Search attributes at the milestones operators filter on. Before submission every step is
    `APPLYING` and nothing else is published: the step itself is in the run's details and the
    office's case view, and each upsert is a history event and a visibility write."""
    if case.state in PRE_SUBMIT:
        return {search.STATUS: search.APPLYING, search.PERIOD: period_id}
    return search_values(period_id, case)


def start_search_values(period_id: str) -> dict[Any, Any]:
    """What is known when a case starts: given with the start, so the first task upserts nothing."""
    return {search.STATUS: search.APPLYING, search.PERIOD: period_id}


#: Where the case's examiner is the one who holds or decided it. A case returned and submitted
#: again waits for any examiner, so the read model shows nobody holding it (the queue's 「我」 /
#: 「其他审核员」 and the office's `mine` filter read this).
HELD_OR_DECIDED = frozenset(
    {
        AppState.UNDER_REVIEW,
        AppState.RETURNED,
        AppState.APPROVED,
        AppState.REJECTED,
        AppState.TICKET_ISSUED,
    }
)

#: The memo key naming the shape a case was started in (workflows/shape.py). Given with the start,
#: so the run learns its shape without a patch marker (and the TemporalChangeVersion upsert the
#: SDK adds to every marker).
SHAPE_MEMO_KEY = "ruji_shape"
#: Given with a start where an ended application stood: its last version in the read model. In
#: the memo, not the input, so the input the caller proof covers is unchanged (docs/decisions.md).
NUMBERED_FROM_MEMO_KEY = "ruji_numbered_from"
#: 2: the liveness challenge comes with the accepted photo, the notice with the first form save.
#: 3: a decision's read-model write and its SMS in one local activity (workflows/shape.py).
CURRENT_SHAPE = 3
#: The memo key naming the rules a case was started under, where a rule's outcome changed for a
#: case it already judged (a patch marker would cost each run an event; recorded runs keep theirs)
RULES_MEMO_KEY = "ruji_rules"
#: 1: an HMT residence permit's household is Hong Kong, Macao or Taiwan, as its number says
#: (domain/case_completeness.household_on_card), not the mainland address printed on it
HOUSEHOLD_BY_PERMIT = 1
#: 2: a step redone from a later one asks again only for what it voided (domain/case_steps.py)
LATER_STEPS_KEPT = 2
#: 3: R12's old ID number must be well formed (domain/identity.old_id_number_problem)
OLD_ID_NUMBER_CHECKED = 3
CURRENT_RULES = OLD_ID_NUMBER_CHECKED


def start_memo(
    numbered_from: int = 0, shape: int = CURRENT_SHAPE, rules: int = CURRENT_RULES
) -> dict[str, int]:
    """`numbered_from`: the version the read model holds for the workflow ID, where an ended
    application stood (withdrawn, expired): the new run numbers its commits on from there.
    `shape`, `rules`: earlier ones, for tests that record or replay runs started under them."""
    memo = {SHAPE_MEMO_KEY: shape, RULES_MEMO_KEY: rules}
    if numbered_from:
        memo[NUMBERED_FROM_MEMO_KEY] = numbered_from
    return memo


def start_search_attributes(period_id: str) -> TypedSearchAttributes:
    return TypedSearchAttributes(
        [SearchAttributePair(k, v) for k, v in start_search_values(period_id).items()]
    )


def projection_due(projected: AppState | None, case: EnrollmentState) -> bool:
    """Whether a commit must reach the read model now (lean shape). Before submission its readers
    (the candidate's and the office's lookups, identity holdings) need the state only, so a
    step that keeps it waits for the next change; the audit rows and documents ride along then.
    From submission on, every change is the office's business."""
    return case.state != projected or case.state not in PRE_SUBMIT


def details_markdown(period_id: str, case: EnrollmentState) -> str:
    """The Web UI's "current details" of the run: state and the last action, no personal data."""
    lines = [f"**{STATE_LABELS[case.state]}** (`{case.state.value}`)", f"- 考期: {period_id}"]
    if case.form:
        lines.append(f"- 地区/专业: {case.form.region} / {case.form.major}")
    if case.chsi.status != ChsiResult.NOT_NEEDED:
        lines.append(f"- 学信网: {case.chsi.status.value}")
    if case.needs_manual_review:
        lines.append("- 需人工审核")
    if case.review.decision:
        lines.append(f"- 审核: {case.review.decision.value} by {case.review.examiner}")
    if case.ticket_number:
        lines.append(f"- 准考证号: {case.ticket_number}")
    if case.history:
        at, actor, action = case.history[-1]
        lines.append(f"- 最近: {action} ({actor}, {at:%Y-%m-%d %H:%M})")
    return "\n".join(lines)
