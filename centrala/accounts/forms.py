from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db.models import F, Q
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from centrala.lib.requests import client_ip

from . import actions
from .models import Role, Team, User


class ThrottledAuthenticationForm(AuthenticationForm):
    """Refuses further attempts for a username after too many recent failures."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "locked_out": _(
            "Too many failed sign-ins for this user. Wait %(minutes)s minutes or ask an administrator."
        ),
    }

    def clean(self):
        username = (self.data.get("username") or "").strip()
        if username and actions.is_locked_out(username):
            raise forms.ValidationError(
                self.error_messages["locked_out"], code="locked_out",
                params={"minutes": settings.LOGIN_LOCKOUT_MINUTES},
            )
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            if username:
                actions.note_login_failure(username, client_ip(self.request))
            raise
        actions.clear_login_failures(username)
        return cleaned


class LanguageForm(forms.Form):
    language = forms.ChoiceField(choices=settings.LANGUAGES)


# --- user and team administration ---------------------------------------------------------

def _model_field(model, name, **kwargs):
    """The form field the model itself would make (label, max length, help text), plus the
    model field's validators, which a plain Form would otherwise never run."""
    model_field = model._meta.get_field(name)
    field = model_field.formfield(**kwargs)
    present = {type(validator) for validator in field.validators}
    field.validators += [v for v in model_field.validators if type(v) not in present]
    return field


def _language_choices():
    return [("", _("Browser language"))] + list(settings.LANGUAGES)


extension_validator = RegexValidator(
    r"^[0-9]+\Z", _("An extension is digits only, e.g. 104."), code="extension"
)


class ActionErrorsMixin:
    """Puts a ValidationError raised by an action under the form's matching fields."""

    # Action error keys that this form calls by another name.
    action_error_fields = {}

    def add_action_errors(self, error):
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for key, errors in error.error_dict.items():
            key = self.action_error_fields.get(key, key)
            self.add_error(key if key in self.fields else None, errors)


class UserForm(ActionErrorsMixin, forms.Form):
    """What an administrator sets on a user. A plain Form, not a ModelForm, on purpose: a
    ModelForm writes into the instance while validating, so the action could no longer see
    the old values it audits."""

    username = _model_field(User, "username")
    first_name = _model_field(User, "first_name", required=True)
    last_name = _model_field(User, "last_name", required=True)
    email = _model_field(User, "email")
    role = _model_field(User, "role")
    teams = forms.ModelMultipleChoiceField(
        Team.objects.all(), required=False, label=_("Teams"),
        widget=forms.CheckboxSelectMultiple(attrs={"class": "choice-list"}),
    )
    phone_extension = _model_field(User, "phone_extension", validators=[extension_validator])
    outgoing_email = _model_field(User, "outgoing_email")
    language = forms.ChoiceField(
        label=_("Language"), required=False, choices=_language_choices,
        help_text=_("Empty: the language the browser asks for."),
    )

    model_fields = ["username", "first_name", "last_name", "email", "role", "phone_extension",
                    "outgoing_email", "language"]
    password_fields = ("password1", "password2")
    password_legend = _("Password")

    def __init__(self, *args, actor, user=None, **kwargs):
        self.actor = actor
        self.user = user if user is not None else User()
        if user is not None and "initial" not in kwargs:
            kwargs["initial"] = self.initial_for(user)
        super().__init__(*args, **kwargs)

    def initial_for(self, user):
        initial = {field: getattr(user, field) for field in self.model_fields}
        initial["teams"] = list(user.teams.all())
        return initial

    @property
    def fieldsets(self):
        groups = [
            (_("Person"), ["username", "first_name", "last_name", "email", "language"]),
            (_("Work"), ["role", "teams", "phone_extension", "outgoing_email"]),
            (self.password_legend, list(self.password_fields)),
        ]
        return [
            (legend, [self[name] for name in names if name in self.fields])
            for legend, names in groups
        ]

    def changes(self):
        data = self.cleaned_data
        return {field: data[field] for field in self.model_fields if field in data}

    def clean(self):
        cleaned = super().clean()
        # The action checks all this again when it runs; asking here shows every problem at once.
        if password := self._matching_password():
            # The similarity validator compares against the values being saved, not the old ones.
            fields = {f: cleaned.get(f, getattr(self.user, f)) for f in self.model_fields}
            try:
                actions.check_password(password, User(**fields))
            except ValidationError as error:
                self.add_action_errors(error)
        if not any(field in self.errors for field in self.model_fields):
            try:
                actions.check_user_fields(self.actor, self.user, self.changes())
            except ValidationError as error:
                self.add_action_errors(error)
        return cleaned

    def _matching_password(self):
        first, second = (self.cleaned_data.get(name, "") for name in self.password_fields)
        if (first or second) and first != second:
            self.add_error(self.password_fields[1], _("The two passwords do not match."))
            return ""
        return first


def _password_rules_text():
    return " ".join(str(text) for text in password_validation.password_validators_help_texts())


# Lazy: the validators' help texts must be translated per request, not once at import.
_password_rules = lazy(_password_rules_text, str)


def _password_field(label, required, help_text=""):
    return forms.CharField(
        label=label, required=required, strip=False, help_text=help_text,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )


class UserCreateForm(UserForm):
    password1 = _password_field(_("Initial password"), True, _password_rules())
    password2 = _password_field(_("Initial password again"), True)

    action_error_fields = {"password": "password1"}

    def action_kwargs(self):
        data = self.cleaned_data
        return {**self.changes(), "teams": data["teams"], "password": data["password1"]}


class UserEditForm(UserForm):
    is_active = forms.BooleanField(
        label=_("Active"), required=False,
        help_text=_("An inactive user cannot sign in and is signed out everywhere."),
    )
    new_password1 = _password_field(
        _("New password"), False, _("Leave empty to keep the current password.")
    )
    new_password2 = _password_field(_("New password again"), False)

    model_fields = [*UserForm.model_fields, "is_active"]
    password_fields = ("new_password1", "new_password2")
    password_legend = _("Set a new password")
    action_error_fields = {"password": "new_password1"}

    @property
    def fieldsets(self):
        sets = super().fieldsets
        sets[1][1].append(self["is_active"])
        return sets

    def action_kwargs(self):
        return {
            **self.changes(), "teams": self.cleaned_data["teams"],
            "password": self.cleaned_data["new_password1"] or None,
        }


class UserFilterForm(forms.Form):
    """The users list's search, filters and sort order; bad values are reported, not fatal."""

    ACTIVE_CHOICES = [("active", _("Active")), ("inactive", _("Inactive")), ("all", _("All"))]
    SORTS = {
        "name": ("last_name", "first_name", "username"),
        "username": ("username",),
        "role": ("role", "last_name", "first_name"),
        "extension": ("phone_extension", "last_name"),
        "last_login": ("last_login", "username"),
    }

    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    role = forms.ChoiceField(
        label=_("Role"), required=False, choices=[("", _("All roles"))] + Role.choices
    )
    team = forms.ModelChoiceField(
        Team.objects.all(), label=_("Team"), required=False, empty_label=_("All teams"),
        error_messages={"invalid_choice": _("That team does not exist.")},
    )
    active = forms.ChoiceField(label=_("Status"), required=False, choices=ACTIVE_CHOICES)
    sort = forms.ChoiceField(
        label=_("Sort order"), required=False, widget=forms.HiddenInput,
        choices=[(key, key) for name in SORTS for key in (name, f"-{name}")],
    )

    def value(self, name, default=""):
        """The cleaned value, or the default when the value is missing or invalid."""
        self.is_valid()
        return self.cleaned_data.get(name) or default

    def apply(self, users):
        for term in self.value("q").split():
            users = users.filter(
                Q(username__icontains=term) | Q(first_name__icontains=term)
                | Q(last_name__icontains=term) | Q(email__icontains=term)
                | Q(phone_extension__icontains=term)
            )
        if role := self.value("role"):
            users = users.filter(role=role)
        if team := self.value("team", None):
            users = users.filter(teams=team)
        active = self.value("active", "active")
        if active != "all":
            users = users.filter(is_active=active == "active")
        return users.order_by(*self.ordering())

    def ordering(self):
        sort = self.value("sort", "name")
        descending = sort.startswith("-")
        fields = self.SORTS[sort.lstrip("-")]
        if not descending:
            return [F(f).asc(nulls_first=True) if f == "last_login" else f for f in fields] + ["pk"]
        return [F(f).desc(nulls_last=True) for f in fields] + ["-pk"]


class TeamForm(ActionErrorsMixin, forms.Form):
    name = _model_field(Team, "name")
    description = _model_field(Team, "description", widget=forms.Textarea(attrs={"rows": 3}))
    members = forms.ModelMultipleChoiceField(
        User.objects.none(), label=_("Members"), required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "choice-list"}),
        help_text=_("Active users; a member who was deactivated stays listed until removed."),
    )

    def __init__(self, *args, team=None, **kwargs):
        self.team = team if team is not None else Team()
        if team is not None and team.pk and "initial" not in kwargs:
            kwargs["initial"] = {
                "name": team.name, "description": team.description,
                "members": list(team.members.all()),
            }
        super().__init__(*args, **kwargs)
        current = Q(pk__in=self.team.members.values("pk")) if self.team.pk else Q(pk__in=[])
        self.fields["members"].queryset = User.objects.filter(Q(is_active=True) | current)
        self.fields["members"].label_from_instance = self.member_label

    @staticmethod
    def member_label(user):
        label = f"{user} ({user.username})"
        return label if user.is_active else _("%(user)s, inactive") % {"user": label}

    def clean(self):
        cleaned = super().clean()
        if not self.errors:
            try:
                actions.check_team_fields(
                    self.team, name=cleaned["name"], members=cleaned["members"]
                )
            except ValidationError as error:
                self.add_action_errors(error)
        return cleaned

    def action_kwargs(self):
        data = self.cleaned_data
        return {key: data[key] for key in ("name", "description", "members")}
