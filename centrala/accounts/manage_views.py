"""Administrators manage users and teams here. Views parse, call accounts.actions, and render."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from centrala.audit.models import AuditEntry

from . import actions
from .forms import TeamForm, UserCreateForm, UserEditForm, UserFilterForm
from .models import Team, User
from .permissions import requires

USERS_PER_PAGE = 50
HISTORY_ENTRIES = 20

# Columns of the users table; a key makes the column sortable (see UserFilterForm.SORTS).
USER_COLUMNS = [
    ("name", gettext_lazy("Name")),
    ("username", gettext_lazy("Username")),
    ("role", gettext_lazy("Role")),
    (None, gettext_lazy("Teams")),
    ("extension", gettext_lazy("Extension")),
    (None, gettext_lazy("Outgoing mailbox")),
    (None, gettext_lazy("Language")),
    (None, gettext_lazy("Status")),
    ("last_login", gettext_lazy("Last sign-in")),
]


def _sort_columns(current):
    columns = []
    for key, label in USER_COLUMNS:
        direction = None
        if key and current in (key, f"-{key}"):
            direction = "descending" if current.startswith("-") else "ascending"
        columns.append({
            "label": label,
            "sort": key and (f"-{key}" if current == key else key),
            "direction": direction,
        })
    return columns


def _query_without_page(request):
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


@requires("manage_users")
@require_http_methods(["GET"])
def users(request):
    filters = UserFilterForm(request.GET)
    queryset = filters.apply(User.objects.prefetch_related("teams"))
    page = Paginator(queryset, USERS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "filters": filters,
        "page": page,
        "columns": _sort_columns(filters.value("sort", "name")),
        "query": _query_without_page(request),
    }
    template = "accounts/users.html#results" if request.htmx else "accounts/users.html"
    return render(request, template, context)


def _posted(request):
    # Not `request.POST or None`: an empty POST must still be validated (and show its errors).
    return request.POST if request.method == "POST" else None


def _save_user(request, form, action, *args):
    """Run `action` with the form's values; its validation errors land on the form.

    Returns True when it saved."""
    if request.method != "POST" or not form.is_valid():
        return False
    try:
        action(request.user, *args, **form.action_kwargs())
    except ValidationError as error:
        # Another administrator may have changed something between the form check and now.
        form.add_action_errors(error)
        return False
    return True


@requires("manage_users")
@require_http_methods(["GET", "POST"])
def user_create(request):
    form = UserCreateForm(_posted(request), actor=request.user)
    if _save_user(request, form, actions.do_create_user):
        username = form.cleaned_data["username"]
        messages.success(request, _("User %(username)s was created.") % {"username": username})
        return redirect("accounts:users")
    return render(request, "accounts/user_form.html", {"form": form})


@requires("manage_users")
@require_http_methods(["GET", "POST"])
def user_edit(request, user_id):
    user = get_object_or_404(User, pk=user_id)
    form = UserEditForm(_posted(request), actor=request.user, user=user)
    if _save_user(request, form, actions.do_update_user, user):
        if form.cleaned_data["new_password1"] and user.pk == request.user.pk:
            # Otherwise the administrator's own new password would sign them out right here.
            update_session_auth_hash(request, user)
        messages.success(request, _("Changes to %(user)s were saved.") % {"user": user})
        return redirect("accounts:users")
    failures = actions.recent_login_failures(user.username)
    history = AuditEntry.objects.filter(object_type=User._meta.label_lower, object_id=str(user.pk))
    return render(request, "accounts/user_form.html", {
        "form": form,
        "object": user,
        "login_failures": failures,
        "locked_out": failures >= settings.LOGIN_FAILURE_LIMIT,
        "history": history.select_related("actor")[:HISTORY_ENTRIES],
    })


@requires("manage_users")
@require_POST
def user_unlock(request, user_id):
    user = get_object_or_404(User, pk=user_id)
    actions.do_unlock_sign_in(request.user, user)
    messages.success(request, _("%(user)s can sign in again.") % {"user": user})
    return redirect("accounts:user_edit", user_id=user.pk)


@requires("manage_users")
@require_http_methods(["GET"])
def teams(request):
    queryset = Team.objects.annotate(
        active_members=Count("members", filter=Q(members__is_active=True), distinct=True),
        inactive_members=Count("members", filter=Q(members__is_active=False), distinct=True),
    )
    return render(request, "accounts/teams.html", {"teams": queryset})


def _team_form_page(request, team):
    form = TeamForm(_posted(request), team=team)
    if request.method == "POST" and form.is_valid():
        created = team.pk is None
        try:
            team = actions.do_save_team(request.user, team, **form.action_kwargs())
        except ValidationError as error:
            form.add_action_errors(error)
        else:
            message = _("Team %(team)s was created.") if created else _("Team %(team)s was saved.")
            messages.success(request, message % {"team": team})
            return redirect("accounts:teams")
    context = {"form": form, "object": team if team.pk else None}
    return render(request, "accounts/team_form.html", context)


@requires("manage_users")
@require_http_methods(["GET", "POST"])
def team_create(request):
    return _team_form_page(request, Team())


@requires("manage_users")
@require_http_methods(["GET", "POST"])
def team_edit(request, team_id):
    return _team_form_page(request, get_object_or_404(Team, pk=team_id))


@requires("manage_users")
@require_http_methods(["GET", "POST"])
def team_delete(request, team_id):
    team = get_object_or_404(Team, pk=team_id)
    if request.method == "POST":
        name = team.name
        actions.do_delete_team(request.user, team)
        messages.success(request, _("Team %(team)s was deleted.") % {"team": name})
        return redirect("accounts:teams")
    context = {"object": team, "members": team.members.all()}
    return render(request, "accounts/team_confirm_delete.html", context)
