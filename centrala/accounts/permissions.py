"""The one place that says who may do what.

Every view, API endpoint and websocket consumer asks these helpers; none of them compares roles
on its own. Object helpers (get_case_for_user, ...) join this module as their models arrive, and
answer "not found" rather than "forbidden" for objects a user may not see, so ids cannot be probed.
"""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from .models import AGENT_ROLES, SUPERVISOR_ROLES, Role

# What each kind of work needs. Names are capabilities, not roles, so a view says what it does.
CAPABILITIES = {
    "manage_users": {Role.ADMINISTRATOR},
    "manage_presence_statuses": {Role.ADMINISTRATOR},
    "view_tasks": {Role.ADMINISTRATOR},
    "view_audit": SUPERVISOR_ROLES,
    "monitor_team": SUPERVISOR_ROLES,
    "send_notice": SUPERVISOR_ROLES,
    "view_presence_report": SUPERVISOR_ROLES,
    "work_cases": AGENT_ROLES | SUPERVISOR_ROLES,
    "use_presence": AGENT_ROLES | SUPERVISOR_ROLES | {Role.RECEPTIONIST, Role.SPECIALIST},
    "reception_desk": {Role.RECEPTIONIST} | SUPERVISOR_ROLES,
    "process_traffic": {Role.SPECIALIST} | SUPERVISOR_ROLES,
    "manage_campaigns": SUPERVISOR_ROLES,
    "edit_forms": SUPERVISOR_ROLES,
    "edit_any_note": SUPERVISOR_ROLES,  # others' notes on a case timeline (ACT-02); authors edit their own
    "manage_contact_fields": {Role.ADMINISTRATOR},
    "manage_consent_types": {Role.ADMINISTRATOR},
    "bulk_edit_cases": AGENT_ROLES | SUPERVISOR_ROLES,  # on cases they see; see cases.bulk for the rules
    "assign_cases": SUPERVISOR_ROLES,  # give cases to other agents, move them between campaigns
    "share_variants": SUPERVISOR_ROLES,  # share a saved list tab with a team (VIEW-02)
    "export_lists": SUPERVISOR_ROLES,  # download a list as CSV/XLSX
    "import_contacts": SUPERVISOR_ROLES,  # CON-06
    # E-mail and web forms (MAIL-01..02, WEB-01)
    "manage_mailboxes": {Role.ADMINISTRATOR},  # incoming/outgoing mailboxes, quarantine, retry
    "send_email": AGENT_ROLES | SUPERVISOR_ROLES,  # reply from a case they see
    "manage_mail_templates": SUPERVISOR_ROLES,  # shared reply templates
    "manage_webforms": {Role.ADMINISTRATOR},
    # Dealership incoming traffic (DLR-01..06); reception_desk and process_traffic are above
    "manage_dealership": {Role.ADMINISTRATOR},  # contact goals, departments, ignore reasons
    "view_traffic_journal": {Role.RECEPTIONIST, Role.SPECIALIST} | SUPERVISOR_ROLES,  # rows limited per role
    "view_traffic_reports": SUPERVISOR_ROLES,
}


def can(user, capability):
    if not (user and user.is_authenticated and user.is_active):
        return False
    return user.role in CAPABILITIES[capability]


def check_can(user, capability):
    if not can(user, capability):
        raise PermissionDenied(capability)


def requires(capability):
    """View decorator: anonymous users go to login, signed-in users without the right get 403."""
    if capability not in CAPABILITIES:
        raise ValueError(f"unknown capability {capability!r}")

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            check_can(request.user, capability)
            return view(request, *args, **kwargs)

        wrapped.capability = capability
        return wrapped

    return decorator


def login_required(view):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return wrapped


def visible_users(user, *, include_inactive=False):
    """Users whose presence and work `user` may watch: supervisors see everyone."""
    from .models import User

    if can(user, "monitor_team"):
        return User.objects.all() if include_inactive else User.objects.filter(is_active=True)
    return User.objects.none()


# --- campaigns, cases, contacts --------------------------------------------------------------
# Agents and home agents see only campaigns they are assigned to (directly or through a team);
# supervisors see all. Objects a user may not see are "not found", so ids cannot be probed.

def visible_campaigns(user):
    from django.db.models import Q

    from centrala.campaigns.models import Campaign

    if not can(user, "work_cases"):
        return Campaign.objects.none()
    if user.role in SUPERVISOR_ROLES:
        return Campaign.objects.all()
    team_ids = list(user.teams.values_list("pk", flat=True))
    return Campaign.objects.filter(Q(agents=user) | Q(teams__in=team_ids)).distinct()


def visible_campaign_ids(user):
    return set(visible_campaigns(user).values_list("pk", flat=True))


def get_campaign_for_user(user, campaign_id):
    from centrala.campaigns.models import Campaign

    try:
        return visible_campaigns(user).get(pk=int(campaign_id))
    except (Campaign.DoesNotExist, TypeError, ValueError, OverflowError):
        raise Campaign.DoesNotExist(f"campaign {campaign_id!r} is not visible") from None


def visible_cases(user):
    from centrala.cases.models import Case

    if not can(user, "work_cases"):
        return Case.objects.none()
    if user.role in SUPERVISOR_ROLES:
        return Case.objects.all()
    return Case.objects.filter(campaign_id__in=visible_campaign_ids(user))


def get_case_for_user(user, case_id, *, for_update=False, related=()):
    """The case if `user` may see it, else Case.DoesNotExist (also for a malformed id).

    related: select_related paths to load with it in the same query (e.g. what a card shows).
    """
    from centrala.cases.models import Case

    queryset = visible_cases(user)
    if related:  # select_related() without names would follow every foreign key
        queryset = queryset.select_related(*related)
    if for_update:
        queryset = queryset.select_for_update()
    try:
        return queryset.get(pk=int(case_id))
    except (Case.DoesNotExist, TypeError, ValueError, OverflowError):
        raise Case.DoesNotExist(f"case {case_id!r} is not visible") from None


def visible_contacts(user):
    """Contacts are shared by every campaign: anyone who works cases may find and attach them.
    Which of a contact's cases they see is still decided by visible_cases()."""
    from centrala.contacts.models import Contact

    if not can(user, "work_cases"):
        return Contact.objects.none()
    return Contact.objects.all()


def get_contact_for_user(user, contact_id):
    from centrala.contacts.models import Contact

    try:
        return visible_contacts(user).get(pk=int(contact_id))
    except (Contact.DoesNotExist, TypeError, ValueError, OverflowError):
        raise Contact.DoesNotExist(f"contact {contact_id!r} is not visible") from None


def case_audience(campaign):
    """Who may be told about a case of `campaign`: its agents, its teams and all supervisors."""
    return {
        "users": list(campaign.agents.values_list("pk", flat=True)),
        "teams": list(campaign.teams.values_list("pk", flat=True)),
        "roles": sorted(SUPERVISOR_ROLES),
    }


def campaign_agents(campaign_ids):
    """{user id: {campaign ids}} of the active agents and home agents assigned to those campaigns,
    directly or through a team (CASE-07: only they may own its cases)."""
    from centrala.accounts.models import User
    from centrala.campaigns.models import Campaign

    through = Campaign.agents.through
    team_through = Campaign.teams.through
    member_through = User.teams.through
    result = {}
    rows = through.objects.filter(
        campaign_id__in=campaign_ids, user__is_active=True, user__role__in=AGENT_ROLES
    ).values_list("user_id", "campaign_id")
    for user_id, campaign_id in rows:
        result.setdefault(user_id, set()).add(campaign_id)
    teams = {}
    team_rows = team_through.objects.filter(campaign_id__in=campaign_ids).values_list("team_id", "campaign_id")
    for team_id, campaign_id in team_rows:
        teams.setdefault(team_id, set()).add(campaign_id)
    if teams:
        members = member_through.objects.filter(
            team_id__in=teams, user__is_active=True, user__role__in=AGENT_ROLES
        ).values_list("user_id", "team_id")
        for user_id, team_id in members:
            result.setdefault(user_id, set()).update(teams[team_id])
    return result
