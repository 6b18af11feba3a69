"""Forms of the contact pages. Plain forms: the actions check and save, the forms only carry values
and place the actions' errors next to the right input (a phone row, a further field ...)."""

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from centrala.accounts.forms import ActionErrorsMixin
from centrala.campaigns.models import Campaign

from .actions import (
    ADDRESS_FIELDS,
    BASIC_FIELDS,
    COMPANY_FIELDS,
    LONG_TEXT_LIMIT,
    PERSON_FIELDS,
    TEXT_LIMIT,
    applicable_fields,
    may_edit_field,
)
from .models import ConsentChannel, ConsentType, Contact, ContactKind, FieldKind

EXTRA_PREFIX = "x_"
MAX_ROWS = 20


def _basic_field(name):
    model_field = Contact._meta.get_field(name)
    return forms.CharField(label=model_field.verbose_name.capitalize(), max_length=model_field.max_length,
                           required=False)


def _extra_form_field(field, *, editable):
    common = {
        "label": field.label, "required": field.required and editable, "disabled": not editable,
        "error_messages": {"required": gettext("“%(field)s” is required.") % {"field": field.label}},
    }
    if field.kind == FieldKind.LONG_TEXT:
        return forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=LONG_TEXT_LIMIT, **common)
    if field.kind == FieldKind.NUMBER:
        return forms.CharField(widget=forms.TextInput(attrs={"inputmode": "decimal"}), max_length=40, **common)
    if field.kind == FieldKind.DATE:
        return forms.CharField(widget=forms.DateInput(attrs={"type": "date"}), max_length=10, **common)
    if field.kind == FieldKind.CHOICE:
        choices = [("", "—")] + [(choice, choice) for choice in field.choices or []]
        return forms.ChoiceField(choices=choices, **common)
    if field.kind == FieldKind.CHECKBOX:
        return forms.BooleanField(**common)
    input_type = "tel" if field.is_phone else "email" if field.is_email else "text"
    return forms.CharField(widget=forms.TextInput(attrs={"type": input_type}), max_length=TEXT_LIMIT, **common)


class ContactForm(forms.Form):
    """A person's or a company's data, several phones and e-mails, and the further fields that
    apply (system-wide ones and those of the campaigns the contact is worked in)."""

    def __init__(self, data=None, *, actor, kind, contact=None, campaign_ids=()):
        self.kind = kind
        self.contact = contact
        initial = {}
        if contact is not None:
            initial = {name: getattr(contact, name) for name in BASIC_FIELDS}
            for key, value in (contact.extra or {}).items():
                initial[EXTRA_PREFIX + key] = value
        super().__init__(data, initial=initial)
        names = PERSON_FIELDS if kind == ContactKind.PERSON else COMPANY_FIELDS
        for name in (*names, *ADDRESS_FIELDS):
            self.fields[name] = _basic_field(name)
        self.extra_fields = [f for f in applicable_fields(campaign_ids) if f.visible]
        for field in self.extra_fields:
            self.fields[EXTRA_PREFIX + field.key] = _extra_form_field(field, editable=may_edit_field(actor, field))
        self.phone_rows = self._rows(data, "phone", "number", contact.phones.all() if contact else [], "raw")
        self.email_rows = self._rows(data, "email", "address", contact.emails.all() if contact else [], "address")
        self.row_errors = False

    @staticmethod
    def _rows(data, name, value_key, stored, attribute):
        if data is not None:
            values = data.getlist(name)[:MAX_ROWS]
            labels = data.getlist(f"{name}_label")[:MAX_ROWS]
            rows = [{value_key: v, "label": labels[i] if i < len(labels) else "", "error": ""} for i, v in enumerate(values)]
        else:
            rows = [{value_key: getattr(item, attribute), "label": item.label, "error": ""} for item in stored]
        return rows or [{value_key: "", "label": "", "error": ""}]

    @property
    def name_fields(self):
        return [self[name] for name in (PERSON_FIELDS if self.kind == ContactKind.PERSON else COMPANY_FIELDS)]

    @property
    def address_fields(self):
        return [self[name] for name in ADDRESS_FIELDS]

    @property
    def further_fields(self):
        return [self[EXTRA_PREFIX + field.key] for field in self.extra_fields]

    @property
    def further_open(self):
        """Show the further fields unfolded when one needs attention."""
        return any(bound.errors or bound.field.required for bound in self.further_fields)

    def is_valid(self):
        return super().is_valid() and not self.row_errors

    def phones(self):
        return [{"number": row["number"], "label": row["label"]} for row in self.phone_rows]

    def emails(self):
        return [{"address": row["address"], "label": row["label"]} for row in self.email_rows]

    def action_kwargs(self):
        data = self.cleaned_data
        kwargs = {name: data[name] for name in BASIC_FIELDS if name in data}
        kwargs["phones"] = self.phones()
        kwargs["emails"] = self.emails()
        kwargs["extra"] = {
            field.key: data.get(EXTRA_PREFIX + field.key)
            for field in self.extra_fields
            if not self.fields[EXTRA_PREFIX + field.key].disabled
        }
        return kwargs

    def add_action_errors(self, error):
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for key, messages in error.message_dict.items():
            group, _dot, index = key.partition(".")
            if group in ("phones", "emails") and index.isdigit():
                rows = self.phone_rows if group == "phones" else self.email_rows
                if int(index) < len(rows):
                    rows[int(index)]["error"] = " ".join(messages)
                    self.row_errors = True
                    continue
            name = EXTRA_PREFIX + index if group == "extra" else key
            self.add_error(name if name in self.fields and not self.fields[name].disabled else None, messages)


class ConsentForm(forms.Form):
    consent_type = forms.ModelChoiceField(ConsentType.objects.filter(active=True), label=_("Consent"))
    granted = forms.TypedChoiceField(
        choices=[("1", _("Granted")), ("0", _("Withdrawn"))], coerce=lambda v: v == "1", label=_("Granted"),
    )
    channel = forms.ChoiceField(choices=ConsentChannel.choices, label=_("How"))
    note = forms.CharField(max_length=300, required=False, label=_("Note"))


# --- administration -------------------------------------------------------------------------------

class ContactFieldForm(ActionErrorsMixin, forms.Form):
    # Choices are edited as text (one per line), so they are not among the plain settings.
    SETTINGS = ("key", "label", "kind", "campaign", "visible", "editable_by_agents", "required", "is_phone", "is_email")

    key = forms.SlugField(
        label=_("Key"), max_length=50,
        help_text=_("Stable name the values are stored under, e.g. loyalty_card. It cannot change later."),
    )
    label = forms.CharField(label=_("Label"), max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), choices=FieldKind.choices)
    choices = forms.CharField(
        label=_("Choices"), required=False, widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("For a choice list: one choice per line."),
    )
    campaign = forms.ModelChoiceField(
        Campaign.objects.all(), label=_("Campaign"), required=False, empty_label=_("All campaigns (system-wide)"),
        help_text=_("A field of one campaign shows only on contacts worked in that campaign."),
    )
    visible = forms.BooleanField(label=_("Visible"), required=False, initial=True)
    editable_by_agents = forms.BooleanField(label=_("Editable by agents"), required=False, initial=True)
    required = forms.BooleanField(label=_("Required"), required=False)
    is_phone = forms.BooleanField(label=_("Is a phone number"), required=False)
    is_email = forms.BooleanField(label=_("Is an e-mail address"), required=False)

    def __init__(self, data=None, *, field=None):
        initial = {}
        if field is not None and field.pk:
            initial = {name: getattr(field, name) for name in self.SETTINGS}
            initial["choices"] = "\n".join(field.choices or [])
        super().__init__(data, initial=initial)
        if field is not None and field.pk:
            self.fields["key"].disabled = True
            self.fields["key"].help_text = _("The key cannot change: contacts store their values under it.")

    def action_kwargs(self):
        return {name: self.cleaned_data[name] for name in (*self.SETTINGS, "choices")}


class ConsentTypeForm(ActionErrorsMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What the contact agrees to; agents may read it out."),
    )
    active = forms.BooleanField(
        label=_("Active"), required=False, initial=True,
        help_text=_("Inactive consents are no longer offered; their history stays on every contact."),
    )

    def __init__(self, data=None, *, consent_type=None):
        initial = {}
        if consent_type is not None and consent_type.pk:
            initial = {"name": consent_type.name, "description": consent_type.description, "active": consent_type.active}
        super().__init__(data, initial=initial)

    def action_kwargs(self):
        return {name: self.cleaned_data[name] for name in ("name", "description", "active")}
