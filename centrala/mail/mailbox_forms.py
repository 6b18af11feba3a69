"""Forms of the mailbox pages. The secret field is never filled in when a page is shown."""

import copy

from django import forms
from django.core.validators import MinValueValidator
from django.utils.translation import gettext_lazy as _

from centrala.accounts.models import AGENT_ROLES, SUPERVISOR_ROLES, User
from centrala.campaigns.models import Campaign

from .models import IncomingMailbox, OutgoingMailbox

SERVER_FIELDS = ["host", "port", "security", "username", "auth_method"]


class _SecretMixin:
    secret_field = forms.CharField(
        label=_("Password or access token"), required=False, strip=False, max_length=4000,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
    )

    def _setup_secret(self):
        self.fields["new_secret"] = copy.deepcopy(self.secret_field)
        if self.instance.pk and self.instance.secret:
            self.fields["new_secret"].help_text = _("Stored. Leave empty to keep it; type a new one to replace it.")
        else:
            self.fields["new_secret"].help_text = _("The password, or the OAuth2 access token for XOAUTH2.")

    def clean_new_secret(self):
        secret = self.cleaned_data.get("new_secret") or ""
        stored = self.instance.pk and self.instance.secret
        if not secret and not stored and self.cleaned_data.get("username"):
            raise forms.ValidationError(_("Enter the password or access token for this user name."))
        return secret

    def values(self):
        return {name: self.cleaned_data[name] for name in self.Meta.fields if name not in self.m2m_fields}

    def candidate(self):
        """An unsaved mailbox with the submitted values (and the stored secret if none was typed),
        for "Test connection" without saving."""
        box = type(self.instance)(pk=self.instance.pk, secret=self.instance.secret)
        for name, value in self.values().items():
            setattr(box, name, value)
        if self.cleaned_data.get("new_secret"):
            box.secret = self.cleaned_data["new_secret"]
        return box


class IncomingMailboxForm(_SecretMixin, forms.ModelForm):
    m2m_fields = ()

    class Meta:
        model = IncomingMailbox
        fields = ["name", "address", "campaign", *SERVER_FIELDS, "folder", "use_idle", "poll_seconds",
                  "max_attachment_bytes", "is_active"]
        help_texts = {
            "campaign": _("New messages become cases of this campaign, in its initial status."),
            "use_idle": _("The server tells Centrala about new mail at once; without it Centrala asks every "
                          "polling interval."),
            "max_attachment_bytes": _("Larger attachments are not kept; the message is, with a note."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["campaign"].queryset = Campaign.objects.filter(active=True) | Campaign.objects.filter(
            pk=self.instance.campaign_id or 0)
        self.fields["port"].initial = self.fields["port"].initial or 993
        self.fields["poll_seconds"].validators.append(MinValueValidator(5))
        self.fields["poll_seconds"].widget.attrs["min"] = 5
        self._setup_secret()


class OutgoingMailboxForm(_SecretMixin, forms.ModelForm):
    m2m_fields = ("users", "campaigns")

    class Meta:
        model = OutgoingMailbox
        fields = ["name", "from_address", "from_name", *SERVER_FIELDS, "users", "campaigns", "is_active"]
        widgets = {"users": forms.CheckboxSelectMultiple, "campaigns": forms.CheckboxSelectMultiple}
        help_texts = {
            "users": _("These users send their replies through this mailbox."),
            "campaigns": _("Replies in these campaigns go through this mailbox when the user has none of their own."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["users"].queryset = User.objects.filter(is_active=True, role__in=AGENT_ROLES | SUPERVISOR_ROLES) | User.objects.filter(
            pk__in=self.instance.users.values("pk") if self.instance.pk else [])
        self.fields["users"].required = False
        self.fields["campaigns"].required = False
        self.fields["port"].initial = 587
        self._setup_secret()

    def m2m(self):
        return {name: self.cleaned_data[name] for name in self.m2m_fields}
