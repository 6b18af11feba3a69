"""Forms of the mailbox pages. The secret field is never filled in when a page is shown."""

import copy

from django import forms
from django.core.validators import MinValueValidator
from django.utils.translation import gettext_lazy as _

from centrala.accounts.models import AGENT_ROLES, SUPERVISOR_ROLES, User
from centrala.campaigns.models import Campaign

from .models import IncomingMailbox, Intake, OutgoingMailbox

# Where and how to sign in. The stored secret is only ever sent where it was typed for: changing
# one of these needs it typed again.
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
        if not secret and stored and self._server_changed():
            # Otherwise the stored password could be sent to any server typed here (and read there).
            raise forms.ValidationError(_("The server, security or user name changed: type the password or "
                                          "access token again."))
        return secret

    def _server_changed(self):
        return any(name in self.cleaned_data and self.cleaned_data[name] != getattr(self.instance, name)
                   for name in SERVER_FIELDS)

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
        fields = ["name", "address", "campaign", "intake", *SERVER_FIELDS, "folder", "use_idle", "poll_seconds",
                  "max_attachment_bytes", "is_active"]
        help_texts = {
            "campaign": _("New messages become cases of this campaign, in its initial status."),
            "use_idle": _("The server tells Centrala about new mail at once; without it Centrala asks every "
                          "polling interval."),
            "max_attachment_bytes": _("Larger attachments are not kept; the message is, with a note."),
            "intake": _("IMAP: Centrala reads the mailbox on your mail server. Delivered: your mail server hands "
                        "the messages for this address to Centrala's listener (manage.py mail_listener); the "
                        "server settings below are then not used."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["campaign"].queryset = Campaign.objects.filter(active=True) | Campaign.objects.filter(
            pk=self.instance.campaign_id or 0)
        self.fields["port"].initial = self.fields["port"].initial or 993
        self.fields["poll_seconds"].validators.append(MinValueValidator(5))
        self.fields["poll_seconds"].widget.attrs["min"] = 5
        self.fields["intake"].required = False
        self._setup_secret()

    def clean_intake(self):
        return self.cleaned_data.get("intake") or Intake.IMAP  # not sent: read over IMAP, as before

    def delivered(self):
        return self.cleaned_data.get("intake") == Intake.DELIVERY

    def clean_new_secret(self):
        if self.delivered():
            return ""  # nothing to sign in to
        return super().clean_new_secret()

    def clean(self):
        cleaned = super().clean()
        if self.delivered():
            address = (cleaned.get("address") or "").strip().lower()
            if not address and "address" not in self.errors:
                self.add_error("address", _("Delivered mail is matched by its address: enter it."))
            elif address and IncomingMailbox.objects.filter(address__iexact=address).exclude(
                    pk=self.instance.pk or 0).exists():
                self.add_error("address", _("Another incoming mailbox already has this address."))
        elif not cleaned.get("host") and "host" not in self.errors:
            self.add_error("host", _("Enter the IMAP server."))
        return cleaned


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
        self.fields["host"].required = True
        self._setup_secret()

    def m2m(self):
        return {name: self.cleaned_data[name] for name in self.m2m_fields}
