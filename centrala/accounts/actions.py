"""Users, teams and sign-in: every change goes through here and is audited.

`check_*` functions hold the rules a user or team must keep whoever changes it (the admin pages
today, the API or a command tomorrow); the `do_*` functions call them before writing, so a rule
cannot be skipped by calling the action directly. Both raise ValidationError({field: message}).
"""

import re
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from centrala.audit.actions import diff, record
from centrala.realtime.publish import close_sockets, refresh_socket_groups

from .models import LoginFailure, Role, Team, User

USER_FIELDS = [
    "username", "first_name", "last_name", "email", "role", "phone_extension",
    "outgoing_email", "language", "is_active",
]
EXTENSION_RE = re.compile(r"[0-9]+")  # not \d: that also accepts Arabic-Indic and other digits


def _user_state(user):
    state = {field: getattr(user, field) for field in USER_FIELDS}
    state["teams"] = [t.name for t in user.teams.all()] if user.pk else []
    return state


# --- sign-in throttling -------------------------------------------------------------------

def _window_start():
    return timezone.now() - timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)


def recent_login_failures(username):
    return LoginFailure.objects.filter(username__iexact=username, at__gte=_window_start()).count()


def is_locked_out(username):
    return recent_login_failures(username) >= settings.LOGIN_FAILURE_LIMIT


def note_login_failure(username, ip_address):
    LoginFailure.objects.create(username=username[:150], ip_address=ip_address or None)
    # Keep the table small: old failures no longer count for anything.
    LoginFailure.objects.filter(at__lt=timezone.now() - timedelta(days=1)).delete()


def clear_login_failures(username):
    LoginFailure.objects.filter(username__iexact=username).delete()


@transaction.atomic
def do_unlock_sign_in(actor, user):
    """An administrator lifts a sign-in lockout early (the lockout message tells users to ask)."""
    failures = recent_login_failures(user.username)
    clear_login_failures(user.username)
    record(actor, "user.unlock", user, {"login_failures": [failures, 0]})


# --- users --------------------------------------------------------------------------------

def check_user_fields(actor, user, fields):
    """Validate the `fields` that `actor` wants to set on `user` (unsaved when new)."""
    errors = {}
    for name in set(fields) & set(USER_FIELDS):
        try:
            User._meta.get_field(name).run_validators(fields[name])  # format, length
        except ValidationError as error:
            errors[name] = error.messages
    others = User.objects.exclude(pk=user.pk) if user.pk else User.objects.all()
    if "username" in fields and "username" not in errors:
        username = fields["username"]
        if not username:
            errors["username"] = _("Enter a username.")
        # Case-insensitive: "Anna" and "anna" would be two accounts nobody can tell apart.
        elif others.filter(username__iexact=username).exists():
            errors["username"] = _("A user with this username already exists.")
    if "role" in fields and fields["role"] not in Role.values:
        errors["role"] = _("Unknown role.")
    language = fields.get("language")
    if language and language not in dict(settings.LANGUAGES):
        errors["language"] = _("Unknown language.")
    extension = fields.get("phone_extension", user.phone_extension)
    active = fields.get("is_active", user.is_active)
    changing = "phone_extension" in fields or "is_active" in fields
    if extension and changing and "phone_extension" not in errors:
        if not EXTENSION_RE.fullmatch(extension):
            errors["phone_extension"] = _("An extension is digits only, e.g. 104.")
        elif active:
            holder = others.filter(is_active=True, phone_extension=extension).first()
            if holder is not None:
                errors["phone_extension"] = _(
                    "Extension %(extension)s is already used by %(user)s."
                ) % {"extension": extension, "user": holder}
    if actor is not None and user.pk is not None and actor.pk == user.pk:
        # Guards against locking the last administrator out; another administrator can do either.
        if not active:
            errors["is_active"] = _("You cannot deactivate your own account.")
        if user.role == Role.ADMINISTRATOR and fields.get("role", user.role) != Role.ADMINISTRATOR:
            errors["role"] = _(
                "You cannot remove your own administrator role. Ask another administrator."
            )
    if errors:
        raise ValidationError(errors)


def check_password(password, user):
    """Django's password validators, with the errors under "password"."""
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise ValidationError({"password": error.error_list}) from None


def _sync_admin_site_access(user):
    """The Django admin site (/django-admin/) is for administrators only, and follows the role.

    Otherwise a demoted administrator would keep full access there, around every audited action.
    """
    user.is_staff = user.is_superuser = user.role == Role.ADMINISTRATOR


def _end_sessions(user):
    # Inactive users are refused on their next request anyway (ModelBackend.get_user); deleting
    # the sessions also drops them from "who is signed in" counts and stops a later reactivation
    # from reviving an old session.
    if settings.SESSION_ENGINE != "django.contrib.sessions.backends.db":
        return
    from django.contrib.sessions.models import Session

    stale = [
        session.pk
        for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator()
        if session.get_decoded().get(SESSION_KEY) == str(user.pk)
    ]
    Session.objects.filter(pk__in=stale).delete()


def _sign_out_presence(user):
    from centrala.presence.actions import current_presence, do_set_presence

    current = current_presence(user)
    if current is not None and current.status_id is not None:
        do_set_presence(user, None)


@transaction.atomic
def do_create_user(actor, *, password, teams=(), **fields):
    user = User(**fields)
    check_user_fields(actor, user, fields)
    check_password(password, user)
    user.set_password(password)
    _sync_admin_site_access(user)
    user.save()
    user.teams.set(teams)
    record(actor, "user.create", user, diff({}, _user_state(user)))
    return user


@transaction.atomic
def do_update_user(actor, user, *, teams=None, password=None, **fields):
    """Change `fields` (and teams, and the password when given) of `user` in one audited step."""
    check_user_fields(actor, user, fields)
    if password:
        check_password(password, User(**{f: fields.get(f, getattr(user, f)) for f in USER_FIELDS}))
    before = _user_state(user)
    was_active = user.is_active
    for field, value in fields.items():
        setattr(user, field, value)
    update_fields = list(fields)
    if "role" in fields:
        _sync_admin_site_access(user)
        update_fields += ["is_staff", "is_superuser"]
    if update_fields:
        user.save(update_fields=update_fields)
    if teams is not None:
        user.teams.set(teams)
    changes = diff(before, _user_state(user))
    if changes:
        record(actor, "user.update", user, changes)
    if password:
        do_set_password(actor, user, password)
    if was_active and not user.is_active:
        _end_sessions(user)
        _sign_out_presence(user)
        close_sockets([user])
    elif "role" in changes or "teams" in changes:
        refresh_socket_groups([user])
    return user


@transaction.atomic
def do_set_password(actor, user, password):
    check_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    # A new password is how an administrator lets a locked-out user back in.
    clear_login_failures(user.username)
    record(actor, "user.password", user, {})
    return user


@transaction.atomic
def do_set_language(actor, user, language):
    return do_update_user(actor, user, language=language)


# --- teams --------------------------------------------------------------------------------

def check_team_fields(team, *, name, members=()):
    errors = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = _("Enter a team name.")
    elif Team.objects.exclude(pk=team.pk).filter(name__iexact=name).exists():
        errors["name"] = _("A team with this name already exists.")
    current = set(team.members.values_list("pk", flat=True)) if team.pk else set()
    newly_inactive = [m for m in members if not m.is_active and m.pk not in current]
    if newly_inactive:
        errors["members"] = _("Inactive users cannot join a team: %(users)s.") % {
            "users": ", ".join(str(m) for m in newly_inactive)
        }
    if errors:
        raise ValidationError(errors)


def _team_members(team):
    return [str(m) for m in team.members.all()] if team.pk else []


@transaction.atomic
def do_save_team(actor, team, *, name, description, members):
    members = list(members)
    check_team_fields(team, name=name, members=members)
    before = {"name": team.name, "description": team.description, "members": _team_members(team)}
    created = team.pk is None
    team.name, team.description = name.strip(), description
    team.save()
    previous = set(team.members.values_list("pk", flat=True))
    team.members.set(members)
    refresh_socket_groups(previous ^ {m.pk for m in members})
    after = {
        "name": team.name, "description": team.description, "members": [str(m) for m in members],
    }
    changes = diff(before, after)
    if created or changes:
        record(actor, "team.create" if created else "team.update", team, changes)
    return team


@transaction.atomic
def do_delete_team(actor, team):
    changes = {"name": [team.name, None], "members": [_team_members(team), []]}
    record(actor, "team.delete", team, changes)
    refresh_socket_groups(list(team.members.values_list("pk", flat=True)))
    team.delete()


__all__ = [
    "Team", "check_user_fields", "check_password", "check_team_fields", "do_create_user",
    "do_update_user", "do_set_password", "do_set_language", "do_save_team", "do_delete_team",
    "do_unlock_sign_in", "is_locked_out", "recent_login_failures", "note_login_failure",
    "clear_login_failures",
]
