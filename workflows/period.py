"""EnrollmentPeriodWorkflow: one enrollment window — opens, closes, and at the review deadline
issues admission-ticket numbers to every approved application.

Issuing is a coordinator: an activity numbers a page of approved applications in one DB
transaction, another tells their workflows with bounded concurrency; no timer per application.
Operators move the deadline with an update and start supplementary runs for late approvals.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.closeout import (
        CLOSE_OUT_CASES,
        TELL_WINDOW_CLOSED,
        CloseOutInput,
        CloseOutResult,
        WindowClosedInput,
    )
    from domain.errors import refuse
    from domain.messages import CaseRefusal, PeriodRefusal
    from domain.period import (
        DeadlineChange,
        PeriodInput,
        PeriodPhase,
        PeriodView,
        WindowChange,
    )
    from domain.read_model import UPSERT_PERIOD, PeriodSnapshot
    from domain.tickets import (
        DELIVER_TICKETS,
        NUMBER_TICKET_PAGE,
        DeliverTicketsInput,
        NumberPageInput,
        NumberPageResult,
    )
    from workflows.support import PROJECTION_RETRY, PROJECTION_TIMEOUT, answers_refusals

ISSUE_PAGE_SIZE = 500
DELIVERY_CONCURRENCY = 50
#: One page is numbered in one short transaction; a dead worker is noticed after this, not later.
NUMBERING_TIMEOUT = timedelta(seconds=60)
#: Delivery signals 500 workflows; it heartbeats as it goes, so a dead worker shows in 30 s.
DELIVERY_TIMEOUT = timedelta(minutes=5)
DELIVERY_HEARTBEAT = timedelta(seconds=30)
#: Signals every case still open (thousands at most), heartbeating per page like the delivery.
CLOSE_OUT_TIMEOUT = timedelta(minutes=30)
#: Runs recorded before the close-out wait without its timer (workflow.patched).
CLOSE_OUT_PATCH = "period-close-out"
#: A window shortened while open is told to the cases started before (asked only then).
TELL_SHORTENED_WINDOW = "tell-shortened-window"
#: A period created with its opening time already past starts open: its first projection says
#: so, and the admin's list (read at once after the creation) shows it open. Runs recorded before
#: projected SCHEDULED first and opened a moment later, which the list did not show until reloaded.
OPEN_AT_START = "period-open-at-start"


@workflow.defn
class EnrollmentPeriodWorkflow:
    @workflow.init
    def __init__(self, inp: PeriodInput) -> None:
        self.config = inp.config
        self.period = inp.state
        # Not in PeriodState: a field added to a start's input changes the digest its caller
        # proof is checked against, and runs started before would fail the check on replay.
        # A run continues as new only after its window closed, so the flag needs no carrying.
        self.window_shortened = False

    @workflow.run
    async def run(self, inp: PeriodInput) -> PeriodView:
        opened = (
            self.period.state == PeriodPhase.SCHEDULED and workflow.now() >= self.config.opens_at
        )
        if opened and workflow.patched(OPEN_AT_START):
            self.period.state = PeriodPhase.OPEN
        await self._project()
        await self._wait_until(lambda: self.config.opens_at, PeriodPhase.OPEN)
        await self._wait_until(lambda: self.config.closes_at, PeriodPhase.CLOSED)
        if self.window_shortened and workflow.patched(TELL_SHORTENED_WINDOW):
            await self._tell_window_closed()
        if self.period.state == PeriodPhase.CLOSED:
            await self._wait_until(lambda: self.config.review_deadline, PeriodPhase.ISSUING)
        if self.period.state == PeriodPhase.ISSUING:
            await self._issue()
        # Stay reachable for supplementary runs of applications approved after the deadline,
        # and close out what is still open `close_out_after` the deadline.
        while True:
            seen = self.period.supplementary_requests
            try:
                await workflow.wait_condition(
                    lambda: (
                        self.period.supplementary_requests != seen  # noqa: B023 - awaited here
                        or workflow.info().is_continue_as_new_suggested()
                    ),
                    timeout=self._until_close_out(),
                )
            except TimeoutError:
                await self._close_out()
                continue
            if self.period.supplementary_requests != seen:
                await self._issue()
            if workflow.info().is_continue_as_new_suggested():
                await workflow.wait_condition(workflow.all_handlers_finished)
                workflow.continue_as_new(PeriodInput(config=self.config, state=self.period))

    async def _wait_until(self, when: Callable[[], datetime], next_state: PeriodPhase) -> None:
        """Sleep until `when()`, which an update may move; then enter `next_state`."""
        order = list(PeriodPhase)
        if order.index(self.period.state) >= order.index(next_state):
            return
        while workflow.now() < when():
            target = when()
            try:
                await workflow.wait_condition(
                    lambda: when() != target,  # noqa: B023 - awaited in this pass
                    timeout=target - workflow.now(),
                )
            except TimeoutError:
                break
        self.period.state = next_state
        await self._project()

    async def _issue(self) -> None:
        self.period.state = PeriodPhase.ISSUING
        self.period.runs += 1
        await self._project()
        while True:
            page: NumberPageResult = await workflow.execute_activity(
                NUMBER_TICKET_PAGE,
                NumberPageInput(
                    period_id=self.config.period_id,
                    year=self.config.year,
                    window=self.config.window,
                    page_size=ISSUE_PAGE_SIZE,
                ),
                result_type=NumberPageResult,
                start_to_close_timeout=NUMBERING_TIMEOUT,
            )
            if not page.grants:
                break
            await workflow.execute_activity(
                DELIVER_TICKETS,
                DeliverTicketsInput(grants=page.grants, concurrency=DELIVERY_CONCURRENCY),
                start_to_close_timeout=DELIVERY_TIMEOUT,
                heartbeat_timeout=DELIVERY_HEARTBEAT,
            )
            self.period.issued += len(page.grants)
            if workflow.info().is_continue_as_new_suggested():
                await workflow.wait_condition(workflow.all_handlers_finished)
                self.period.supplementary_requests += 1  # resume issuing in the next run
                workflow.continue_as_new(PeriodInput(config=self.config, state=self.period))
        self.period.state = PeriodPhase.ISSUED
        await self._project()

    async def _tell_window_closed(self) -> None:
        """The window closed earlier than the cases started before were told at their start:
        each takes this close (its deadline passes now, a late change is refused)."""
        told: CloseOutResult = await workflow.execute_activity(
            TELL_WINDOW_CLOSED,
            WindowClosedInput(period_id=self.config.period_id, closes_at=self.config.closes_at),
            result_type=CloseOutResult,
            start_to_close_timeout=CLOSE_OUT_TIMEOUT,
            heartbeat_timeout=DELIVERY_HEARTBEAT,
        )
        self.window_shortened = False
        workflow.logger.info("window close told to %d cases", told.signalled)

    def _until_close_out(self) -> timedelta | None:
        """None (no timer) once closed out, and in runs recorded before the close-out existed."""
        if self.period.closed_out or not workflow.patched(CLOSE_OUT_PATCH):
            return None
        return max(self.config.close_out_at - workflow.now(), timedelta(seconds=1))

    async def _close_out(self) -> None:
        result: CloseOutResult = await workflow.execute_activity(
            CLOSE_OUT_CASES,
            CloseOutInput(period_id=self.config.period_id),
            result_type=CloseOutResult,
            start_to_close_timeout=CLOSE_OUT_TIMEOUT,
            heartbeat_timeout=DELIVERY_HEARTBEAT,
        )
        self.period.closed_out, self.period.closed_out_cases = True, result.signalled
        await self._project()

    async def _project(self) -> None:
        await workflow.execute_local_activity(
            UPSERT_PERIOD,
            PeriodSnapshot(
                period_id=self.config.period_id,
                year=self.config.year,
                window=self.config.window,
                opens_at=self.config.opens_at,
                closes_at=self.config.closes_at,
                review_deadline=self.config.review_deadline,
                state=self.period.state,
                close_out_after=self.config.close_out_after,
            ),
            start_to_close_timeout=PROJECTION_TIMEOUT,
            retry_policy=PROJECTION_RETRY,
        )
        workflow.set_current_details(
            f"**{self.period.state}** · 开放 {self.config.opens_at:%Y-%m-%d %H:%M} · "
            f"截止 {self.config.closes_at:%Y-%m-%d %H:%M} · "
            f"审核截止 {self.config.review_deadline:%Y-%m-%d %H:%M}"
            f" · 已发准考证号 {self.period.issued}"
            + (
                f" · 已关闭未完成申请 {self.period.closed_out_cases}"
                if self.period.closed_out
                else ""
            )
        )

    # --- operator messages ----------------------------------------------------------------------
    @workflow.update
    async def set_review_deadline(self, change: DeadlineChange) -> PeriodView:
        self.config = self.config.model_copy(update={"review_deadline": change.review_deadline})
        await self._project()
        return self.view()

    @set_review_deadline.validator
    @answers_refusals
    def _validate_deadline(self, change: DeadlineChange) -> None:
        if self.period.state in (PeriodPhase.ISSUING, PeriodPhase.ISSUED):
            raise refuse(PeriodRefusal.DEADLINE_INVALID, "准考证号已开始生成，请使用补充生成")
        if change.review_deadline < self.config.closes_at:
            raise refuse(PeriodRefusal.DEADLINE_INVALID, "审核截止时间不能早于入籍截止时间")

    @workflow.update
    async def set_window(self, change: WindowChange) -> PeriodView:
        if change.closes_at and change.closes_at < self.config.closes_at:
            self.window_shortened = True  # told to the cases when the window closes
        self.config = self.config.model_copy(update=change.model_dump(exclude_none=True))
        await self._project()
        return self.view()

    @set_window.validator
    @answers_refusals
    def _validate_window(self, change: WindowChange) -> None:
        opens = change.opens_at or self.config.opens_at
        closes = change.closes_at or self.config.closes_at
        if not opens < closes <= self.config.review_deadline:
            raise refuse(
                PeriodRefusal.DEADLINE_INVALID, "须满足 开放时间 < 截止时间 ≤ 审核截止时间"
            )
        if self.period.state not in (PeriodPhase.SCHEDULED, PeriodPhase.OPEN):
            raise refuse(PeriodRefusal.DEADLINE_INVALID, "入籍已截止，不能再调整开放时间")

    @workflow.update
    async def start_supplementary_issuing(self) -> PeriodView:
        self.period.supplementary_requests += 1
        return self.view()

    @start_supplementary_issuing.validator
    @answers_refusals
    def _validate_supplementary(self) -> None:
        if self.period.state == PeriodPhase.ISSUING:  # the deadline is past: say what is on
            raise refuse(CaseRefusal.WRONG_STATE, "正在生成准考证号，请在本次生成完成后再补充生成")
        if self.period.state != PeriodPhase.ISSUED:
            raise refuse(CaseRefusal.WRONG_STATE, "审核截止后方可补充生成准考证号")

    @workflow.query
    def view(self) -> PeriodView:
        return PeriodView(config=self.config, state=self.period)
