"""Reading the timeline. An activity is visible exactly when its case is (accounts.permissions).

Every list here costs a fixed number of queries, however many activities it shows: authors are
joined, annotations and attachments are prefetched.
"""

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Prefetch, Q

from centrala.accounts.models import User
from centrala.accounts.permissions import can, visible_cases

from .models import MOVABLE_KINDS, Activity, ActivityKind, Attachment

PAGE_SIZE = 50


def visible_activities(user):
    return Activity.objects.filter(case__in=visible_cases(user))


def get_activity_for_user(user, activity_id, *, for_update=False):
    """The activity if `user` may see its case, else Activity.DoesNotExist (also for a bad id)."""
    queryset = visible_activities(user).select_related("case", "author", "parent")
    if for_update:
        queryset = queryset.select_for_update(of=("self",))
    try:
        return queryset.get(pk=int(activity_id))
    except (Activity.DoesNotExist, TypeError, ValueError, OverflowError):
        raise Activity.DoesNotExist(f"activity {activity_id!r} is not visible") from None


def get_attachment_for_user(user, attachment_id):
    try:
        return Attachment.objects.select_related("activity").get(
            pk=int(attachment_id), activity__in=visible_activities(user).values("pk")
        )
    except (Attachment.DoesNotExist, TypeError, ValueError, OverflowError):
        raise Attachment.DoesNotExist(f"attachment {attachment_id!r} is not visible") from None


def can_edit(user, activity):
    """ACT-02: notes are edited by their author; managers and administrators edit any note."""
    if activity.kind != ActivityKind.NOTE:
        return False
    return activity.author_id == user.pk or can(user, "edit_any_note")


def can_move(activity):
    return activity.kind in MOVABLE_KINDS and activity.parent_id is None


@dataclass
class TimelineFilters:
    kind: str = ""
    author: int | None = None
    newest_first: bool = True


def _with_details(queryset):
    annotations = Activity.objects.select_related("author").order_by("created_at", "id")
    return queryset.select_related("author", "case").prefetch_related(
        Prefetch("annotations", queryset=annotations),
        Prefetch("attachments", queryset=Attachment.objects.order_by("id")),
    )


def _filtered(queryset, filters):
    queryset = queryset.filter(parent__isnull=True)
    if filters.kind:
        queryset = queryset.filter(kind=filters.kind)
    if filters.author is not None:
        # Someone's work on a case includes the short notes they added to other entries.
        by_author_note = Activity.objects.filter(parent=OuterRef("pk"), author_id=filters.author)
        queryset = queryset.filter(Q(author_id=filters.author) | Exists(by_author_note))
    order = ("-created_at", "-id") if filters.newest_first else ("created_at", "id")
    return queryset.order_by(*order)


def timeline_queryset(queryset, filters):
    """Top-level entries of `queryset`, filtered and sorted, with authors, short notes and files."""
    return _with_details(_filtered(queryset, filters))


def page_of(queryset, filters, page):
    """(activities of page `page`, whether there is a next page). No COUNT: a timeline only
    needs to know whether to offer "show more"."""
    start = (page - 1) * PAGE_SIZE
    rows = list(timeline_queryset(queryset, filters)[start : start + PAGE_SIZE + 1])
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE


def case_activities(case):
    return Activity.objects.filter(case=case)


def contact_activities(user, contact):
    """A contact's activities on the cases `user` may see."""
    return visible_activities(user).filter(contact=contact)


def authors_of(queryset):
    """Users who wrote any of these activities, for the author filter."""
    author_ids = queryset.exclude(author__isnull=True).values("author_id")
    return list(User.objects.filter(pk__in=author_ids).order_by("first_name", "last_name", "username"))
