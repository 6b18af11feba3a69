"""Importing contacts from CSV/XLSX (CON-06): the actions of each step and the batch worker.

Steps: do_upload (the file is read once to find its format, encoding, delimiter, columns and
row count; the mapping is guessed from the headers), do_set_mapping (the user's choices),
preview (the first rows as they would be imported, nothing saved), do_start_import (an
ImportGroup, then a background task), run_import (the task).

The worker reads the stored file again and works in batches of BATCH rows, each in its own
transaction: rows are checked one by one (a bad row is reported with its number and skipped,
never aborting the file), duplicates are looked up for the whole batch at once (phones in E.164,
e-mails without case, also against earlier rows of the same batch), new contacts, their phones
and e-mails and group memberships are bulk-inserted, updated contacts bulk-updated (each with its
own audit entry). Progress is stored after every batch for the page that polls it.
"""

import itertools
import re
from pathlib import PurePath

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Value
from django.db.models.functions import Coalesce
from django.tasks import task
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, override

from centrala.accounts.permissions import can
from centrala.audit.actions import diff, record
from centrala.audit.models import AuditEntry
from centrala.lib.phones import to_e164
from centrala.lib.text import fold
from centrala.worklists.jobs import STALLED_AFTER

from . import importfile
from .actions import BASIC_FIELDS, parse_field_value
from .models import (
    Contact,
    ContactEmail,
    ContactField,
    ContactImport,
    ContactKind,
    ContactPhone,
    DuplicateMode,
    ImportGroup,
    ImportState,
)

BATCH = 1000
PREVIEW_ROWS = 20
ERRORS_KEPT = 10_000  # the rows with errors listed (the count is always exact)

BASIC_TARGETS = [
    ("ignore", gettext_lazy("— ignore —")),
    ("first_name", gettext_lazy("First name")),
    ("last_name", gettext_lazy("Last name")),
    ("company_name", gettext_lazy("Company name")),
    ("kind", gettext_lazy("Kind (person or company)")),
    ("tax_id", gettext_lazy("Tax ID")),
    ("phone", gettext_lazy("Phone")),
    ("email", gettext_lazy("E-mail")),
    ("street", gettext_lazy("Street and number")),
    ("postal_code", gettext_lazy("Postal code")),
    ("city", gettext_lazy("City")),
    ("country", gettext_lazy("Country")),
]
PHONE_LIKE = re.compile(r"[\d\s\-().+/]+")
SINGLE_TARGETS = frozenset(BASIC_FIELDS) | {"kind"}

# What a "kind" column may say (folded), besides the kinds' own names in every language.
PERSON_WORDS = {"person", "p", "private", "individual", "osoba", "osoba fizyczna", "prywatna", "человек",
                "физическое лицо", "физлицо", "частное лицо", "лицо"}
COMPANY_WORDS = {"company", "c", "business", "organisation", "organization", "firma", "przedsiebiorstwo",
                 "компания", "организация", "юридическое лицо", "юрлицо", "фирма"}


def _by(actor):
    return actor if actor is not None and actor.is_authenticated else None


def target_choices(fields=None):
    fields = list(ContactField.objects.all()) if fields is None else fields
    return BASIC_TARGETS + [(f"extra:{field.key}", field.label) for field in fields]


def column_names(imp):
    if imp.has_header:
        return [header or _("Column %(number)s") % {"number": index} for index, header in enumerate(imp.headers, 1)]
    return [_("Column %(number)s") % {"number": index} for index in range(1, len(imp.headers) + 1)]


def _looks_like_data(cells):
    """True when a first row holds e-mail addresses or phone numbers: it is data, not headers."""
    return any("@" in cell or (PHONE_LIKE.fullmatch(cell) and len(re.sub(r"\D", "", cell)) >= 7) for cell in cells)


# --- upload -----------------------------------------------------------------------------------------

@transaction.atomic
def do_upload(actor, name, data):
    """Keep an uploaded file and what the next step needs to know about it. Raises
    ValidationError with a clear message for a file that cannot be imported."""
    if not can(actor, "import_contacts"):
        raise PermissionDenied("import_contacts")
    name = PurePath((name or "").replace("\\", "/")).name[:255] or "contacts"
    try:
        info = importfile.inspect(name, data)
    except importfile.FileError as error:
        raise ValidationError(str(error)) from None
    headers = info["first_row"]
    has_header = not _looks_like_data(headers)
    fields = list(ContactField.objects.all())
    stamp = formats.date_format(timezone.localtime(), "SHORT_DATE_FORMAT")
    imp = ContactImport.objects.create(
        created_by=_by(actor), file_name=name, file_format=info["format"], data=data, size=len(data),
        encoding=info["encoding"], delimiter=info["delimiter"], has_header=has_header, headers=headers,
        mapping=importfile.guess_mapping(headers if has_header else [""] * len(headers), fields),
        options={"duplicates": DuplicateMode.SKIP, "group_name": f"{PurePath(name).stem} {stamp}"[:120]},
        total_rows=info["data_rows"] + (0 if has_header else 1),
    )
    record(_by(actor), "contact_import.upload", imp, {"file": name, "size": len(data), "rows": imp.total_rows})
    return imp


# --- mapping ----------------------------------------------------------------------------------------

def check_mapping(mapping, fields):
    """The mapping as stored, or ValidationError: known targets, single-value ones once, and
    something that makes a contact (a name, a company name, a phone or an e-mail)."""
    known = {value for value, _label in target_choices(fields)}
    errors, used = [], set()
    for index, target in enumerate(mapping, 1):
        if target not in known:
            errors.append(_("Column %(number)s: choose what it holds.") % {"number": index})
        elif target in SINGLE_TARGETS or target.startswith("extra:"):
            if target in used:
                label = dict(target_choices(fields))[target]
                errors.append(_("“%(target)s” can be chosen for one column only.") % {"target": label})
            used.add(target)
        else:
            used.add(target)
    if not errors and not used & {"first_name", "last_name", "company_name", "phone", "email"}:
        errors.append(_("Choose at least one column with a name, a company name, a phone or an e-mail."))
    if errors:
        raise ValidationError(errors)
    return list(mapping)


@transaction.atomic
def do_set_file_options(actor, imp, *, encoding=None, delimiter=None, has_header=None):
    """Read an uploaded file again with another encoding or delimiter (CSV), or with or without
    a header row. Returns (import, columns_changed): when the file now has other columns, the
    mapping is guessed again and the user has to look at it once more."""
    if not can(actor, "import_contacts"):
        raise PermissionDenied("import_contacts")
    imp = ContactImport.objects.select_for_update().get(pk=imp.pk)
    if imp.state != ImportState.UPLOADED:
        raise ValidationError(_("This import has already started."))
    before = {"encoding": imp.encoding, "delimiter": imp.delimiter, "has_header": imp.has_header}
    columns_changed = False
    if imp.file_format == "csv":
        encoding, delimiter = encoding or imp.encoding, delimiter or imp.delimiter
        if encoding not in dict(importfile.ENCODINGS) or delimiter not in dict(importfile.DELIMITERS):
            raise ValidationError(_("Choose an encoding and a delimiter from the lists."))
        if (encoding, delimiter) != (imp.encoding, imp.delimiter):
            try:
                info = importfile.inspect(imp.file_name, bytes(imp.data), encoding=encoding, delimiter=delimiter)
            except importfile.FileError as error:
                raise ValidationError(str(error)) from None
            columns_changed = info["first_row"] != imp.headers
            imp.encoding, imp.delimiter, imp.headers = encoding, delimiter, info["first_row"]
            imp.total_rows = info["data_rows"] + (0 if imp.has_header else 1)
    if has_header is not None and bool(has_header) != imp.has_header:
        imp.has_header = bool(has_header)
        imp.total_rows += -1 if imp.has_header else 1
        columns_changed = columns_changed or imp.has_header  # named columns now: guess from the names
    if columns_changed:
        fields = list(ContactField.objects.all())
        imp.mapping = importfile.guess_mapping(imp.headers if imp.has_header else [""] * len(imp.headers), fields)
    imp.save(update_fields=["encoding", "delimiter", "headers", "total_rows", "has_header", "mapping"])
    changes = diff(before, {"encoding": imp.encoding, "delimiter": imp.delimiter, "has_header": imp.has_header})
    if changes:
        record(_by(actor), "contact_import.file_options", imp, changes)
    return imp, columns_changed


@transaction.atomic
def do_set_mapping(actor, imp, *, mapping, duplicates, group_name):
    """The user's choices for an uploaded file: what each column holds, what to do with contacts
    that already exist, and the import group's name."""
    if not can(actor, "import_contacts"):
        raise PermissionDenied("import_contacts")
    imp = ContactImport.objects.select_for_update().get(pk=imp.pk)
    if imp.state != ImportState.UPLOADED:
        raise ValidationError(_("This import has already started."))
    before = {"mapping": imp.mapping, "options": imp.options}
    fields = list(ContactField.objects.all())
    mapping = list(mapping or [])
    if len(mapping) != len(imp.headers):
        raise ValidationError(_("Choose what each of the %(count)s columns holds.") % {"count": len(imp.headers)})
    mapping = check_mapping(mapping, fields)
    if duplicates not in DuplicateMode.values:
        raise ValidationError(_("Choose what to do with contacts that already exist."))
    group_name = " ".join((group_name or "").split())
    if not group_name or len(group_name) > 120:
        raise ValidationError(_("Name the import group (at most 120 characters)."))
    imp.mapping = mapping
    imp.options = {**imp.options, "duplicates": duplicates, "group_name": group_name}
    imp.save(update_fields=["mapping", "options"])
    changes = diff(before, {"mapping": imp.mapping, "options": imp.options})
    if changes:
        record(_by(actor), "contact_import.mapping", imp, changes)
    return imp


# --- rows -------------------------------------------------------------------------------------------

class Row:
    """One data row: what it says (values, phones, e-mails, further fields), what is wrong with
    it, and what the import does with it (create, update, unchanged, skip, error)."""

    __slots__ = ("contact_id", "emails", "errors", "extra", "kind", "kind_given", "number", "outcome", "phones",
                 "target", "values")

    def __init__(self, number):
        self.number = number
        self.kind = ContactKind.PERSON
        self.kind_given = False
        self.values, self.phones, self.emails, self.extra, self.errors = {}, [], [], {}, []
        self.outcome, self.contact_id, self.target = "", None, None


def _kind_words():
    words = {"person": set(PERSON_WORDS), "company": set(COMPANY_WORDS)}
    for language in ("en", "pl", "ru"):
        with override(language):
            for value, label in ContactKind.choices:
                words[value].add(fold(str(label)))
    return {fold(word): kind for kind, items in words.items() for word in items}


class Importer:
    """Checks rows, finds their duplicates and writes them, batch by batch, for one import."""

    def __init__(self, imp, actor=None):
        self.imp = imp
        self.actor = actor
        self.mode = imp.options.get("duplicates", DuplicateMode.SKIP)
        self.fields = {field.key: field for field in ContactField.objects.all()}
        self.required = [field for field in self.fields.values()
                         if field.required and field.visible and field.campaign_id is None]
        self.columns = column_names(imp)
        self.mapping = list(imp.mapping)
        self.kinds = _kind_words()
        self.limits = {name: Contact._meta.get_field(name).max_length for name in BASIC_FIELDS}

    # --- one row, alone

    def clean(self, number, cells):
        row = Row(number)
        for index, target in enumerate(self.mapping):
            text = cells[index].strip() if index < len(cells) else ""
            if not text or target == "ignore":
                continue
            column = self.columns[index]
            if target == "phone":
                row.phones.extend(part.strip() for part in re.split(r"[,;]", text) if part.strip())
            elif target == "email":
                row.emails.extend(part for part in re.split(r"[,;\s]+", text) if part)
            elif target == "kind":
                kind = self.kinds.get(fold(text))
                if kind is None:
                    row.errors.append(_("“%(column)s”: “%(value)s” is neither a person nor a company.")
                                      % {"column": column, "value": text[:50]})
                else:
                    row.kind, row.kind_given = kind, True
            elif target.startswith("extra:"):
                field = self.fields.get(target[6:])
                if field is None:
                    continue
                try:
                    value = parse_field_value(field, text)
                except ValidationError as error:
                    row.errors.append(error.messages[0])
                    continue
                if value not in (None, False):
                    row.extra[field.key] = value
            else:
                if len(text) > self.limits[target]:
                    row.errors.append(_("“%(column)s”: at most %(limit)s characters.")
                                      % {"column": column, "limit": self.limits[target]})
                    continue
                row.values[target] = text
        if not row.kind_given and row.values.get("company_name") and not (
            row.values.get("first_name") or row.values.get("last_name")
        ):
            row.kind = ContactKind.COMPANY
        row.phones = self._phones(row)
        row.emails = self._emails(row)
        if row.kind == ContactKind.COMPANY and not row.values.get("company_name"):
            row.errors.append(_("Enter the company name."))
        if row.kind == ContactKind.PERSON and not (
            row.values.get("first_name") or row.values.get("last_name") or row.phones or row.emails
        ):
            row.errors.append(_("Enter a name, a phone number or an e-mail address."))
        if row.errors:
            row.outcome = "error"
        return row

    def _phones(self, row):
        cleaned, seen = [], set()
        for raw in row.phones:
            if len(raw) > 40:
                row.errors.append(_("“%(number)s” is too long for a phone number.") % {"number": raw[:50]})
                continue
            e164 = to_e164(raw)
            if e164 is None:
                row.errors.append(_("“%(number)s” is not a valid phone number.") % {"number": raw})
            elif e164 not in seen:
                seen.add(e164)
                cleaned.append((raw, e164))
        return cleaned

    def _emails(self, row):
        cleaned, seen = [], set()
        for address in row.emails:
            try:
                if len(address) > 254:
                    raise ValidationError("too long")
                validate_email(address)
            except ValidationError:
                row.errors.append(_("“%(address)s” is not a valid e-mail address.") % {"address": address[:100]})
                continue
            if address.lower() not in seen:
                seen.add(address.lower())
                cleaned.append(address)
        return cleaned

    # --- a batch: duplicates, then writing

    def plan(self, rows):
        """Decide each good row's outcome: create, or (when its phone or e-mail is already a
        contact's, or an earlier row's in this batch) skip, update or create anyway."""
        good = [row for row in rows if not row.errors]
        numbers = {e164 for row in good for _raw, e164 in row.phones}
        keys = {address.lower() for row in good for address in row.emails}
        by_number, by_email = {}, {}
        if numbers:
            for e164, contact_id in (ContactPhone.objects.filter(e164__in=numbers)
                                     .order_by("contact_id").values_list("e164", "contact_id")):
                by_number.setdefault(e164, contact_id)
        if keys:
            for key, contact_id in (ContactEmail.objects.filter(address_key__in=keys)
                                    .order_by("contact_id").values_list("address_key", "contact_id")):
                by_email.setdefault(key, contact_id)
        pending_number, pending_email = {}, {}  # rows of this batch that create a contact
        for row in good:
            existing = next((by_number[e164] for _raw, e164 in row.phones if e164 in by_number), None) or next(
                (by_email[a.lower()] for a in row.emails if a.lower() in by_email), None)
            earlier = None
            if existing is None:
                earlier = next((pending_number[e164] for _raw, e164 in row.phones if e164 in pending_number), None) or next(
                    (pending_email[a.lower()] for a in row.emails if a.lower() in pending_email), None)
            if (existing or earlier) and self.mode != DuplicateMode.CREATE:
                if self.mode == DuplicateMode.SKIP:
                    row.outcome, row.contact_id, row.target = "skip", existing, earlier
                    continue
                row.outcome, row.contact_id, row.target = "update", existing, earlier
                continue
            row.outcome = "create"
            for _raw, e164 in row.phones:
                pending_number.setdefault(e164, row)
            for address in row.emails:
                pending_email.setdefault(address.lower(), row)
        return rows

    def write(self, rows, group):
        """Save a planned batch (inside the caller's transaction). Returns the counts of rows by
        outcome; a row that would update a contact but changes nothing becomes "unchanged"."""
        # Rows that update a contact created by an earlier row of this batch merge into that row.
        for row in rows:
            if row.outcome == "update" and row.target is not None and not self._merge_into_row(row.target, row):
                row.outcome = "unchanged"
        creating = [row for row in rows if row.outcome == "create"]
        updating = [row for row in rows if row.outcome == "update" and row.contact_id is not None]
        members = set()
        if creating:
            members |= self._create(creating)
        if updating:
            members |= self._update(updating)
        if members and group is not None:
            Through = Contact.import_groups.through
            Through.objects.bulk_create([Through(contact_id=pk, importgroup_id=group.pk) for pk in members],
                                        ignore_conflicts=True)
        counts = {"created": 0, "updated": 0, "unchanged": 0, "skipped": 0, "errors": 0}
        names = {"create": "created", "update": "updated", "unchanged": "unchanged", "skip": "skipped",
                 "error": "errors"}
        for row in rows:
            counts[names[row.outcome]] += 1
        return counts

    def _merge_into_row(self, target, row):
        """Apply a row to the row that creates the same contact; True when it added anything."""
        overwrite, changed = self.mode == DuplicateMode.OVERWRITE, False
        for name, value in row.values.items():
            if (overwrite or not target.values.get(name)) and target.values.get(name) != value:
                target.values[name], changed = value, True
        for key, value in row.extra.items():
            if (overwrite or key not in target.extra) and target.extra.get(key) != value:
                target.extra[key], changed = value, True
        known = {e164 for _raw, e164 in target.phones}
        added = [(raw, e164) for raw, e164 in row.phones if e164 not in known]
        known = {address.lower() for address in target.emails}
        added_emails = [address for address in row.emails if address.lower() not in known]
        target.phones += added
        target.emails += added_emails
        return changed or bool(added or added_emails)

    def _create(self, rows):
        by = _by(self.actor)
        contacts = []
        for row in rows:
            contact = Contact(kind=row.kind, extra=row.extra, created_by=by, **row.values)
            contact.display_name = contact.derive_display_name()[:250]
            contact.search_key = contact.derive_search_key()
            contacts.append(contact)
        Contact.objects.bulk_create(contacts)
        phones, emails = [], []
        for row, contact in zip(rows, contacts):
            row.contact_id = contact.pk
            phones += [ContactPhone(contact_id=contact.pk, raw=raw, e164=e164, position=i)
                       for i, (raw, e164) in enumerate(row.phones)]
            emails += [ContactEmail(contact_id=contact.pk, address=address, address_key=address.lower(), position=i)
                       for i, address in enumerate(row.emails)]
        ContactPhone.objects.bulk_create(phones)
        ContactEmail.objects.bulk_create(emails)
        return {contact.pk for contact in contacts}

    def _update(self, rows):
        """Fill in (or overwrite) existing contacts and add the numbers and addresses they lack;
        one audit entry per changed contact. Marks rows that change nothing "unchanged".
        Returns the ids of the contacts the rows matched (they join the import group)."""
        ids = {row.contact_id for row in rows}
        contacts = {c.pk: c for c in Contact.objects.select_for_update().filter(pk__in=ids)}
        phones, emails = {}, {}
        for phone in ContactPhone.objects.filter(contact_id__in=ids):
            phones.setdefault(phone.contact_id, []).append(phone)
        for email in ContactEmail.objects.filter(contact_id__in=ids):
            emails.setdefault(email.contact_id, []).append(email)
        overwrite = self.mode == DuplicateMode.OVERWRITE
        first_states, new_phones, new_emails, matched = {}, [], [], set()
        for row in rows:
            contact = contacts.get(row.contact_id)
            if contact is None:  # deleted meanwhile: nothing to update
                row.outcome = "unchanged"
                continue
            matched.add(contact.pk)
            have_phones, have_emails = phones.setdefault(contact.pk, []), emails.setdefault(contact.pk, [])
            before = self._state(contact, have_phones, have_emails)
            first_states.setdefault(contact.pk, before)
            for name, value in row.values.items():
                if overwrite or not getattr(contact, name):
                    setattr(contact, name, value)
            extra = dict(contact.extra or {})
            for key, value in row.extra.items():
                if overwrite or extra.get(key) in (None, "", False):
                    extra[key] = value
            contact.extra = extra
            known = {p.e164 or p.raw for p in have_phones}
            for raw, e164 in row.phones:
                if e164 not in known:
                    phone = ContactPhone(contact_id=contact.pk, raw=raw, e164=e164, position=len(have_phones))
                    have_phones.append(phone)
                    new_phones.append(phone)
                    known.add(e164)
            known = {e.address_key for e in have_emails}
            for address in row.emails:
                if address.lower() not in known:
                    email = ContactEmail(contact_id=contact.pk, address=address, address_key=address.lower(),
                                         position=len(have_emails))
                    have_emails.append(email)
                    new_emails.append(email)
                    known.add(address.lower())
            if not diff(before, self._state(contact, have_phones, have_emails)):
                row.outcome = "unchanged"
        now, by, changed_contacts, audits = timezone.now(), _by(self.actor), [], []
        group_name = self.imp.options.get("group_name", "")
        for pk, before in first_states.items():
            contact = contacts[pk]
            changes = diff(before, self._state(contact, phones[pk], emails[pk]))
            if not changes:
                continue
            contact.display_name = contact.derive_display_name()[:250]
            contact.search_key = contact.derive_search_key()
            contact.version += 1
            contact.updated_at = now
            changed_contacts.append(contact)
            changes["version"] = [contact.version - 1, contact.version]
            changes["import"] = [None, group_name]
            audits.append(AuditEntry(actor=by, action="contact.update", object_type="contacts.contact",
                                     object_id=str(pk), object_repr=str(contact)[:200], changes=changes))
        if changed_contacts:
            Contact.objects.bulk_update(changed_contacts, [*BASIC_FIELDS, "extra", "display_name", "search_key",
                                                           "version", "updated_at"])
        ContactPhone.objects.bulk_create(new_phones)
        ContactEmail.objects.bulk_create(new_emails)
        AuditEntry.objects.bulk_create(audits)
        return matched

    @staticmethod
    def _state(contact, phones, emails):
        state = {name: getattr(contact, name) for name in BASIC_FIELDS}
        state["phones"] = [p.raw for p in phones]
        state["emails"] = [e.address for e in emails]
        for key, value in (contact.extra or {}).items():
            state[f"extra.{key}"] = value
        return state


def data_rows(imp):
    """(row number in the file, cells) for every data row (the header row left out)."""
    rows = importfile.non_blank(importfile.iter_rows(bytes(imp.data), imp.file_format, imp.encoding, imp.delimiter))
    if imp.has_header:
        next(rows, None)
    return rows


def preview(imp, limit=PREVIEW_ROWS):
    """The first rows as the import would treat them, nothing saved: [(Row, {column: text})]."""
    importer = Importer(imp)
    rows = []
    for number, cells in data_rows(imp):
        rows.append((importer.clean(number, cells), cells))
        if len(rows) >= limit:
            break
    importer.plan([row for row, _cells in rows])
    return [{"row": row, "cells": [cells[i] if i < len(cells) else "" for i in range(len(imp.headers))]}
            for row, cells in rows]


# --- running ----------------------------------------------------------------------------------------

@transaction.atomic
def do_start_import(actor, imp):
    """Check the mapping once more, make the import group, and queue the import."""
    if not can(actor, "import_contacts"):
        raise PermissionDenied("import_contacts")
    imp = ContactImport.objects.select_for_update().get(pk=imp.pk)
    if imp.state != ImportState.UPLOADED:
        raise ValidationError(_("This import has already started."))
    check_mapping(imp.mapping, list(ContactField.objects.all()))
    group = ImportGroup.objects.create(name=imp.options.get("group_name") or imp.file_name, file_name=imp.file_name,
                                       created_by=_by(actor))
    imp.group, imp.state, imp.progress_at = group, ImportState.QUEUED, timezone.now()
    imp.save(update_fields=["group", "state", "progress_at"])
    record(_by(actor), "contact_import.start", imp, {
        "file": imp.file_name, "rows": imp.total_rows, "group": [None, group.name],
        "duplicates": imp.options.get("duplicates"),
    })
    transaction.on_commit(lambda: run_contact_import.enqueue(imp.pk))
    return imp


@task()
def run_contact_import(import_id):
    imp = run_import(import_id)
    return {"import": import_id, "state": imp.state if imp else None}


def run_import(import_id):
    """Import the rows of a queued import. Claimed with a conditional UPDATE, so two workers
    given the same import do not both run it."""
    now = timezone.now()
    claimed = ContactImport.objects.filter(pk=import_id, state=ImportState.QUEUED).update(
        state=ImportState.RUNNING, started_at=Coalesce("started_at", Value(now)), progress_at=now)
    if not claimed:
        return ContactImport.objects.filter(pk=import_id).first()
    imp = ContactImport.objects.select_related("created_by", "group").get(pk=import_id)
    actor = imp.created_by
    try:
        with override(getattr(actor, "language", None) or None):
            _run(imp, actor)
    except _Superseded:  # a runner that resumed this import after this one stalled goes on with it
        return ContactImport.objects.filter(pk=import_id).first()
    except Exception as error:  # the page shows why; the batches already done stay imported
        ContactImport.objects.filter(pk=imp.pk).update(state=ImportState.FAILED, failure=str(error)[:2000],
                                                       finished_at=timezone.now())
        raise
    imp.refresh_from_db()
    return imp


COUNTERS = {"created": "created_count", "updated": "updated_count", "unchanged": "unchanged_count",
            "skipped": "skipped_count", "errors": "error_count"}


class _Superseded(Exception):
    """Another runner has written this import's next batch: this one stops."""


def resume_stalled_imports(now=None):
    """Queue again the imports that stopped making progress: their worker was killed or the
    machine restarted (running), or their task was lost before a worker took it (queued). They go
    on after the last batch written. Returns how many."""
    now = now or timezone.now()
    resumed = 0
    for imp in ContactImport.objects.filter(state__in=[ImportState.RUNNING, ImportState.QUEUED],
                                            progress_at__lt=now - STALLED_AFTER).only("pk", "progress_at"):
        # Claimed by moving progress_at on: two sweeps never queue the same import twice. A task
        # queued twice is harmless: run_import takes a queued import only once.
        if ContactImport.objects.filter(pk=imp.pk, state__in=[ImportState.RUNNING, ImportState.QUEUED],
                                        progress_at=imp.progress_at).update(state=ImportState.QUEUED, progress_at=now):
            run_contact_import.enqueue(imp.pk)
            resumed += 1
    return resumed


def _run(imp, actor):
    """Import the rows after those done already (all of them on the first run; after a resume,
    those after the last batch written), each batch in one transaction with the progress."""
    importer = Importer(imp, actor)
    group = imp.group
    totals = {key: getattr(imp, field) for key, field in COUNTERS.items()}
    errors, done, batch = list(imp.errors or []), imp.done_rows, []

    def flush():
        nonlocal done
        rows = [importer.clean(number, cells) for number, cells in batch]
        with transaction.atomic():
            current = ContactImport.objects.select_for_update().only("done_rows", "state").get(pk=imp.pk)
            if current.done_rows != done or current.state != ImportState.RUNNING:
                raise _Superseded
            importer.plan(rows)
            counts = importer.write(rows, group)
            for key, value in counts.items():
                totals[key] += value
            new_errors = [[row.number, "; ".join(row.errors)] for row in rows if row.errors]
            if new_errors and len(errors) < ERRORS_KEPT:
                errors.extend(new_errors[: ERRORS_KEPT - len(errors)])
            done += len(rows)
            fields = {COUNTERS[key]: value for key, value in totals.items()}
            if new_errors:
                fields["errors"] = errors
            ContactImport.objects.filter(pk=imp.pk).update(done_rows=done, progress_at=timezone.now(), **fields)
        batch.clear()

    for number, cells in itertools.islice(data_rows(imp), done, None):
        batch.append((number, cells))
        if len(batch) >= BATCH:
            flush()
    if batch:
        flush()
    with transaction.atomic():
        fields = {COUNTERS[key]: value for key, value in totals.items()}
        finished = ContactImport.objects.filter(pk=imp.pk, state=ImportState.RUNNING, done_rows=done).update(
            state=ImportState.DONE, finished_at=timezone.now(), total_rows=done, **fields)
        if not finished:  # another runner took over meanwhile and finishes it
            raise _Superseded
        if group is not None:
            ImportGroup.objects.filter(pk=group.pk).update(**fields)
        imp.refresh_from_db()
        record(actor, "contact_import.finish", imp, {
            "file": imp.file_name, "group": group.name if group else None, **totals,
        })

