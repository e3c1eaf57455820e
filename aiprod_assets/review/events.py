"""The job's review events in the store: written once each, read back in time order."""

from __future__ import annotations

from aiprod_assets.canonical import pretty_json
from aiprod_assets.layout import (
    CorruptRecord,
    Store,
    inbox_key,
    read_record,
    review_event_key,
    review_events_prefix,
)
from aiprod_assets.review.records import ACTION_KINDS, ReviewEvent


def write_event(store: Store, event: ReviewEvent) -> ReviewEvent:
    store.put_bytes(review_event_key(event.job_id, event.event_id), pretty_json(event).encode("utf-8"))
    if event.kind in ACTION_KINDS:
        store.put_bytes(inbox_key(event.event_id, event.job_id), b"{}")
    return event


def read_events(store: Store, job_id: str, after: str = "") -> list[ReviewEvent]:
    """Every event of the job in the order written (ids sort by time); those after key ``after`` only."""
    events = []
    for key in store.list_keys(review_events_prefix(job_id)):
        if not key.endswith(".json") or key <= after:
            continue
        try:
            event = read_record(store, key, ReviewEvent)
        except CorruptRecord:
            continue  # set aside by read_record; an event nobody can read decides nothing
        if event is not None:
            events.append(event)
    return events
