"""Contacts: people and companies (CON-01..05), their phones, e-mails, extra fields and consents."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ContactKind(models.TextChoices):
    PERSON = "person", pgettext_lazy("contact kind", "Person")
    COMPANY = "company", _("Company")


class Contact(models.Model):
    """A person or a company. The kind is chosen at creation and never changes.

    The id is the system ID shown to users. display_name is derived from the fields
    (never edited directly) and stored so lists and searches can use an index.
    """

    kind = models.CharField(_("kind"), max_length=10, choices=ContactKind.choices, default=ContactKind.PERSON)
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    company_name = models.CharField(_("company name"), max_length=200, blank=True)
    tax_id = models.CharField(_("tax ID"), max_length=30, blank=True)
    display_name = models.CharField(_("name"), max_length=250, editable=False)
    # Folded name, company and tax ID (centrala.lib.text.fold) for searches in any language.
    search_key = models.CharField(max_length=400, blank=True, editable=False)
    street = models.CharField(_("street and number"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    country = models.CharField(_("country"), max_length=100, blank=True)
    # Values of administrator-configured fields (ContactField), keyed by ContactField.key.
    extra = models.JSONField(_("further fields"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)
    # The imports (CON-06) that brought the contact in or updated it.
    import_groups = models.ManyToManyField(
        "ImportGroup", blank=True, related_name="contacts", verbose_name=_("import groups")
    )

    class Meta:
        ordering = ["display_name", "id"]
        # The contacts list sorts on these (keyset pagination by value, then id).
        indexes = [
            models.Index(fields=["display_name", "id"], name="contact_name_idx"),
            models.Index(fields=["kind", "id"], name="contact_kind_idx"),
            models.Index(fields=["city", "id"], name="contact_city_idx"),
            models.Index(fields=["created_at", "id"], name="contact_created_idx"),
            models.Index(fields=["updated_at", "id"], name="contact_updated_idx"),
        ]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")

    def __str__(self):
        return self.display_name or f"#{self.pk}"

    def derive_display_name(self):
        if self.kind == ContactKind.COMPANY:
            return self.company_name.strip()
        return " ".join(part for part in (self.first_name.strip(), self.last_name.strip()) if part)

    def save(self, *args, **kwargs):
        self.display_name = self.derive_display_name()[:250]
        self.search_key = self.derive_search_key()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = sorted({*update_fields, "display_name", "search_key"})
        super().save(*args, **kwargs)

    def derive_search_key(self):
        from centrala.lib.text import fold

        return fold(" ".join((self.display_name, self.company_name, self.tax_id)))[:400]


class ContactPhone(models.Model):
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="phones")
    raw = models.CharField(_("phone number"), max_length=40)
    # E.164; empty when what was typed is not a valid number (kept as typed, never lost).
    e164 = models.CharField(max_length=20, blank=True, db_index=True)
    label = models.CharField(_("label"), max_length=40, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self):
        return self.raw

    @property
    def display(self):
        """The number as people read it (national for our region); as typed when not valid."""
        from centrala.lib.phones import display

        return display(self.e164) if self.e164 else self.raw

    @property
    def dial(self):
        return self.e164 or self.raw


class ContactEmail(models.Model):
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="emails")
    address = models.EmailField(_("e-mail address"))
    # Lower-cased copy for matching senders to contacts.
    address_key = models.CharField(max_length=254, db_index=True, editable=False)
    label = models.CharField(_("label"), max_length=40, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self):
        return self.address

    def save(self, *args, **kwargs):
        self.address_key = self.address.strip().lower()
        super().save(*args, **kwargs)


class FieldKind(models.TextChoices):
    TEXT = "text", _("Text")
    LONG_TEXT = "long_text", _("Long text")
    NUMBER = "number", pgettext_lazy("field kind", "Number")
    DATE = "date", _("Date")
    CHOICE = "choice", _("Choice list")
    CHECKBOX = "checkbox", _("Checkbox")


class ContactField(models.Model):
    """A further contact field defined by an administrator (SCC-05), for all contacts or for one
    campaign's cards only. Values live in Contact.extra[key]."""

    key = models.SlugField(_("key"), max_length=50)
    label = models.CharField(_("label"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=FieldKind.choices, default=FieldKind.TEXT)
    choices = models.JSONField(_("choices"), default=list, blank=True)
    campaign = models.ForeignKey(
        "campaigns.Campaign", null=True, blank=True, on_delete=models.CASCADE, related_name="contact_fields",
        verbose_name=_("campaign"), help_text=_("Empty: every contact card shows the field."),
    )
    visible = models.BooleanField(_("visible"), default=True)
    editable_by_agents = models.BooleanField(_("editable by agents"), default=True)
    required = models.BooleanField(_("required"), default=False)
    is_phone = models.BooleanField(_("is a phone number"), default=False)
    is_email = models.BooleanField(_("is an e-mail address"), default=False)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["key"], name="unique_contact_field_key")]
        verbose_name = _("contact field")
        verbose_name_plural = _("contact fields")

    def __str__(self):
        return self.label


class ConsentType(models.Model):
    """A GDPR (RODO) consent a contact can grant, e.g. "Marketing by e-mail"."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    description = models.TextField(_("description"), blank=True)
    active = models.BooleanField(_("active"), default=True)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("consent type")
        verbose_name_plural = _("consent types")

    def __str__(self):
        return self.name


class ConsentChannel(models.TextChoices):
    PHONE = "phone", _("During a call")
    EMAIL = "email", _("By e-mail")
    WEB = "web", _("Web form")
    IN_PERSON = "in_person", _("In person")
    DOCUMENT = "document", _("Signed document")
    IMPORT = "import", _("Import")
    API = "api", _("API")


class ConsentEvent(models.Model):
    """One grant or withdrawal, kept forever: who recorded it, when and how it was given."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="consent_events")
    consent_type = models.ForeignKey(ConsentType, on_delete=models.PROTECT, related_name="events")
    granted = models.BooleanField(_("granted"))
    channel = models.CharField(_("how"), max_length=20, choices=ConsentChannel.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)
    at = models.DateTimeField(_("when"), auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["contact", "consent_type", "-at"], name="consent_contact_type_idx")]


# --- imports (CON-06) -----------------------------------------------------------------------------

class ImportGroup(models.Model):
    """The contacts one import created or updated, to be worked as one (e.g. create their cases
    in a campaign). Contacts join it through Contact.import_groups."""

    name = models.CharField(_("name"), max_length=120)
    file_name = models.CharField(_("file"), max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_count = models.PositiveIntegerField(_("created"), default=0)
    updated_count = models.PositiveIntegerField(_("updated"), default=0)
    unchanged_count = models.PositiveIntegerField(_("already up to date"), default=0)
    skipped_count = models.PositiveIntegerField(_("skipped"), default=0)
    error_count = models.PositiveIntegerField(_("rows with errors"), default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("import group")
        verbose_name_plural = _("import groups")

    def __str__(self):
        return self.name


class ImportState(models.TextChoices):
    UPLOADED = "uploaded", _("Uploaded: choose the columns")
    QUEUED = "queued", _("Waiting to start")
    RUNNING = "running", _("Importing")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class DuplicateMode(models.TextChoices):
    SKIP = "skip", _("Skip the row")
    FILL = "fill", _("Update the contact: fill in what it lacks")
    OVERWRITE = "overwrite", _("Update the contact: overwrite with the file's values")
    CREATE = "create", _("Create a new contact anyway")


class ContactImport(models.Model):
    """One uploaded file of contacts and how far its import got (CON-06).

    The file is kept in the database (not on a disk), so a worker on another machine reads the
    same bytes. mapping has one target per file column ("ignore", "first_name", "phone",
    "extra:<ContactField key>", ...); options holds the duplicate handling and the group name.
    errors is [[row number, message], ...] for the rows that were not imported.
    """

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="contact_imports"
    )
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    file_name = models.CharField(_("file"), max_length=255)
    file_format = models.CharField(max_length=10)  # "csv" or "xlsx"
    data = models.BinaryField(editable=False)
    size = models.PositiveIntegerField(default=0)
    encoding = models.CharField(max_length=20, blank=True)
    delimiter = models.CharField(max_length=1, blank=True)
    has_header = models.BooleanField(default=True)
    headers = models.JSONField(default=list, blank=True)
    mapping = models.JSONField(default=list, blank=True)
    options = models.JSONField(default=dict, blank=True)
    state = models.CharField(max_length=10, choices=ImportState.choices, default=ImportState.UPLOADED)
    total_rows = models.PositiveIntegerField(default=0)
    done_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    unchanged_count = models.PositiveIntegerField(default=0)
    skipped_count = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    failure = models.TextField(blank=True)
    group = models.ForeignKey(ImportGroup, null=True, blank=True, on_delete=models.SET_NULL, related_name="imports")
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # When a batch was last written: a running import silent for long lost its worker (resumed).
    progress_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("contact import")
        verbose_name_plural = _("contact imports")

    def __str__(self):
        return self.file_name

    @property
    def percent(self):
        if self.state == ImportState.DONE:
            return 100
        return 0 if not self.total_rows else min(100, int(100 * self.done_rows / self.total_rows))

    @property
    def finished(self):
        return self.state in (ImportState.DONE, ImportState.FAILED)
