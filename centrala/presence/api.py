"""Presence over the API: the statuses one may pick, and one's own current status."""

from datetime import datetime

from django.core.exceptions import ValidationError
from ninja import Router, Schema

from centrala.accounts.permissions import check_can
from centrala.api.schemas import problems

from . import actions
from .models import PresenceKind

router = Router(tags=["presence"])


class StatusOut(Schema):
    id: int
    name: str
    kind: PresenceKind
    logs_into_queues: bool
    is_default: bool


class StatusRef(Schema):
    id: int
    name: str
    kind: PresenceKind


class PresenceOut(Schema):
    status: StatusRef | None  # None: signed out
    since: datetime


class PresenceIn(Schema):
    status_id: int


def presence_out(current):
    """A CurrentPresence (or None: never signed in) as PresenceOut data."""
    if current is None:
        return None
    status = current.status
    return {
        "status": {"id": status.pk, "name": status.name, "kind": status.kind} if status else None,
        "since": current.since,
    }


@router.get(
    "/statuses", response=list[StatusOut], summary="Statuses a user may pick",
    openapi_extra=problems(403),
)
def statuses(request):
    check_can(request.auth, "use_presence")
    return actions.selectable_statuses()


@router.get(
    "/me", response=PresenceOut | None, summary="My current status", openapi_extra=problems(403)
)
def my_presence(request):
    check_can(request.auth, "use_presence")
    return presence_out(actions.current_presence(request.auth))


@router.put("/me", response=PresenceOut, summary="Change my status", openapi_extra=problems(403))
def set_my_presence(request, data: PresenceIn):
    check_can(request.auth, "use_presence")
    try:
        status = actions.check_status_choice(request.auth, data.status_id)
    except ValidationError as error:
        raise ValidationError({"status_id": error.messages}) from None
    return presence_out(actions.do_set_presence(request.auth, status))
