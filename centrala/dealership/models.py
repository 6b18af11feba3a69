"""Dealership incoming traffic (DLR-01..06, seed 002).

Reception registers every call and walk-in as a Traffic record with a contact goal; the goal's
specialists (or the one employee chosen) take it and process it into a document (a sales
worksheet, a service pre-booking or a vehicle arrival with its repair order), attach it to an
existing document, or ignore it with a reason.

Documents are one table (Document, with a kind) plus detail tables (booking history, repair
order lines), so the journal, the client history and the reports query a single place.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Channel(models.TextChoices):
    CALL = "call", pgettext_lazy("traffic channel", "Call")
    VISIT = "visit", pgettext_lazy("traffic channel", "Visit")


class Department(models.Model):
    """A part of the dealership that handles traffic, e.g. the showroom (sales) or the service."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    code = models.SlugField(_("code"), max_length=30, unique=True, help_text=_("e.g. sales, service"))
    active = models.BooleanField(_("active"), default=True)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")

    def __str__(self):
        return self.name


class ContactGoal(models.Model):
    """Why someone calls or comes in (DLR-01), e.g. "Showroom. New car purchase" by call."""

    name = models.CharField(_("name"), max_length=150)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="goals", verbose_name=_("department")
    )
    specialists = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="contact_goals", verbose_name=_("specialists"),
        help_text=_("Notified of traffic registered with no employee chosen; they process the goal's traffic."),
    )
    active = models.BooleanField(_("active"), default=True)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["name", "channel"], name="unique_contact_goal_name_channel"),
        ]
        verbose_name = _("contact goal")
        verbose_name_plural = _("contact goals")

    def __str__(self):
        return f"{self.get_channel_display()}. {self.name}"


class IgnoreReason(models.Model):
    """Why traffic was ignored (configurable); a reason may require a comment ("Other")."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    requires_comment = models.BooleanField(_("requires a comment"), default=False)
    active = models.BooleanField(_("active"), default=True)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("ignore reason")
        verbose_name_plural = _("ignore reasons")

    def __str__(self):
        return self.name


def normalise_plate(value):
    """Registration plate as searched: upper case, letters and digits only ("wx 123-ab" -> "WX123AB")."""
    return "".join(ch for ch in (value or "").upper() if ch.isalnum())


class Vehicle(models.Model):
    """A client's car in the client directory (contacts.Contact)."""

    contact = models.ForeignKey(
        "contacts.Contact", on_delete=models.CASCADE, related_name="vehicles", verbose_name=_("client")
    )
    make = models.CharField(_("make"), max_length=60)
    model = models.CharField(_("model"), max_length=80, blank=True)
    vin = models.CharField(_("VIN"), max_length=17, blank=True, db_index=True)
    plate = models.CharField(_("registration plate"), max_length=20, blank=True)
    plate_key = models.CharField(max_length=20, blank=True, editable=False, db_index=True)
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["make", "model", "id"]
        verbose_name = _("vehicle")
        verbose_name_plural = _("vehicles")

    def __str__(self):
        name = " ".join(part for part in (self.make, self.model) if part)
        return f"{name} ({self.plate})" if self.plate else name

    def save(self, *args, **kwargs):
        self.plate_key = normalise_plate(self.plate)
        self.vin = (self.vin or "").strip().upper()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = sorted({*update_fields, "plate_key", "vin"})
        super().save(*args, **kwargs)


class DocumentKind(models.TextChoices):
    WORKSHEET = "worksheet", _("Sales worksheet")
    BOOKING = "booking", _("Service pre-booking")
    ARRIVAL = "arrival", _("Vehicle arrival")


class DocumentStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("document status", "Open")
    CLOSED = "closed", pgettext_lazy("document status", "Closed")


# Number prefixes shown to users: WS-12, PB-7, VA-3.
DOCUMENT_PREFIX = {DocumentKind.WORKSHEET: "WS", DocumentKind.BOOKING: "PB", DocumentKind.ARRIVAL: "VA"}


class Document(models.Model):
    """A dealership document traffic is processed into (DLR-04).

    worksheet: a sales lead; booking: a service pre-booking at scheduled_at (rescheduling keeps
    BookingChange history); arrival: a vehicle handed in for repair, with its repair order
    (repair_order_number and RepairOrderLine rows) and the pre-booking it fulfils, if any.
    """

    kind = models.CharField(_("kind"), max_length=20, choices=DocumentKind.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=DocumentStatus.choices, default=DocumentStatus.OPEN
    )
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="documents", verbose_name=_("department")
    )
    contact = models.ForeignKey(
        "contacts.Contact", null=True, blank=True, on_delete=models.PROTECT, related_name="dealership_documents",
        verbose_name=_("client"),
    )
    vehicle = models.ForeignKey(
        Vehicle, null=True, blank=True, on_delete=models.SET_NULL, related_name="documents",
        verbose_name=_("vehicle"),
    )
    subject = models.CharField(_("subject"), max_length=250, blank=True)
    note = models.TextField(_("note"), blank=True)
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="dealership_documents", verbose_name=_("responsible"),
    )
    # booking: when the client is expected.
    scheduled_at = models.DateTimeField(_("booked for"), null=True, blank=True)
    # arrival: when the car was handed in, and its repair order.
    arrived_at = models.DateTimeField(_("arrived"), null=True, blank=True)
    mileage = models.PositiveIntegerField(_("mileage (km)"), null=True, blank=True)
    repair_order_number = models.CharField(_("repair order"), max_length=30, blank=True)
    # arrival: the service pre-booking the client came for (closed when the car arrived);
    # the booking reaches its arrival as booking.arrival.
    booking = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="arrival",
        verbose_name=_("pre-booking"),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["contact", "status", "-id"], name="dlr_doc_contact_idx"),
            models.Index(fields=["kind", "status", "-id"], name="dlr_doc_kind_idx"),
            models.Index(fields=["department", "-id"], name="dlr_doc_department_idx"),
            models.Index(fields=["created_at", "id"], name="dlr_doc_created_idx"),
            models.Index(fields=["scheduled_at"], name="dlr_doc_scheduled_idx"),
        ]
        verbose_name = _("document")
        verbose_name_plural = _("documents")

    def __str__(self):
        return f"{self.number} {self.get_kind_display()}"

    @property
    def number(self):
        return f"{DOCUMENT_PREFIX.get(self.kind, 'D')}-{self.pk}"

    @property
    def is_open(self):
        return self.status == DocumentStatus.OPEN

    @property
    def fulfilled_by(self):
        """A pre-booking's vehicle arrival (the client came), or None."""
        try:
            return self.arrival
        except Document.DoesNotExist:
            return None


class BookingChange(models.Model):
    """One reschedule of a service pre-booking: from when to when, by whom, on which traffic."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="booking_changes")
    old_scheduled_at = models.DateTimeField(_("was booked for"), null=True, blank=True)
    new_scheduled_at = models.DateTimeField(_("now booked for"))
    traffic = models.ForeignKey(
        "Traffic", null=True, blank=True, on_delete=models.SET_NULL, related_name="booking_changes"
    )
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(_("changed"), auto_now_add=True)

    class Meta:
        ordering = ["changed_at", "id"]


class RepairOrderLine(models.Model):
    """One work (or part) on a vehicle arrival's repair order; more can be added during the repair."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="repair_lines")
    description = models.CharField(_("work"), max_length=250)
    hours = models.DecimalField(_("hours"), max_digits=6, decimal_places=2, null=True, blank=True)
    price = models.DecimalField(_("price"), max_digits=10, decimal_places=2, null=True, blank=True)
    traffic = models.ForeignKey(
        "Traffic", null=True, blank=True, on_delete=models.SET_NULL, related_name="repair_lines"
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    added_at = models.DateTimeField(_("added"), auto_now_add=True)

    class Meta:
        ordering = ["added_at", "id"]
        verbose_name = _("repair order line")
        verbose_name_plural = _("repair order lines")

    def __str__(self):
        return self.description


class TrafficState(models.TextChoices):
    WAITING = "waiting", _("Waiting")  # registered, nobody has taken it yet
    TAKEN = "taken", _("Taken")  # an employee took it and is processing it
    PROCESSED = "processed", _("Processed")  # linked to a document (or a case)
    IGNORED = "ignored", _("Ignored")


class TrafficOutcome(models.TextChoices):
    CREATED = "created", _("Document created")
    ATTACHED = "attached", _("Attached to a document")
    CASE = "case", _("Case")
    IGNORED = "ignored", _("Ignored")


class Traffic(models.Model):
    """One registered incoming call or walk-in (DLR-02..05)."""

    goal = models.ForeignKey(ContactGoal, on_delete=models.PROTECT, related_name="traffic", verbose_name=_("goal"))
    # Copied from the goal at registration, so later goal edits do not rewrite history.
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="traffic", verbose_name=_("department")
    )
    contact = models.ForeignKey(
        "contacts.Contact", null=True, blank=True, on_delete=models.PROTECT, related_name="dealership_traffic",
        verbose_name=_("client"),
    )
    vehicle = models.ForeignKey(
        Vehicle, null=True, blank=True, on_delete=models.SET_NULL, related_name="traffic", verbose_name=_("vehicle")
    )
    # An unidentified visitor: whatever helps the employee recognise them.
    visitor_description = models.CharField(_("visitor description"), max_length=300, blank=True)
    # The car the client talks about when it is not (yet) in the directory, e.g. "Mercedes A class".
    vehicle_description = models.CharField(_("car"), max_length=200, blank=True)
    phone = models.CharField(_("phone number"), max_length=40, blank=True)
    note = models.TextField(_("note"), blank=True)
    # The employee chosen at the desk; empty: broadcast to the goal's specialists.
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="assigned_traffic", verbose_name=_("responsible employee"),
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="registered_traffic", verbose_name=_("registered by"),
    )
    registered_at = models.DateTimeField(_("registered"), default=timezone.now)
    state = models.CharField(
        _("state"), max_length=10, choices=TrafficState.choices, default=TrafficState.WAITING
    )
    # Set once, by a conditional UPDATE ... WHERE taken_by IS NULL: the first to take it wins.
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="taken_traffic", verbose_name=_("taken by"),
    )
    taken_at = models.DateTimeField(_("taken"), null=True, blank=True)
    processed_at = models.DateTimeField(_("processed"), null=True, blank=True)
    processed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("processed by"),
    )
    outcome = models.CharField(_("outcome"), max_length=10, choices=TrafficOutcome.choices, blank=True)
    ignore_reason = models.ForeignKey(
        IgnoreReason, null=True, blank=True, on_delete=models.PROTECT, related_name="traffic",
        verbose_name=_("ignore reason"),
    )
    ignore_comment = models.TextField(_("comment"), blank=True)
    document = models.ForeignKey(
        Document, null=True, blank=True, on_delete=models.SET_NULL, related_name="traffic",
        verbose_name=_("document"),
    )
    case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.SET_NULL, related_name="dealership_traffic",
        verbose_name=_("case"),
    )

    class Meta:
        ordering = ["-registered_at", "-id"]
        indexes = [
            models.Index(fields=["registered_at", "id"], name="dlr_traffic_registered_idx"),
            models.Index(fields=["state", "registered_at"], name="dlr_traffic_state_idx"),
            models.Index(fields=["goal", "registered_at"], name="dlr_traffic_goal_idx"),
            models.Index(fields=["department", "state", "registered_at"], name="dlr_traffic_dept_idx"),
            models.Index(fields=["channel", "registered_at"], name="dlr_traffic_channel_idx"),
            models.Index(fields=["assigned_to", "state"], name="dlr_traffic_assigned_idx"),
            models.Index(fields=["taken_by", "state"], name="dlr_traffic_taken_idx"),
            models.Index(fields=["contact", "-registered_at"], name="dlr_traffic_contact_idx"),
            models.Index(fields=["document"], name="dlr_traffic_document_idx"),
        ]
        verbose_name = _("incoming traffic")
        verbose_name_plural = _("incoming traffic")

    def __str__(self):
        return f"#{self.pk} {self.goal}"

    @property
    def client_label(self):
        """Who it is, as lists show it: the contact's name or the visitor's description."""
        if self.contact_id:
            return str(self.contact)
        return self.visitor_description

    @property
    def is_open(self):
        return self.state in (TrafficState.WAITING, TrafficState.TAKEN)
