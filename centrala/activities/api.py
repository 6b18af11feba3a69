"""A case's timeline over the API (ACT-01..02): read it, add notes, edit them, move entries."""

from datetime import datetime
from typing import Any

from django.urls import reverse
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from centrala.accounts.permissions import check_can, get_case_for_user
from centrala.api.schemas import Pagination, problems

from . import actions, queries
from .models import Activity, ActivityKind

router = Router(tags=["activities"])


class AuthorRef(Schema):
    id: int
    name: str

    @staticmethod
    def resolve_name(user):
        return user.get_full_name() or user.username


class AttachmentOut(Schema):
    id: int
    name: str
    size: int
    content_type: str
    sha256: str
    download_url: str

    @staticmethod
    def resolve_download_url(attachment):
        return reverse("activities:download", args=[attachment.pk])


class AnnotationOut(Schema):
    id: int
    body: str
    author: AuthorRef | None
    created_at: datetime
    edited_at: datetime | None


class ActivityOut(Schema):
    id: int
    case_id: int
    kind: ActivityKind
    kind_label: str
    body: str
    data: dict[str, Any]
    author: AuthorRef | None
    created_at: datetime
    edited_at: datetime | None
    parent_id: int | None
    annotations: list[AnnotationOut]
    attachments: list[AttachmentOut]

    @staticmethod
    def resolve_kind_label(activity):
        return str(activity.get_kind_display())

    @staticmethod
    def resolve_annotations(activity):
        return list(activity.annotations.all())

    @staticmethod
    def resolve_attachments(activity):
        return list(activity.attachments.all())


class TimelineQuery(Schema):
    kind: ActivityKind | None = None
    author: int | None = Field(None, description="User id: their entries and their short notes on others.")
    order: str = Field("newest", pattern="^(newest|oldest)$")


class NoteIn(Schema):
    body: str = Field(max_length=actions.NOTE_MAX_LENGTH)
    parent_id: int | None = Field(None, description="Add a short note to this entry of the case instead.")


class NoteEdit(Schema):
    body: str = Field(max_length=actions.NOTE_MAX_LENGTH)


class MoveIn(Schema):
    case_id: int = Field(description="Number of the case to move the entry to; it must be visible to you.")


def _detailed(activity_id):
    return queries.page_of(Activity.objects.filter(pk=activity_id), queries.TimelineFilters(), 1)[0][0]


@router.get(
    "/cases/{case_id}/activities", response=list[ActivityOut], summary="A case's timeline",
    openapi_extra=problems(403, 404),
    description="Top-level entries with their short notes (`annotations`) and files. Filters: `kind`, "
                "`author`; `order` newest (default) or oldest.",
)
@paginate(Pagination)
def timeline(request, case_id: int, filters: Query[TimelineQuery]):
    check_can(request.auth, "work_cases")
    case = get_case_for_user(request.auth, case_id)
    wanted = queries.TimelineFilters(kind=filters.kind or "", author=filters.author,
                                     newest_first=filters.order != "oldest")
    return queries.timeline_queryset(queries.case_activities(case), wanted)


@router.get(
    "/activities/{activity_id}", response=ActivityOut, summary="One timeline entry",
    openapi_extra=problems(403, 404),
)
def activity(request, activity_id: int):
    check_can(request.auth, "work_cases")
    found = queries.get_activity_for_user(request.auth, activity_id)
    return _detailed(found.pk) if found.parent_id is None else found


@router.post(
    "/cases/{case_id}/notes", response={201: ActivityOut}, summary="Add a note",
    openapi_extra=problems(403, 404, 422),
)
def add_note(request, case_id: int, data: NoteIn):
    check_can(request.auth, "work_cases")
    note = actions.do_add_note(request.auth, case_id, data.body, parent_id=data.parent_id)
    return Status(201, note)


@router.patch(
    "/activities/{activity_id}", response=ActivityOut, summary="Edit a note",
    openapi_extra=problems(403, 404, 422),
    description="Only notes; by their author, a manager or an administrator.",
)
def edit_note(request, activity_id: int, data: NoteEdit):
    check_can(request.auth, "work_cases")
    note = actions.do_edit_note(request.auth, activity_id, data.body)
    return _detailed(note.pk) if note.parent_id is None else note


@router.post(
    "/activities/{activity_id}/move", response=ActivityOut, summary="Move an entry to another case",
    openapi_extra=problems(403, 404, 422),
    description="Notes, attachments, e-mails, SMS and calls move with their short notes; informational "
                "entries stay. 404 when the target case is not visible to you.",
)
def move(request, activity_id: int, data: MoveIn):
    check_can(request.auth, "work_cases")
    moved = actions.do_move_activity(request.auth, activity_id, data.case_id)
    return _detailed(moved.pk)
