from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from centrala.accounts.models import Team

from . import actions
from .models import PresenceStatus


class StatusForm(forms.ModelForm):
    class Meta:
        model = PresenceStatus
        fields = ["name", "kind", "logs_into_queues", "is_default", "active"]
        widgets = {"kind": forms.RadioSelect}
        help_texts = {
            "kind": _("Work statuses show green and count as work time; break statuses show red."),
            "active": _("Only active statuses can be chosen. A status that was ever used cannot be "
                        "deleted; deactivate it instead."),
        }

    # The model's checks do not fit here: actions.check_status_fields compares names without
    # regard to case, and do_save_status takes "set after login" from the other status in the same
    # transaction, which the one-default constraint would refuse beforehand.
    def validate_unique(self):
        pass

    def validate_constraints(self):
        pass

    def clean(self):
        cleaned = super().clean()
        if "name" in cleaned:
            try:
                actions.check_status_fields(
                    self.instance, name=cleaned["name"],
                    is_default=cleaned.get("is_default", False), active=cleaned.get("active", False),
                )
            except ValidationError as error:
                for name, messages in error.message_dict.items():
                    for message in messages:
                        self.add_error(name, message)
        return cleaned

    def values(self):
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class TeamFilterForm(forms.Form):
    team = forms.ModelChoiceField(
        label=_("Team"), queryset=Team.objects.all(), required=False, empty_label=_("All teams"),
    )


class ReportFilterForm(TeamFilterForm):
    day = forms.DateField(label=_("Day"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))

    field_order = ["day", "team"]
