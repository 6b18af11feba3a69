"""The authenticated websocket. A connection joins exactly the groups its user belongs to.

Besides "ping", a client may say which case cards it has open ("case.watch" / "case.unwatch",
CASE-11). Watching joins the case's group only after the same access check the case card
makes, so people who may not see a case never learn who is working on it.
"""

import json
import logging
import time

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.contrib.auth import get_user_model

from centrala.accounts.permissions import get_case_for_user
from centrala.cases import viewers
from centrala.cases.models import Case
from centrala.presence import actions as presence

from .events import validate_event
from .publish import role_group, team_group, user_group

log = logging.getLogger(__name__)

CLOSE_UNAUTHENTICATED = 4401
MAX_MESSAGE_BYTES = 4096
# How many case cards one socket may watch at once: a page shows one card, a few are plenty.
MAX_WATCHED_CASES = 20
# Watch messages a socket may send per minute. Each one can make every other watcher of the case
# re-read its viewers, so a runaway page must not turn into a flood. Heartbeats (one a minute
# per card) stay far below this.
MAX_WATCH_MESSAGES_PER_MINUTE = 120
MAX_CASE_ID = 2**63 - 1  # the database's bigint; larger numbers cannot be case numbers


def case_group(case_id):
    """The group of sockets watching one case; joined only after the access check."""
    return f"case.{case_id}"


@database_sync_to_async
def _groups_for(user):
    if not user.is_active:
        return None
    teams = list(user.teams.values_list("pk", flat=True))
    return [user_group(user.pk), role_group(user.role)] + [team_group(t) for t in teams]


@database_sync_to_async
def _reload_user(user_id):
    return get_user_model().objects.filter(pk=user_id).first()


@database_sync_to_async
def _can_see_case(user, case_id):
    try:
        get_case_for_user(user, case_id)
    except Case.DoesNotExist:
        return False
    return True


_watch = database_sync_to_async(viewers.watch)
_unwatch = database_sync_to_async(viewers.unwatch)
_unwatch_all = database_sync_to_async(viewers.unwatch_all)
_viewers_of = database_sync_to_async(viewers.viewers_of)


def _case_id(value):
    """A case id from a client message, or None. Only JSON integers: "12", 12.0 and true are not."""
    if type(value) is not int or not 0 < value <= MAX_CASE_ID:
        return None
    return value


@database_sync_to_async
def _alive(user, *, connected=False):
    """Presence: note the sign of life; a user signed out for being idle who opens a page again
    is signed back in (with the default status)."""
    presence.touch(user.pk)
    if connected:
        current = presence.current_presence(user)
        if current is not None and current.status_id is None:
            presence.on_sign_in(user)


def _too_large(text):
    # Counting characters first keeps a huge frame from being encoded just to be refused.
    return len(text) > MAX_MESSAGE_BYTES or len(text.encode()) > MAX_MESSAGE_BYTES


class EventsConsumer(AsyncJsonWebsocketConsumer):
    groups = []
    joined = None  # the groups this socket is in; None while (or because) nobody is signed in
    user = None

    async def connect(self):
        self.watching = set()  # ids of the cases whose group this socket has joined
        self.watch_times = []  # monotonic times of recent watch messages, for the rate limit
        user = self.scope.get("user")
        if user is not None and user.is_authenticated:
            self.user = user
            self.joined = await _groups_for(user)
        if self.joined is None:
            # Accept, then close: a refused handshake reaches the browser as a bare 1006, and only
            # a close frame carries 4401, which tells the page to stop reconnecting.
            await self.accept()
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        for group in self.joined:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()
        await _alive(user, connected=True)
        await self.send_json({"type": "hello", "payload": {"user_id": user.pk}})

    async def disconnect(self, code):
        for group in self.joined or []:
            await self.channel_layer.group_discard(group, self.channel_name)
        if self.joined is None:
            return
        await _alive(self.user)
        for case_id in self.watching:
            await self.channel_layer.group_discard(case_group(case_id), self.channel_name)
        self.watching = set()
        # From the database, not self.watching: it also catches a row whose watch was still
        # being recorded when the socket went.
        for case_id in await _unwatch_all(self.channel_name):
            await self._viewers_changed(case_id)

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        # Clients may only ping and watch cases they can see; anything else is answered with an
        # error and otherwise ignored, so a forged message can neither join a group nor reach
        # another user.
        if self.joined is None:
            return  # a refused socket that is still closing
        # An empty frame is refused too: the JSON base class would raise on it and drop the socket.
        if bytes_data is not None or not text_data or _too_large(text_data):
            await self._refuse("Message refused: empty, too large or not text.")
            return
        await super().receive(text_data=text_data, **kwargs)

    @classmethod
    async def decode_json(cls, text_data):
        try:
            return json.loads(text_data)
        except (ValueError, RecursionError):  # not JSON, or nested deep enough to overflow the parser
            return None

    async def receive_json(self, content, **kwargs):
        kind = content.get("type") if isinstance(content, dict) else None
        if kind == "ping":
            await _alive(self.user)
            await self.send_json({"type": "pong", "payload": {}})
            return
        if kind in ("case.watch", "case.unwatch"):
            if not self._within_watch_rate():
                await self._refuse("Too many case.watch messages; slow down.")
                return
            case_id = _case_id(content.get("case_id"))
            if case_id is None:
                await self._refuse("case_id must be a case number.")
            elif kind == "case.watch":
                await self._watch_case(case_id)
            else:
                await self._unwatch_case(case_id)
            return
        await self._refuse("Unknown message type.")

    async def _refuse(self, message):
        await self.send_json({"type": "error", "payload": {"message": message}})

    # --- case presence (CASE-11) -------------------------------------------------------------

    def _within_watch_rate(self):
        now = time.monotonic()
        self.watch_times = [t for t in self.watch_times if now - t < 60]
        if len(self.watch_times) >= MAX_WATCH_MESSAGES_PER_MINUTE:
            return False
        self.watch_times.append(now)
        return True

    async def _watch_case(self, case_id):
        if case_id in self.watching:
            await self._heartbeat(case_id)
            return
        if len(self.watching) >= MAX_WATCHED_CASES:
            await self._refuse(f"A connection can watch at most {MAX_WATCHED_CASES} cases.")
            return
        # The same answer for a case that does not exist and one the user may not see.
        if not await _can_see_case(self.user, case_id):
            await self._refuse("Case not found.")
            return
        await self.channel_layer.group_add(case_group(case_id), self.channel_name)
        self.watching.add(case_id)
        await _watch(self.user, case_id, self.channel_name)
        await self._viewers_changed(case_id)

    async def _heartbeat(self, case_id):
        """The page says the card is still open (every minute, and again after reconnecting)."""
        # Access is checked again: taking an agent off a campaign does not regroup sockets.
        if not await _can_see_case(self.user, case_id):
            await self._unwatch_case(case_id)
            await self._refuse("Case not found.")
            return
        if await _watch(self.user, case_id, self.channel_name):
            await self._viewers_changed(case_id)  # its row had lapsed: others dropped this user
        else:
            # Answered with the list: this also heals a page that missed a change.
            await self._send_viewers(case_id)

    async def _unwatch_case(self, case_id):
        if case_id not in self.watching:
            return  # never watched, or refused: nothing to undo, and nothing to tell anyone
        self.watching.discard(case_id)
        await self.channel_layer.group_discard(case_group(case_id), self.channel_name)
        await _unwatch(case_id, self.channel_name)
        await self._viewers_changed(case_id)

    async def _viewers_changed(self, case_id):
        # Each watcher reads the list itself when told: the last read follows the last change,
        # so lists cannot end up stale when two people open the case at the same moment.
        await self.channel_layer.group_send(case_group(case_id), {"type": "case.viewers.changed", "case_id": case_id})

    async def _send_viewers(self, case_id):
        payload = {"case_id": case_id, "viewers": await _viewers_of(case_id)}
        validate_event("case.viewers", payload)
        await self.send_json({"type": "case.viewers", "payload": payload})

    async def case_viewers_changed(self, message):
        case_id = message.get("case_id")
        if case_id in self.watching:
            await self._send_viewers(case_id)

    async def event_push(self, message):
        await self.send_json(message["event"])

    async def control_close(self, message):
        await self.close(code=CLOSE_UNAUTHENTICATED)

    async def control_regroup(self, message):
        """Leave groups the user no longer belongs to and join new ones (role or teams changed)."""
        user = await _reload_user(self.scope["user"].pk)
        groups = await _groups_for(user) if user is not None else None
        if groups is None:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        for group in set(self.joined) - set(groups):
            await self.channel_layer.group_discard(group, self.channel_name)
        for group in set(groups) - set(self.joined):
            await self.channel_layer.group_add(group, self.channel_name)
        self.joined = groups
        self.user = user
        # A card the user may no longer see stops being watched: no more viewer lists for it.
        for case_id in sorted(self.watching):
            if not await _can_see_case(user, case_id):
                await self._unwatch_case(case_id)
        # Tell the page its access changed (it may reload menus); tests wait for this too.
        await self.send_json({"type": "access.changed", "payload": {}})
