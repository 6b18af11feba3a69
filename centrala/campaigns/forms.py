"""Forms of the campaign pages. They parse and check input; the actions decide and write.

Plain Forms, not ModelForms: a ModelForm writes into the instance while validating, and the
actions need the old values for the audit trail.
"""

import json

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from centrala.accounts.forms import ActionErrorsMixin
from centrala.accounts.models import Team

from . import actions
from .models import (
    CallbackRule,
    Campaign,
    Form,
    FormField,
    FormFieldKind,
    Script,
    Status,
    StatusType,
)
from .processes import BUILT_IN_NAMES, load_builtin

MAX_PROCESS_FILE = 2 * 1024 * 1024


def _model_field(model, name, **kwargs):
    return model._meta.get_field(name).formfield(**kwargs)


class CampaignForm(ActionErrorsMixin, forms.Form):
    name = _model_field(Campaign, "name")
    description = _model_field(Campaign, "description", widget=forms.Textarea(attrs={"rows": 3}))
    script = forms.ModelChoiceField(Script.objects.all(), label=_("Script"), empty_label=_("Choose a script"))
    active = forms.BooleanField(
        label=_("Active"), required=False, initial=True,
        help_text=_("Agents create and work cases only in active campaigns. Deactivating keeps every case."),
    )

    def __init__(self, *args, campaign, **kwargs):
        self.campaign = campaign
        if campaign.pk and "initial" not in kwargs:
            kwargs["initial"] = {"name": campaign.name, "description": campaign.description,
                                 "script": campaign.script_id, "active": campaign.active}
        super().__init__(*args, **kwargs)
        self.fields["script"].queryset = Script.objects.select_related("initial_status")

    def clean(self):
        cleaned = super().clean()
        if not self.errors:
            try:
                actions.check_campaign_fields(self.campaign, name=cleaned["name"], script=cleaned["script"])
            except ValidationError as error:
                self.add_action_errors(error)
        return cleaned

    def action_kwargs(self):
        return {key: self.cleaned_data[key] for key in ("name", "description", "active", "script")}


class CampaignAgentsForm(ActionErrorsMixin, forms.Form):
    agents = forms.ModelMultipleChoiceField(
        None, label=_("Agents and home agents"), required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "choice-list"}),
        help_text=_("Assigned agents see the campaign's cases and can create cases in it."),
    )
    teams = forms.ModelMultipleChoiceField(
        Team.objects.all(), label=_("Teams"), required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "choice-list"}),
        help_text=_("Every agent and home agent in an assigned team works the campaign, including later members."),
    )
    success_goal = _model_field(Campaign, "success_goal", min_value=0)

    def __init__(self, *args, campaign, **kwargs):
        self.campaign = campaign
        if "initial" not in kwargs:
            kwargs["initial"] = {"agents": list(campaign.agents.all()), "teams": list(campaign.teams.all()),
                                 "success_goal": campaign.success_goal}
        super().__init__(*args, **kwargs)
        self.fields["agents"].queryset = actions.assignable_agents(campaign)
        self.fields["agents"].label_from_instance = self.agent_label

    @staticmethod
    def agent_label(user):
        label = f"{user} ({user.get_role_display()})"
        return label if user.is_active else _("%(user)s, inactive") % {"user": label}

    def clean(self):
        cleaned = super().clean()
        if not self.errors:
            try:
                actions.check_campaign_agents(self.campaign, **self.action_kwargs())
            except ValidationError as error:
                self.add_action_errors(error)
        return cleaned

    def action_kwargs(self):
        return {key: self.cleaned_data[key] for key in ("agents", "teams", "success_goal")}


# --- scripts ---------------------------------------------------------------------------------

EMPTY, UPLOAD = "empty", "upload"


def _source_choices():
    # The ready processes are named after their scripts ("Vehicle rental"), in their own files.
    ready = [(name, load_builtin(name)["script"]["name"]) for name in BUILT_IN_NAMES]
    return [
        (EMPTY, _("An empty script")),
        *[(name, _("Ready process: %(name)s") % {"name": label}) for name, label in ready],
        (UPLOAD, _("Upload a process file (JSON)")),
    ]


class ScriptCreateForm(ActionErrorsMixin, forms.Form):
    source = forms.ChoiceField(
        label=_("Start from"), choices=_source_choices, widget=forms.RadioSelect, initial=EMPTY,
    )
    name = forms.CharField(
        label=_("Name"), max_length=120, required=False,
        help_text=_("Required for an empty script; a process keeps its own name unless you enter another."),
    )
    document = forms.FileField(
        label=_("Process file"), required=False,
        help_text=_("A .json file exported from Centrala (Export on the scripts list)."),
    )

    def clean(self):
        cleaned = super().clean()
        source = cleaned.get("source")
        if source == EMPTY and not (cleaned.get("name") or "").strip():
            self.add_error("name", _("Enter a name for the new script."))
        if source == UPLOAD:
            upload = cleaned.get("document")
            if upload is None:
                self.add_error("document", _("Choose the process file to upload."))
            else:
                cleaned["data"] = self._parse(upload)
        elif source in BUILT_IN_NAMES:
            cleaned["data"] = load_builtin(source)
        return cleaned

    def _parse(self, upload):
        if upload.size > MAX_PROCESS_FILE:
            self.add_error("document", _("The file is too large for a process (at most 2 MB)."))
            return None
        try:
            return json.loads(upload.read().decode("utf-8-sig"))
        except UnicodeDecodeError:
            self.add_error("document", _("The file is not UTF-8 text; export the process from Centrala again."))
        except json.JSONDecodeError as error:
            message = _("The file is not valid JSON (line %(line)s, column %(column)s: %(problem)s).")
            self.add_error("document", message % {"line": error.lineno, "column": error.colno, "problem": error.msg})
        return None


class ScriptForm(ActionErrorsMixin, forms.Form):
    name = _model_field(Script, "name")
    description = _model_field(Script, "description", widget=forms.Textarea(attrs={"rows": 10}))
    initial_status = forms.ModelChoiceField(
        Status.objects.none(), label=_("Initial status"), required=False, empty_label=_("None yet"),
        help_text=_("The status every new case of the script starts in."),
    )
    form = forms.ChoiceField(
        label=_("Form"), required=False,
        help_text=_("The form agents fill in on the case card. Changing it keeps the data of existing cases, "
                    "but it no longer shows."),
    )

    def __init__(self, *args, script, **kwargs):
        self.script = script
        if "initial" not in kwargs:
            kwargs["initial"] = {"name": script.name, "description": script.description,
                                 "initial_status": script.initial_status_id,
                                 "form": str(script.form_id) if script.form_id else ""}
        super().__init__(*args, **kwargs)
        self.fields["initial_status"].queryset = script.statuses.filter(active=True)
        free = Form.objects.filter(Q(scripts=None) | Q(scripts=script)).distinct()
        self.fields["form"].choices = [
            ("", _("No form")), *[(str(f.pk), f.name) for f in free], (actions.NEW_FORM, _("A new, empty form")),
        ]

    def clean_name(self):
        try:
            return actions.check_script_name(self.script, self.cleaned_data["name"])
        except ValidationError as error:
            raise ValidationError(error.message_dict["name"]) from None

    def clean_form(self):
        value = self.cleaned_data["form"]
        if value in ("", actions.NEW_FORM):
            return value or None
        try:
            return Form.objects.get(pk=int(value))
        except Form.DoesNotExist:
            raise ValidationError(_("This form no longer exists; choose another.")) from None

    def clean(self):
        cleaned = super().clean()
        if not self.errors:
            try:
                actions.check_script_fields(self.script, **self.action_kwargs(description=False))
            except ValidationError as error:
                self.add_action_errors(error)
        return cleaned

    def action_kwargs(self, *, description=True):
        keys = ("name", "initial_status", "form") + (("description",) if description else ())
        return {key: self.cleaned_data[key] for key in keys}


class StatusForm(ActionErrorsMixin, forms.Form):
    name = _model_field(Status, "name")
    type = forms.ChoiceField(
        label=_("Type"), choices=StatusType.choices, widget=forms.RadioSelect,
        help_text=_("The type gives the colour and the behaviour; the name is free."),
    )
    callback_rule = forms.ChoiceField(
        label=_("Due time"), choices=CallbackRule.choices, initial=CallbackRule.NONE,
        help_text=_("Only private callback, public callback and success statuses have a due time."),
    )
    callback_minutes = forms.IntegerField(
        label=_("Minutes after setting the status"), required=False, min_value=1,
        help_text=_("For a relative due time, e.g. 30."),
    )
    callback_at = forms.DateTimeField(
        label=_("Fixed due date and time"), required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    active = forms.BooleanField(
        label=_("Active"), required=False, initial=True,
        help_text=_("Inactive statuses cannot be set. A status cases have held cannot be deleted; deactivate it."),
    )

    def __init__(self, *args, status, script, **kwargs):
        self.status, self.script = status, script
        if status.pk and "initial" not in kwargs:
            kwargs["initial"] = {name: getattr(status, name) for name in actions.STATUS_FIELDS}
        super().__init__(*args, **kwargs)

    def clean(self):
        cleaned = super().clean()
        if not self.errors:
            try:
                actions.check_status_fields(self.status, script=self.script, **self.action_kwargs())
            except ValidationError as error:
                self.add_action_errors(error)
        return cleaned

    def action_kwargs(self):
        return {name: self.cleaned_data[name] for name in actions.STATUS_FIELDS}


# --- form fields -----------------------------------------------------------------------------

class FieldForm(ActionErrorsMixin, forms.Form):
    """A form field's settings; on creation also its kind and its first choice items."""

    label = _model_field(FormField, "label")
    kind = forms.ChoiceField(label=_("Kind"), choices=FormFieldKind.choices,
                             help_text=_("Fixed once the field is saved: case data is stored in its format."))
    help_text = _model_field(FormField, "help_text")
    choices = forms.CharField(
        label=_("Items of the list"), required=False, widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "For choice lists: one item per line. Items are renamed, hidden and reordered in the form editor."
        ),
    )
    sets_status = forms.ModelChoiceField(
        Status.objects.none(), label=_("Sets status"), required=False, empty_label=_("No status"),
        help_text=_("For buttons: the status of this script that pressing the button sets."),
    )
    required = forms.BooleanField(label=_("Required for saving"), required=False)
    hidden = forms.BooleanField(label=_("Hidden"), required=False,
                                help_text=_("Hidden fields are not shown; cases keep their data."))
    in_header = forms.BooleanField(label=_("Show in the card header"), required=False)
    editable = forms.BooleanField(label=_("Editable by agents"), required=False, initial=True)
    is_phone = forms.BooleanField(label=_("Is a phone number"), required=False,
                                  help_text=_("The header offers to call or text it."))
    is_email = forms.BooleanField(label=_("Is an e-mail address"), required=False,
                                  help_text=_("The header offers to write to it."))

    SETTINGS = ("label", "help_text", "required", "hidden", "in_header", "editable", "is_phone", "is_email",
                "sets_status")

    def __init__(self, *args, form, field=None, **kwargs):
        self.form_obj, self.field = form, field
        if field is not None and "initial" not in kwargs:
            kwargs["initial"] = {name: getattr(field, name) for name in self.SETTINGS}
            kwargs["initial"]["sets_status"] = field.sets_status_id
        super().__init__(*args, **kwargs)
        self.fields["sets_status"].queryset = Status.objects.filter(pk__in=[
            s.pk for s in actions.statuses_for_buttons(form)
        ] + ([field.sets_status_id] if field is not None and field.sets_status_id else []))
        if field is not None:
            del self.fields["kind"], self.fields["choices"]

    def clean_choices(self):
        return [line.strip() for line in self.cleaned_data["choices"].splitlines() if line.strip()]

    def action_kwargs(self):
        values = {name: self.cleaned_data[name] for name in self.SETTINGS}
        if self.field is None:
            values["kind"] = self.cleaned_data["kind"]
            values["choices"] = self.cleaned_data["choices"]
        return values
