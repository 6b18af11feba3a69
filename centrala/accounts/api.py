"""Users and teams over the API: who am I, and (for supervisors) who works here."""

from django.db.models import Count, Q
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja.pagination import paginate

from centrala.api.schemas import Pagination, problems
from centrala.presence.api import PresenceOut, presence_out
from centrala.presence.models import CurrentPresence

from .models import Role, Team, User
from .permissions import CAPABILITIES, can, check_can, visible_users

router = Router(tags=["users"])


class TeamRef(Schema):
    id: int
    name: str


class UserOut(Schema):
    id: int
    username: str
    first_name: str
    last_name: str
    full_name: str
    email: str
    role: Role
    role_label: str
    teams: list[TeamRef]
    extension: str
    language: str
    is_active: bool
    presence: PresenceOut | None

    @staticmethod
    def resolve_full_name(user):
        return user.get_full_name()

    @staticmethod
    def resolve_role_label(user):
        return str(user.get_role_display())

    @staticmethod
    def resolve_teams(user):
        return list(user.teams.all())

    @staticmethod
    def resolve_extension(user):
        return user.phone_extension

    @staticmethod
    def resolve_presence(user):
        try:
            return presence_out(user.presence)
        except CurrentPresence.DoesNotExist:
            return None


class MeOut(UserOut):
    outgoing_email: str
    capabilities: list[str]

    @staticmethod
    def resolve_capabilities(user):
        return [capability for capability in CAPABILITIES if can(user, capability)]


class TeamOut(Schema):
    id: int
    name: str
    description: str
    member_count: int


class UserFilters(Schema):
    role: Role | None = None
    team: int | None = None
    active: bool | None = None
    q: str | None = None


def _with_details(users):
    return users.select_related("presence__status").prefetch_related("teams")


@router.get("/me", response=MeOut, summary="The signed-in user")
def me(request):
    return _with_details(User.objects.filter(pk=request.auth.pk)).get()


@router.get(
    "/users", response=list[UserOut], summary="List users", openapi_extra=problems(403),
    description=(
        "Filters: `role`, `team` (team id), `active` (true/false), "
        "`q` (part of a name or username)."
    ),
)
@paginate(Pagination)
def users(request, filters: Query[UserFilters]):
    check_can(request.auth, "monitor_team")
    qs = visible_users(request.auth, include_inactive=True)
    if filters.role:
        qs = qs.filter(role=filters.role)
    if filters.team is not None:
        qs = qs.filter(teams=filters.team)
    if filters.active is not None:
        qs = qs.filter(is_active=filters.active)
    if filters.q:
        qs = qs.filter(
            Q(username__icontains=filters.q)
            | Q(first_name__icontains=filters.q)
            | Q(last_name__icontains=filters.q)
        )
    return _with_details(qs).order_by("last_name", "first_name", "username", "pk")


@router.get(
    "/users/{user_id}", response=UserOut, summary="One user", openapi_extra=problems(403, 404)
)
def user(request, user_id: int):
    check_can(request.auth, "monitor_team")
    visible = visible_users(request.auth, include_inactive=True)
    found = _with_details(visible).filter(pk=user_id).first()
    if found is None:
        raise Http404(_("No user with id %(id)s is visible to you.") % {"id": user_id})
    return found


@router.get(
    "/teams", response=list[TeamOut], summary="List teams", tags=["teams"],
    openapi_extra=problems(403),
)
@paginate(Pagination)
def teams(request):
    check_can(request.auth, "monitor_team")
    active_members = Count("members", filter=Q(members__is_active=True))
    return Team.objects.annotate(member_count=active_members).order_by("name")
