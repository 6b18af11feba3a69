"""The audit trail's filters (all optional, all in the query string)."""

import re
from datetime import datetime, time, timedelta

from django import forms
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.validators import RegexValidator
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .labels import ACTION_LABELS

ACTION_CODE = re.compile(r"^[a-z0-9_]+(\.[a-z0-9_]+)+$")
OBJECT_TYPE = re.compile(r"^[a-z0-9_]+\.[a-z0-9_]+$")


def object_types():
    """(label, readable name) of every Centrala model: what the trail's object_type holds."""
    return sorted(
        (
            (model._meta.label_lower, str(model._meta.verbose_name).capitalize())
            for model in apps.get_models()
            if model._meta.app_config.name.startswith("centrala.")
        ),
        key=lambda choice: choice[1].lower(),
    )


class ActorChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, user):
        full_name = user.get_full_name()
        return f"{full_name} ({user.username})" if full_name else user.username


class CodeField(forms.CharField):
    """A code picked from a list, where codes outside the list (older entries, newer modules)
    are still accepted when well formed, so any link from the trail works as a filter."""

    def __init__(self, *, known, pattern, **kwargs):
        self.known = known
        super().__init__(
            required=False, max_length=64, widget=forms.Select,
            validators=[RegexValidator(pattern, _("This is not a valid code."))], **kwargs,
        )

    def choices_for(self, value):
        choices = [("", _("All")), *self.known()]
        if value and value not in dict(choices):
            choices.append((value, value))
        return choices


class AuditFilterForm(forms.Form):
    actor = ActorChoiceField(
        label=_("Who"), required=False, empty_label=_("Anyone"),
        queryset=get_user_model().objects.order_by("username"),
    )
    action = CodeField(
        label=_("Action"), pattern=ACTION_CODE,
        known=lambda: sorted(ACTION_LABELS.items(), key=lambda item: str(item[1]).lower()),
    )
    object_type = CodeField(label=_("Object type"), pattern=OBJECT_TYPE, known=object_types)
    object_id = forms.CharField(label=_("Object id"), required=False, max_length=64)
    date_from = forms.DateField(
        label=pgettext_lazy("date range", "From"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    date_to = forms.DateField(
        label=pgettext_lazy("date range", "To"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    # Keyset pagination: the id of the entry the page starts after (older) or before (newer).
    before = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    after = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("action", "object_type"):
            self.fields[name].widget.choices = self.fields[name].choices_for(self.data.get(name, ""))

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date is before the start date."))
        if cleaned.get("before") and cleaned.get("after"):
            raise forms.ValidationError(_("Ask for older or for newer entries, not both."))
        return cleaned

    def apply(self, entries):
        data = self.cleaned_data
        if data["actor"]:
            entries = entries.filter(actor=data["actor"])
        if data["action"]:
            entries = entries.filter(action=data["action"])
        if data["object_type"]:
            entries = entries.filter(object_type=data["object_type"])
        if data["object_id"]:
            entries = entries.filter(object_id=data["object_id"].strip())
        # Dates are days in the current time zone; "to" includes the whole day.
        if data["date_from"]:
            entries = entries.filter(at__gte=_start_of(data["date_from"]))
        if data["date_to"]:
            entries = entries.filter(at__lt=_start_of(data["date_to"] + timedelta(days=1)))
        return entries


def _start_of(day):
    return timezone.make_aware(datetime.combine(day, time.min))


# Keyset conditions on (at, id). The leading plain bound on `at` is redundant logically but
# lets the database start its index scan at the cursor instead of filtering from the top.
def newer_than(entry):
    return Q(at__gte=entry.at) & (Q(at__gt=entry.at) | Q(pk__gt=entry.pk))


def older_than(entry):
    return Q(at__lte=entry.at) & (Q(at__lt=entry.at) | Q(pk__lt=entry.pk))
