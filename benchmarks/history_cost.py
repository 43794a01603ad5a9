"""Events and billable actions of recorded histories: what a workflow shape costs the server.

Actions follow Temporal Cloud's list (docs.temporal.io/cloud/actions), estimated from history
events: a start, an accepted update, a signal, a timer started, an activity scheduled, a search
attribute upsert each count one; local activities count one per workflow task that ran any (a
patch marker is not an action). Queries and rejected updates leave no event and are not counted.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from temporalio.api.enums.v1 import EventType
from temporalio.api.history.v1 import HistoryEvent

ONE_ACTION_EACH = frozenset(
    {
        EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED,
        EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED,
        EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED,
        EventType.EVENT_TYPE_TIMER_STARTED,
        EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED,
        EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES,
        EventType.EVENT_TYPE_WORKFLOW_PROPERTIES_MODIFIED,
    }
)
LOCAL_ACTIVITY_MARKER = "core_local_activity"


def actions(events: Iterable[HistoryEvent]) -> int:
    count, tasks_with_local = 0, set()
    task = 0
    for event in events:
        if event.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
            task = event.event_id
        elif event.event_type == EventType.EVENT_TYPE_MARKER_RECORDED:
            if event.marker_recorded_event_attributes.marker_name == LOCAL_ACTIVITY_MARKER:
                tasks_with_local.add(task)
        if event.event_type in ONE_ACTION_EACH:
            count += 1
    return count + len(tasks_with_local)


def event_types(events: Iterable[HistoryEvent]) -> Counter[str]:
    return Counter(EventType.Name(e.event_type).removeprefix("EVENT_TYPE_") for e in events)
