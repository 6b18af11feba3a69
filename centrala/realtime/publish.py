"""The only way anything is pushed to browsers.

publish() chooses recipients explicitly (users, teams, roles) and sends after the surrounding
transaction commits, so nobody is told about a change that was rolled back. Sending an event to
the wrong people is a security bug: there is no "everyone" shortcut.
"""

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from .events import validate_event

log = logging.getLogger(__name__)


def user_group(user_id):
    return f"user.{user_id}"


def team_group(team_id):
    return f"team.{team_id}"


def role_group(role):
    return f"role.{role}"


def _groups(users, teams, roles):
    groups = {user_group(getattr(u, "pk", u)) for u in users}
    groups |= {team_group(getattr(t, "pk", t)) for t in teams}
    groups |= {role_group(r) for r in roles}
    return sorted(groups)


def send_now(event_type, payload, *, users=(), teams=(), roles=()):
    validate_event(event_type, payload)
    groups = _groups(users, teams, roles)
    if not groups:
        return
    message = {"type": "event.push", "event": {"type": event_type, "payload": payload}}
    try:
        async_to_sync(_send_to_groups)(get_channel_layer(), groups, event_type, message)
    except Exception:  # a broken channel layer must not break the change that was saved
        log.exception("could not publish event", extra={"event_type": event_type, "groups": groups})


async def _send_to_groups(layer, groups, event_type, message):
    # One hop into the event loop for all groups of an event (async_to_sync costs a thread switch).
    for group in groups:
        try:
            await layer.group_send(group, message)
        except Exception:  # a broken channel layer must not break the change that was saved
            log.exception("could not publish event", extra={"event_type": event_type, "group": group})


def publish(event_type, payload, *, users=(), teams=(), roles=()):
    """Send `event_type` with `payload` to the given users/teams/roles once the transaction commits."""
    validate_event(event_type, payload)
    users, teams, roles = list(users), list(teams), list(roles)
    transaction.on_commit(lambda: send_now(event_type, payload, users=users, teams=teams, roles=roles))


# --- control messages: server-to-socket only, never forwarded to the browser ------------------
# Browsers cannot send these (the consumer accepts only "ping" from clients); they tell open
# sockets that their user's access changed, so the change holds without waiting for a reconnect.

def _control_on_commit(message_type, users):
    user_ids = sorted({getattr(u, "pk", u) for u in users})
    layer = get_channel_layer()

    def send():
        for user_id in user_ids:
            try:
                async_to_sync(layer.group_send)(user_group(user_id), {"type": message_type})
            except Exception:
                log.exception("could not send control message", extra={"control": message_type})

    transaction.on_commit(send)


def close_sockets(users):
    """After commit, close every open socket of `users` (deactivated, or signed out everywhere)."""
    _control_on_commit("control.close", users)


def refresh_socket_groups(users):
    """After commit, make open sockets of `users` rejoin the groups their role and teams give now."""
    _control_on_commit("control.regroup", users)
