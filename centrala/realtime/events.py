"""Event types pushed over the websocket, and the payload each one carries.

Browsers receive {"type": ..., "payload": {...}}. Adding an event means adding it here; publish()
refuses an unknown type or a payload missing a documented key, so the schema stays true.
"""

EVENT_SCHEMAS = {
    # A new item in the recipient's bell.
    "notification.created": {"id", "title", "body", "url", "created_at", "unread_count"},
    # The recipient's unread count changed (marked read elsewhere, e.g. in another tab).
    "notification.unread": {"unread_count"},
    # A user's presence status changed; sent to supervisors and to the user's own other tabs.
    "presence.changed": {"user_id", "status_id", "status_name", "kind", "since"},
    # A case was created or saved; sent to the campaign's agents and teams and to supervisors.
    # Cards showing that case offer a refresh when `version` is newer than theirs.
    "case.created": {"case_id", "version", "changed", "by_user_id", "by_name"},
    "case.updated": {"case_id", "version", "changed", "by_user_id", "by_name"},
    # Many cases changed at once by a bulk action (BULK-01): cases is [[case_id, version], ...]
    # (at most one chunk of a job per event); pages treat each pair like a case.updated.
    "cases.bulk_updated": {"cases", "changed", "by_user_id", "by_name"},
    # A case's timeline changed (change: created, edited, moved_in, moved_out); same audience.
    "activity.changed": {"case_id", "activity_id", "kind", "change", "by_user_id"},
    # Who has a case card open right now (CASE-11): viewers is [{user_id, name}], each user once,
    # the first to open it first. Sent by the consumer (not publish()) to the sockets watching the
    # case, after each start or stop of watching and in answer to a card's heartbeat.
    "case.viewers": {"case_id", "viewers"},
    # A manager edited a form (FRM-02); sent to the case audience of every campaign using it.
    # Cards showing that form offer a refresh when `version` is newer than theirs.
    "form.changed": {"form_id", "version"},
    # Dealership traffic (DLR-02..04) was registered, taken, processed or ignored (change: registered,
    # taken, processed, ignored, case); sent to the desk (receptionists), supervisors, the goal's
    # specialists, the chosen employee and the taker. Pages re-read what they show of it.
    "traffic.changed": {"traffic_id", "state", "change", "taken_by_id", "taken_by_name", "by_user_id"},
}


# Sent by the consumer itself, not through publish(): "hello" {user_id} when a socket is accepted,
# "pong" {} in answer to a ping, "error" {message} for a refused client message, and
# "access.changed" {} after the user's role or teams changed and the socket rejoined its groups.
#
# What clients may send: {"type": "ping"}; {"type": "case.watch", "case_id": N} when a case card
# is open (repeated every minute as a heartbeat) and {"type": "case.unwatch", "case_id": N} when
# it closes. Watching a case the user may not see, or a case_id that is not a JSON integer, gets
# "error" and has no other effect.


class UnknownEvent(ValueError):
    pass


def validate_event(event_type, payload):
    try:
        keys = EVENT_SCHEMAS[event_type]
    except KeyError:
        raise UnknownEvent(f"unknown event type {event_type!r}") from None
    missing = keys - set(payload)
    if missing:
        raise UnknownEvent(f"{event_type} payload lacks {sorted(missing)}")
