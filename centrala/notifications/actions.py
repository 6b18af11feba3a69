"""Creating notifications and marking them read; each change is pushed to the recipient live."""

from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from centrala.accounts.models import User
from centrala.accounts.permissions import check_can
from centrala.audit.actions import record
from centrala.core.links import local_path
from centrala.realtime.publish import publish

from .models import Notification

TITLE_MAX_LENGTH = Notification._meta.get_field("title").max_length
URL_MAX_LENGTH = Notification._meta.get_field("url").max_length
NOTICE = "notice"


def unread_count(user):
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def safe_target(url):
    """Only links inside Centrala: a notification never sends a user to another site."""
    return local_path(url)


def _unread_counts(users):
    rows = (
        Notification.objects.filter(recipient__in=users, read_at__isnull=True)
        .order_by()
        .values_list("recipient")
        .annotate(n=Count("id"))
    )
    return dict(rows)


@transaction.atomic
def do_notify(recipients, *, kind, title, body="", url="", created_by=None):
    """Put a notification in each recipient's bell and push it to their open pages.

    `title` and `body` may be lazy translations: each copy is rendered in its recipient's
    language. A recipient listed twice gets one copy. Returns the created notifications.
    """
    target = safe_target(url)
    unique = list({r.pk: r for r in recipients}.values())
    notes = []
    for recipient in unique:
        with translation.override(recipient.language or translation.get_language()):
            notes.append(Notification(
                recipient=recipient, kind=kind, title=str(title)[:TITLE_MAX_LENGTH], body=str(body),
                url=target, created_by=created_by,
            ))
    # One insert and one count query however large the team: a notice to everyone stays cheap.
    Notification.objects.bulk_create(notes)
    counts = _unread_counts(unique)
    for note in notes:
        publish(
            "notification.created",
            {
                "id": note.pk,
                "title": note.title,
                "body": note.body,
                "url": reverse("notifications:open", args=[note.pk]),
                "created_at": note.created_at.isoformat(),
                "unread_count": counts.get(note.recipient_id, 0),
            },
            users=[note.recipient],
        )
    return notes


def get_notification_for_user(user, notification_id):
    """The user's own notification, or Notification.DoesNotExist (never someone else's)."""
    return Notification.objects.get(pk=notification_id, recipient=user)


@transaction.atomic
def do_mark_read(user, notifications=None):
    """Mark the given notifications (default: all) of `user` read.

    Every open page of the user hears the new count, so the bell agrees across tabs.
    """
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notifications is not None:
        qs = qs.filter(pk__in=[n.pk for n in notifications])
    changed = qs.update(read_at=timezone.now())
    if changed:
        publish("notification.unread", {"unread_count": unread_count(user)}, users=[user])
    return changed


@transaction.atomic
def do_settle(notifications, *, body=None):
    """Mark `notifications` (of any recipients) read because what they announced was dealt with
    elsewhere, e.g. another employee took the traffic they offered.

    `body`, if given, replaces each one's text: a string, a lazy translation or a function of
    the notification, rendered in its recipient's language. Every recipient's open pages hear
    their unread count, so the bell and an open panel show the change. Returns how many changed.
    """
    notes = list(notifications)
    if not notes:
        return 0
    now = timezone.now()
    for note in notes:
        if body is not None:
            with translation.override(note.recipient.language or translation.get_language()):
                note.body = str(body(note) if callable(body) else body)
        note.read_at = note.read_at or now
    Notification.objects.bulk_update(notes, ["read_at", "body"] if body is not None else ["read_at"])
    recipients = list({note.recipient_id: note.recipient for note in notes}.values())
    counts = _unread_counts(recipients)
    for recipient in recipients:
        publish("notification.unread", {"unread_count": counts.get(recipient.pk, 0)}, users=[recipient])
    return len(notes)


# --- notices: a supervisor writes to people and teams ------------------------------------------

def recipients_for(users=(), teams=()):
    """Active users chosen by name or through one of the teams, each once."""
    user_ids = [getattr(u, "pk", u) for u in users]
    team_ids = [getattr(t, "pk", t) for t in teams]
    if not user_ids and not team_ids:
        return []
    return list(
        User.objects.filter(is_active=True)
        .filter(Q(pk__in=user_ids) | Q(teams__in=team_ids))
        .distinct()
    )


def check_notice_link(url):
    """The link as stored, or ValidationError: a notice may only point at a page of Centrala."""
    url = (url or "").strip()
    if not url:
        return ""
    if len(url) > URL_MAX_LENGTH:
        raise ValidationError(
            _("The link is too long (at most %(max)d characters).") % {"max": URL_MAX_LENGTH},
            code="link_too_long",
        )
    if not safe_target(url):
        raise ValidationError(
            _("Only links to pages of Centrala are allowed: an address starting with “/”, e.g. /presence/team/."),
            code="external_link",
        )
    try:
        resolve(urlsplit(url).path)
    except Resolver404:
        raise ValidationError(_("There is no page of Centrala at this address."), code="unknown_link") from None
    return url


def check_notice_title(title):
    title = (title or "").strip()
    if not title:
        raise ValidationError(_("A notice needs a title."), code="title_required")
    if len(title) > TITLE_MAX_LENGTH:
        raise ValidationError(
            _("The title is too long (at most %(max)d characters).") % {"max": TITLE_MAX_LENGTH},
            code="title_too_long",
        )
    return title


def check_notice_recipients(users=(), teams=()):
    if not users and not teams:
        raise ValidationError(_("Choose at least one person or team."), code="no_recipients")
    recipients = recipients_for(users, teams)
    if not recipients:
        raise ValidationError(_("The chosen teams have no active members."), code="no_active_recipients")
    return recipients


@transaction.atomic
def do_send_notice(sender, *, title, body="", url="", users=(), teams=()):
    """Send a notice from a supervisor to the chosen people and teams. Returns the notifications."""
    check_can(sender, "send_notice")
    title = check_notice_title(title)
    url = check_notice_link(url)
    recipients = check_notice_recipients(users, teams)
    notes = do_notify(recipients, kind=NOTICE, title=title, body=(body or "").strip(), url=url, created_by=sender)
    # One entry per notice rather than per recipient: the trail says who wrote what to whom.
    # Changes are [old, new] pairs like every other entry; a notice has no "old" side.
    record(sender, "notification.send", sender, {
        "title": [None, title],
        "link": [None, url],
        "users": [None, [str(u) for u in users]],
        "teams": [None, [str(t) for t in teams]],
        "recipient_count": [None, len(notes)],
    })
    return notes
