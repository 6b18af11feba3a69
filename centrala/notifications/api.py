"""The user's own notifications over the API. Another user's notification is "not found"."""

from datetime import datetime

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.pagination import paginate

from centrala.api.schemas import Pagination, problems

from . import actions
from .models import Notification

router = Router(tags=["notifications"])


class NotificationOut(Schema):
    id: int
    kind: str
    title: str
    body: str
    url: str
    created_at: datetime
    read_at: datetime | None
    created_by: int | None

    @staticmethod
    def resolve_created_by(note):
        return note.created_by_id


class MarkedOut(Schema):
    marked: int
    unread_count: int


def _own(user, notification_id):
    try:
        return actions.get_notification_for_user(user, notification_id)
    except Notification.DoesNotExist:
        message = _("You have no notification with id %(id)s.") % {"id": notification_id}
        raise Http404(message) from None


@router.get(
    "", response=list[NotificationOut], summary="My notifications, newest first",
    description="`unread=true` lists only unread ones.",
)
@paginate(Pagination)
def notifications(request, unread: bool = False):
    qs = Notification.objects.filter(recipient=request.auth)
    if unread:
        qs = qs.filter(read_at__isnull=True)
    return qs


@router.post("/read-all", response=MarkedOut, summary="Mark all my notifications read")
def read_all(request):
    marked = actions.do_mark_read(request.auth)
    return {"marked": marked, "unread_count": actions.unread_count(request.auth)}


@router.post(
    "/{notification_id}/read", response=NotificationOut, summary="Mark one notification read",
    openapi_extra=problems(404),
)
def read_one(request, notification_id: int):
    note = _own(request.auth, notification_id)
    actions.do_mark_read(request.auth, [note])
    note.refresh_from_db(fields=["read_at"])
    return note
