"""Campaigns, scripts and statuses (CMP-01..02, STS-01..03): every change goes through here.

`check_*` functions hold the rules (ValidationError({field: message})); `do_*` functions call
them, write the change and the audit trail. Forms and their fields are in form_actions.py and
re-exported here, so callers need one module.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.utils.translation import gettext as _

from centrala.accounts.models import AGENT_ROLES, User
from centrala.audit.actions import diff, record

from .form_actions import *  # noqa: F403  (one entry point for the app's actions)
from .form_actions import __all__ as _form_actions
from .form_actions import buttons_setting, reorder, script_of
from .models import Campaign, Script, Status
from .processes import install_process
from .rules import status_errors

# --- campaigns -------------------------------------------------------------------------------


def _names(objects):
    return sorted(str(o) for o in objects)


def _campaign_state(campaign):
    state = {field: getattr(campaign, field) for field in ("name", "description", "active", "success_goal")}
    state["script"] = campaign.script.name if campaign.script_id else None
    state["agents"] = _names(campaign.agents.all()) if campaign.pk else []
    state["teams"] = _names(campaign.teams.all()) if campaign.pk else []
    return state


def check_campaign_fields(campaign, *, name, script):
    errors = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = _("Enter a name.")
    elif len(name) > Campaign._meta.get_field("name").max_length:
        errors["name"] = _("The name is too long.")
    elif Campaign.objects.exclude(pk=campaign.pk).filter(name__iexact=name).exists():
        errors["name"] = _("A campaign with this name already exists.")
    if script is None:
        errors["script"] = _("Choose a script.")
    elif script.initial_status_id is None:
        errors["script"] = _("The script “%(script)s” has no initial status yet: add its statuses first.") % {
            "script": script.name
        }
    elif campaign.pk and campaign.script_id != script.pk and campaign.cases.exists():
        # Its cases hold statuses of the current script; another script's statuses would not fit them.
        errors["script"] = _(
            "This campaign already has cases, whose statuses belong to its script, so the script cannot be "
            "changed. Create a new campaign for the other script."
        )
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def do_save_campaign(actor, campaign, *, name, description="", active=True, script):
    """Create or change a campaign's general settings. Deactivating keeps its cases."""
    check_campaign_fields(campaign, name=name, script=script)
    created = campaign.pk is None
    before = _campaign_state(campaign) if not created else {}
    campaign.name, campaign.description = name.strip(), description
    campaign.active, campaign.script = active, script
    if created:
        campaign.save()
    else:
        campaign.save(update_fields=["name", "description", "active", "script"])
    changes = diff(before, _campaign_state(campaign))
    if created or changes:
        record(actor, "campaign.create" if created else "campaign.update", campaign, changes)
    return campaign


def assignable_agents(campaign=None):
    """Who can be assigned individually: active agents and home agents (and whoever already is)."""
    current = Q(pk__in=campaign.agents.values("pk")) if campaign is not None and campaign.pk else Q(pk__in=[])
    return User.objects.filter(Q(role__in=AGENT_ROLES, is_active=True) | current).order_by(
        "last_name", "first_name", "username"
    )


def check_campaign_agents(campaign, *, agents, teams, success_goal=None):
    current = set(campaign.agents.values_list("pk", flat=True)) if campaign.pk else set()
    errors = {}
    wrong_role = [a for a in agents if a.role not in AGENT_ROLES]
    newly_inactive = [a for a in agents if not a.is_active and a.pk not in current]
    if wrong_role:
        errors["agents"] = _(
            "Only agents and home agents are assigned to campaigns (managers see every campaign): %(users)s."
        ) % {"users": ", ".join(str(a) for a in wrong_role)}
    elif newly_inactive:
        errors["agents"] = _("Inactive users cannot be assigned: %(users)s.") % {
            "users": ", ".join(str(a) for a in newly_inactive)
        }
    if success_goal is not None and (not isinstance(success_goal, int) or success_goal < 0):
        errors["success_goal"] = _("The goal is a whole number of successes, 0 or more.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def do_set_campaign_agents(actor, campaign, *, agents, teams, success_goal=None):
    """CMP-01: who works the campaign (agents individually and whole teams) and its success goal."""
    agents, teams = list(agents), list(teams)
    check_campaign_agents(campaign, agents=agents, teams=teams, success_goal=success_goal)
    before = _campaign_state(campaign)
    campaign.agents.set(agents)
    campaign.teams.set(teams)
    campaign.success_goal = success_goal
    campaign.save(update_fields=["success_goal"])
    changes = diff(before, _campaign_state(campaign))
    if changes:
        record(actor, "campaign.update", campaign, changes)
    return campaign


def campaign_access(campaign):
    """Everyone in an agent role who works `campaign`: [{"user", "direct", "teams"}], by name.

    Agents may be assigned directly, through one or more teams, or both; the page shows which.
    """
    people = {}
    for user in campaign.agents.filter(role__in=AGENT_ROLES):
        people[user.pk] = {"user": user, "direct": True, "teams": []}
    teams = {team.pk: team.name for team in campaign.teams.all()}
    members = User.objects.filter(teams__in=list(teams), role__in=AGENT_ROLES, is_active=True)
    for user in members.prefetch_related("teams").distinct():
        entry = people.setdefault(user.pk, {"user": user, "direct": False, "teams": []})
        entry["teams"] = sorted(teams[t.pk] for t in user.teams.all() if t.pk in teams)
    return sorted(people.values(), key=lambda e: (e["user"].last_name, e["user"].first_name, e["user"].username))


# --- scripts ---------------------------------------------------------------------------------

NEW_FORM = "new"  # do_save_script(form=NEW_FORM): give the script a new, empty form


def _script_state(script):
    return {
        "name": script.name, "description": script.description,
        "initial_status": script.initial_status.name if script.initial_status_id else None,
        "form": script.form.name if script.form_id else None,
    }


def check_script_name(script, name):
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Enter a name.")})
    if len(name) > Script._meta.get_field("name").max_length:
        raise ValidationError({"name": _("The name is too long.")})
    if Script.objects.exclude(pk=script.pk).filter(name__iexact=name).exists():
        raise ValidationError({"name": _("A script named “%(name)s” already exists.") % {"name": name}})
    return name


def check_script_fields(script, *, name, initial_status, form):
    errors = {}
    try:
        check_script_name(script, name)
    except ValidationError as error:
        errors.update(error.message_dict)
    if initial_status is not None and (initial_status.script_id != script.pk or not initial_status.active):
        errors["initial_status"] = _("The initial status must be an active status of this script.")
    elif initial_status is None and script.pk and script.statuses.filter(active=True).exists():
        errors["initial_status"] = _("Choose the status new cases start in.")
    if form is not None and form != NEW_FORM:
        other = form.scripts.exclude(pk=script.pk).first()
        buttons = form.fields.filter(sets_status__isnull=False).exclude(sets_status__script=script)
        stray = [f.label for f in buttons]
        if other is not None:
            errors["form"] = _("The form “%(form)s” belongs to the script “%(script)s”.") % {
                "form": form.name, "script": other.name
            }
        elif stray:
            errors["form"] = _(
                "Buttons of this form set statuses of another script (%(buttons)s); change them first."
            ) % {"buttons": ", ".join(stray)}
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def do_create_script(actor, *, name, description=""):
    """An empty script: statuses and a form are added afterwards."""
    script = Script(description=description)
    script.name = check_script_name(script, name)
    script.save()
    record(actor, "script.create", script, diff({}, _script_state(script)))
    return script


@transaction.atomic
def do_save_script(actor, script, *, name, description, initial_status, form):
    """Change a script's name, call-script text, initial status and form (None: "No form").

    Changing the form of a script whose campaigns have cases keeps their data (stored under the
    old form's keys), it just no longer shows."""
    check_script_fields(script, name=name, initial_status=initial_status, form=form)
    before = _script_state(script)
    if form == NEW_FORM:
        form = do_create_form(actor, name=name.strip())  # noqa: F405
    script.name, script.description = name.strip(), description
    script.initial_status, script.form = initial_status, form
    script.save(update_fields=["name", "description", "initial_status", "form"])
    changes = diff(before, _script_state(script))
    if changes:
        record(actor, "script.update", script, changes)
    return script


@transaction.atomic
def do_import_process(actor, data, *, name=None):
    """TPL-02: create a script from a process document (a ready one or an uploaded file).

    A bad document raises ValidationError({"document": message}) and creates nothing."""
    if name:
        name = check_script_name(Script(), name)
    try:
        script = install_process(data, name=name or None)
    except ValidationError as error:
        key = "name" if error.code == "duplicate" else "document"
        raise ValidationError({key: error.messages}) from None
    record(actor, "script.import", script, {
        **diff({}, _script_state(script)), "statuses": [None, script.statuses.count()],
    })
    return script


@transaction.atomic
def do_delete_script(actor, script):
    """Only a script no campaign uses; its form goes with it unless another script uses it."""
    if script.campaigns.exists():
        raise ValidationError(_("Campaigns use this script (%(campaigns)s); it cannot be deleted.") % {
            "campaigns": ", ".join(c.name for c in script.campaigns.all())
        })
    record(actor, "script.delete", script, diff(_script_state(script), {}))
    form = script.form
    Script.objects.filter(pk=script.pk).update(initial_status=None)
    script.delete()
    if form is not None and not form.scripts.exists():
        form.delete()


# --- statuses --------------------------------------------------------------------------------

STATUS_FIELDS = ("name", "type", "callback_rule", "callback_minutes", "callback_at", "active")


def _status_state(status):
    return {field: getattr(status, field) for field in STATUS_FIELDS}


def check_status_fields(status, *, script, name, type, callback_rule="none", callback_minutes=None,
                        callback_at=None, active=True):
    """The values to save, tidied (minutes/date only where the rule uses them), or ValidationError."""
    errors = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = _("Enter a name.")
    elif len(name) > Status._meta.get_field("name").max_length:
        errors["name"] = _("The name is too long.")
    elif script.statuses.exclude(pk=status.pk).filter(name__iexact=name).exists():
        errors["name"] = _("This script already has a status named “%(name)s”.") % {"name": name}
    errors.update(status_errors(
        type=type, callback_rule=callback_rule, callback_minutes=callback_minutes, callback_at=callback_at
    ))
    if status.pk and not active:
        errors.update(_deactivation_errors(status))
    if errors:
        raise ValidationError(errors)
    return {
        "name": name, "type": type, "callback_rule": callback_rule, "active": active,
        "callback_minutes": callback_minutes if callback_rule == "relative" else None,
        "callback_at": callback_at if callback_rule == "absolute" else None,
    }


def _deactivation_errors(status):
    errors = {}
    if Script.objects.filter(initial_status=status).exists():
        errors["active"] = _(
            "“%(status)s” is the initial status of its script; choose another initial status first."
        ) % {"status": status.name}
    buttons = buttons_setting(status)
    if buttons:
        errors["active"] = _("Buttons set this status (%(buttons)s); change them first.") % {
            "buttons": ", ".join(b.label for b in buttons)
        }
    return errors


@transaction.atomic
def do_save_status(actor, status, *, script=None, **fields):
    """Create (give `script`) or change a status."""
    script = script if status.pk is None else status.script
    values = check_status_fields(status, script=script, **fields)
    created = status.pk is None
    before = _status_state(status) if not created else {}
    for field, value in values.items():
        setattr(status, field, value)
    if created:
        status.script = script
        status.position = (script.statuses.aggregate(last=Max("position"))["last"] or 0) + 1
        status.save()
        if script.initial_status_id is None and status.active:
            # A script's first status is where its cases start, until the manager chooses another.
            script.initial_status = status
            script.save(update_fields=["initial_status"])
    else:
        status.save(update_fields=list(STATUS_FIELDS))
    changes = diff(before, _status_state(status))
    if created or changes:
        record(actor, "status.create" if created else "status.update", status, {"script": script.name, **changes})
    return status


def do_set_status_active(actor, status, active):
    return do_save_status(actor, status, **{**_status_state(status), "active": active})


@transaction.atomic
def do_move_status(actor, status, direction):
    before = status.position
    # Locked like the other hand-ordered lists, so two moves at once cannot interleave.
    reorder(status, status.script.statuses.select_for_update(), direction)
    record(actor, "status.move", status, {"position": [before, status.position]})


@transaction.atomic
def do_delete_status(actor, status):
    """Only a status no case has ever held (cases keep theirs); otherwise deactivate it."""
    from centrala.cases.models import Case

    if Case.objects.filter(status=status).exists():
        raise ValidationError(_(
            "Cases have the status “%(status)s”, so it cannot be deleted; deactivate it instead."
        ) % {"status": status.name})
    errors = _deactivation_errors(status)
    if errors:
        raise ValidationError(list(errors.values()))
    record(actor, "status.delete", status, {"script": status.script.name, **diff(_status_state(status), {})})
    status.delete()


def statuses_for_buttons(form):
    """The statuses a button of `form` may set: the active ones of its script."""
    script = script_of(form)
    return list(script.statuses.filter(active=True)) if script else []


__all__ = [
    "NEW_FORM", "STATUS_FIELDS", "assignable_agents", "campaign_access", "check_campaign_agents",
    "check_campaign_fields", "check_script_fields", "check_script_name", "check_status_fields",
    "do_create_script", "do_delete_script", "do_delete_status", "do_import_process", "do_move_status",
    "do_save_campaign", "do_save_script", "do_save_status", "do_set_campaign_agents", "do_set_status_active",
    "statuses_for_buttons", *_form_actions,
]
