"""Web forms (WEB-01): building them (administrators) and taking submissions (the public).

A submission is checked whole before anything is written; then the contact is matched (by
e-mail address or phone number, never changed by the anonymous sender) or created, and the case
is created with source "web" in the form's campaign, all in one transaction. The optional
confirmation e-mail is stored on the case and sent by the mail task after commit.
"""

from urllib.parse import urlsplit

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from centrala.accounts.permissions import check_can
from centrala.activities.actions import record_info
from centrala.audit.actions import diff, record
from centrala.campaigns.models import FormFieldKind
from centrala.cases.actions import do_create_case
from centrala.cases.models import Source
from centrala.contacts.actions import do_create_contact, find_duplicates
from centrala.contacts.models import ContactField, ContactKind
from centrala.lib.phones import to_e164

from .models import WebForm

MAX_BODY_BYTES = 16 * 1024
VALUE_MAX = 5000
HONEYPOT = "website"  # a field people never see; bots fill it
RATE_WINDOW_SECONDS = 3600

# Contact fields a form can ask for: name -> label.
CONTACT_FIELDS = {
    "first_name": gettext_lazy("First name"),
    "last_name": gettext_lazy("Last name"),
    "company_name": gettext_lazy("Company"),
    "email": gettext_lazy("E-mail"),
    "phone": gettext_lazy("Phone"),
}


class Refused(Exception):
    """A submission refused as a whole (origin, size, rate, honeypot); status is the HTTP status."""

    def __init__(self, message, status):
        super().__init__(message)
        self.message = message
        self.status = status


# --- which fields -----------------------------------------------------------------------------------

def available_fields(campaign):
    """Everything a form of `campaign` may ask for: [{"name", "label", "kind", "choices", "group"}]."""
    input_kinds = {"email": "email", "phone": "tel"}
    found = [{"name": name, "label": str(label), "kind": input_kinds.get(name, "text"), "choices": [],
              "group": "contact"} for name, label in CONTACT_FIELDS.items()]
    for field in ContactField.objects.filter(Q(campaign__isnull=True) | Q(campaign=campaign), visible=True):
        kind = {"long_text": "textarea", "number": "number", "date": "date", "choice": "select",
                "checkbox": "checkbox"}.get(field.kind, "text")
        found.append({"name": f"extra.{field.key}", "label": field.label, "kind": kind,
                      "choices": [[c, c] for c in field.choices or []], "group": "contact"})
    form = campaign.script.form if campaign.script_id else None
    if form is not None:
        for field in form.fields.filter(hidden=False).exclude(kind=FormFieldKind.BUTTON).prefetch_related("choices"):
            kind = {"long_text": "textarea", "number": "number", "datetime": "datetime-local",
                    "single_choice": "select", "multi_choice": "select", "checkbox": "checkbox"}.get(field.kind, "text")
            found.append({"name": f"form.{field.key}", "label": field.label, "kind": kind,
                          "choices": [[c.key, c.label] for c in field.choices.all() if not c.hidden],
                          "group": "case"})
    return found


def public_fields(webform):
    """The fields of the form as the public sees them, in order (fields no longer defined are left out)."""
    known = {f["name"]: f for f in available_fields(webform.campaign)}
    shown = []
    for chosen in webform.fields:
        field = known.get(chosen.get("name"))
        if field is not None:
            shown.append({**field, "label": chosen.get("label") or field["label"],
                          "required": bool(chosen.get("required"))})
    return shown


# --- administration -----------------------------------------------------------------------------------

def clean_origins(text):
    origins, wrong = [], []
    for line in (text or "").splitlines():
        line = line.strip().rstrip("/")
        if not line:
            continue
        parts = urlsplit(line)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.path or parts.query:
            wrong.append(line[:100])
        else:
            origins.append(f"{parts.scheme}://{parts.netloc}".lower())
    if wrong:
        raise ValidationError({"allowed_origins": _(
            "Not a website address: %(values)s. Write one per line, like https://www.example.com (no path)."
        ) % {"values": ", ".join(wrong)}})
    return "\n".join(dict.fromkeys(origins))


def clean_fields(campaign, chosen):
    """chosen: [{"name", "label", "required", "position"}] of the fields ticked; checked and ordered."""
    known = {f["name"]: f for f in available_fields(campaign)}
    errors, fields = [], []
    for item in sorted(chosen, key=lambda i: (i.get("position", 0), i.get("name", ""))):
        name = item.get("name")
        if name not in known:
            errors.append(_("The field “%(name)s” is not available in this campaign.") % {"name": str(name)[:60]})
            continue
        label = (item.get("label") or "").strip()[:150]
        fields.append({"name": name, "label": label or known[name]["label"], "required": bool(item.get("required"))})
    names = {f["name"]: f for f in fields}
    if any(name.startswith("form.") for name in names):
        # A case created with form values must hold every field its campaign requires (CASE-09).
        form = campaign.script.form
        for field in form.fields.filter(required=True, hidden=False).exclude(kind=FormFieldKind.BUTTON):
            chosen_field = names.get(f"form.{field.key}")
            if chosen_field is None or not chosen_field["required"]:
                errors.append(_("The campaign's form requires “%(field)s”: put it on the web form as a required "
                                "field, or ask for none of the case form's fields.") % {"field": field.label})
    if not fields:
        errors.append(_("Choose at least one field for the form."))
    elif not any(f["name"] in ("email", "phone") for f in fields):
        errors.append(_("Ask for an e-mail address or a phone number, so the customer can be reached."))
    if errors:
        raise ValidationError({"fields": errors})
    return fields


def _state(webform):
    fields = [f"{i + 1}. {f['name']}{' *' if f.get('required') else ''} {f.get('label') or ''}".strip()
              for i, f in enumerate(webform.fields or [])]
    return {"fields": fields} | {name: getattr(webform, name) for name in (
        "name", "is_active", "allowed_origins", "per_ip_per_hour", "per_form_per_hour", "thank_you",
        "send_confirmation", "confirmation_subject", "confirmation_body")} | {"campaign": str(webform.campaign)}


@transaction.atomic
def do_save_webform(actor, webform, *, campaign, name, fields, allowed_origins, per_ip_per_hour=5,
                    per_form_per_hour=200, thank_you="", send_confirmation=False, confirmation_subject="",
                    confirmation_body="", is_active=True):
    """Create (webform None) or change a web form. Administrators only."""
    check_can(actor, "manage_webforms")
    errors = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = [_("Enter a name.")]
    if campaign is None:
        errors["campaign"] = [_("Choose a campaign.")]
    for key, value, low, high in (("per_ip_per_hour", per_ip_per_hour, 1, 1000),
                                  ("per_form_per_hour", per_form_per_hour, 1, 100000)):
        try:
            number = int(value)
            if not low <= number <= high:
                raise ValueError
        except (TypeError, ValueError):
            errors[key] = [_("Enter a whole number from %(low)s to %(high)s.") % {"low": low, "high": high}]
    try:
        origins = clean_origins(allowed_origins)
    except ValidationError as error:
        errors.update(error.message_dict)
    if campaign is not None:
        try:
            fields = clean_fields(campaign, fields)
        except ValidationError as error:
            errors.update(error.message_dict)
    if send_confirmation and not (confirmation_body or "").strip():
        errors["confirmation_body"] = [_("Write the text of the confirmation e-mail.")]
    if errors:
        raise ValidationError(errors)
    before = _state(webform) if webform is not None else {}
    webform = webform or WebForm(created_by=actor)
    webform.campaign, webform.name, webform.fields, webform.allowed_origins = campaign, name, fields, origins
    webform.per_ip_per_hour, webform.per_form_per_hour = int(per_ip_per_hour), int(per_form_per_hour)
    webform.thank_you = (thank_you or "").strip()[:500]
    webform.send_confirmation = bool(send_confirmation)
    webform.confirmation_subject = (confirmation_subject or "").strip()[:200]
    webform.confirmation_body = (confirmation_body or "").strip()
    webform.is_active = bool(is_active)
    webform.save()
    record(actor, "webform.update" if before else "webform.create", webform, diff(before, _state(webform)))
    return webform


@transaction.atomic
def do_set_active(actor, webform, active):
    check_can(actor, "manage_webforms")
    if webform.is_active != bool(active):
        record(actor, "webform.update", webform, {"is_active": [webform.is_active, bool(active)]})
        webform.is_active = bool(active)
        webform.save(update_fields=["is_active"])
    return webform


# --- submissions -----------------------------------------------------------------------------------------

def origin_allowed(webform, origin):
    return bool(origin) and origin.rstrip("/").lower() in webform.origins()


ORIGIN_REFUSED = gettext_lazy(
    "Refused as a cross-site request (CSRF protection): this website is not among the form's allowed websites.")


def check_origin(webform, origin):
    """The form's own CSRF protection: Django's check is off for it (no session or token exists on
    a customer's website), so only the allowed websites may send it."""
    if webform is None or not origin_allowed(webform, origin):
        raise Refused(str(ORIGIN_REFUSED), 403)


def check_rate(webform, ip):
    """Count this submission against the per-visitor and per-form limits of the hour (the cache)."""
    for key, limit in ((f"webform:{webform.pk}:ip:{ip}", webform.per_ip_per_hour),
                       (f"webform:{webform.pk}:all", webform.per_form_per_hour)):
        cache.add(key, 0, RATE_WINDOW_SECONDS)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, RATE_WINDOW_SECONDS)
            count = 1
        if count > limit:
            raise Refused(_("Too many submissions. Please try again later."), 429)


def _value(raw):
    if isinstance(raw, list):
        return [str(v)[:VALUE_MAX] for v in raw]
    if isinstance(raw, bool):
        return raw
    return "" if raw is None else str(raw)[:VALUE_MAX].strip()


def check_submission(webform, data, fields=None):
    """The contact parts and the case form values of a submission, or ValidationError keyed by
    the form's field names with messages the sender can act on."""
    if str(data.get(HONEYPOT) or "").strip():
        raise Refused(_("The submission was not accepted: it looks automated."), 400)
    errors, contact, extra, form_values = {}, {}, {}, {}
    fields = public_fields(webform) if fields is None else fields
    for field in fields:
        value = _value(data.get(field["name"]))
        empty = value in ("", [], False, None)
        if empty:
            if field["required"]:
                errors[field["name"]] = _("“%(field)s” is required.") % {"field": field["label"]}
            continue
        name = field["name"]
        if name == "email":
            try:
                validate_email(value)
            except ValidationError:
                errors[name] = _("“%(value)s” is not a valid e-mail address.") % {"value": str(value)[:100]}
                continue
        if name == "phone" and to_e164(value) is None:
            errors[name] = _("“%(value)s” is not a valid phone number.") % {"value": str(value)[:40]}
            continue
        if name.startswith("extra."):
            extra[name[6:]] = value
        elif name.startswith("form."):
            form_values[name[5:]] = value
        else:
            contact[name] = value
    if not (contact.get("email") or contact.get("phone")) and not errors:
        errors["email"] = _("Give an e-mail address or a phone number, so we can answer.")
    if errors:
        raise ValidationError(errors)
    return contact, extra, form_values


def _labelled(error):
    """Errors of the contact and case checks, keyed by the form's field names."""
    found = {}
    for key, messages in error.message_dict.items():
        name = {"phones.0": "phone", "emails.0": "email"}.get(key, key)
        found[name] = " ".join(messages)
    return found


def do_submit(webform, data, *, ip=""):
    """Take one submission: match or create the contact, create the case. Returns (case, contact,
    created_contact). Raises Refused or ValidationError; then nothing at all is stored."""
    if not webform.is_active:
        raise Refused(_("This form does not accept submissions at the moment."), 410)
    fields = public_fields(webform)
    contact_values, extra, form_values = check_submission(webform, data, fields)
    campaign = webform.campaign
    emails = [contact_values["email"]] if contact_values.get("email") else []
    phones = [contact_values["phone"]] if contact_values.get("phone") else []
    names = {k: contact_values[k] for k in ("first_name", "last_name", "company_name") if contact_values.get(k)}
    only_company = names.get("company_name") and not (names.get("first_name") or names.get("last_name"))
    kind = ContactKind.COMPANY if only_company else ContactKind.PERSON
    try:
        with transaction.atomic():
            matches = find_duplicates(phones=phones, emails=emails, limit=1)
            created = not matches
            if matches:
                contact = matches[0]  # an anonymous sender never changes a stored contact
            else:
                contact = do_create_contact(None, kind, phones=phones, emails=emails, extra=extra, campaign=campaign,
                                            **names)
            case = do_create_case(None, campaign=campaign, contact=contact, source=Source.WEB,
                                  form_data=form_values or None, check_access=False)
            record(None, "webform.submit", case, {"webform": [None, webform.name], "ip": [None, ip or None],
                                                 "contact_created": [None, created]})
            _record_submission(webform, fields, case, contact_values, extra, created)
            if webform.send_confirmation and emails:
                _confirm(webform, case, emails[0])
    except ValidationError as error:
        raise ValidationError(_labelled(error)) from None
    return case, contact, created


def _record_submission(webform, fields, case, contact_values, extra, created):
    """What the sender typed about themselves, on the case's timeline: a matched contact is never
    changed by an anonymous sender, so this is where the agent sees a new name or number."""
    labels = {f["name"]: f["label"] for f in fields}
    lines = [f"{labels.get(name) or CONTACT_FIELDS.get(name, name)}: {value}" for name, value in contact_values.items()]
    lines += [f"{labels.get('extra.' + key) or key}: {value}" for key, value in extra.items()]
    if not created:
        lines.insert(0, _("The sender matched an existing contact, which was not changed. They wrote:"))
    record_info(case, None, field="webform", label=_("Web form"), new=webform.name, body="\n".join(lines))


def _confirm(webform, case, address):
    """Queue the confirmation e-mail through the campaign's outgoing mailbox (none: no e-mail)."""
    from centrala.mail.replies import do_send_system_email

    subject = webform.confirmation_subject or _("We received your message")
    do_send_system_email(case, to=[address], subject=subject, body=webform.confirmation_body)

