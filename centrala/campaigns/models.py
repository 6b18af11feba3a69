"""Campaigns and their scripts: statuses (STS-01..02) and forms (FRM-01..02)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Form(models.Model):
    """A script's form. Editing it changes the card of every case whose campaign uses it."""

    name = models.CharField(_("name"), max_length=120)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["name"]
        verbose_name = _("form")
        verbose_name_plural = _("forms")

    def __str__(self):
        return self.name


class Script(models.Model):
    """What a campaign's agents work with: statuses, the initial status and optionally a form."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    description = models.TextField(_("call script"), blank=True, help_text=_("What the agent says and asks, step by step."))
    initial_status = models.ForeignKey(
        "Status", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("initial status")
    )
    form = models.ForeignKey(
        Form, null=True, blank=True, on_delete=models.SET_NULL, related_name="scripts", verbose_name=_("form")
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("script")
        verbose_name_plural = _("scripts")

    def __str__(self):
        return self.name


class StatusType(models.TextChoices):
    UNUSED = "unused", _("Unused")
    NO_QUALIFIER = "no_qualifier", _("No qualifier")
    PRIVATE_CALLBACK = "private_callback", _("Private callback")
    PUBLIC_CALLBACK = "public_callback", _("Public callback")
    CLOSING = "closing", _("Closing")
    SUCCESS = "success", _("Success")
    PENDING = "pending", _("Pending")
    CANCEL_SUCCESS_CLOSE = "cancel_success_close", _("Cancel success and close")


# The colour of a status comes from its type (STS-01); names are free.
STATUS_COLOURS = {
    StatusType.UNUSED: "#9aa4b2",
    StatusType.NO_QUALIFIER: "#f2c94c",
    StatusType.PRIVATE_CALLBACK: "#7cc4f2",
    StatusType.PUBLIC_CALLBACK: "#1f4e9c",
    StatusType.CLOSING: "#1e7a46",
    StatusType.SUCCESS: "#7ed492",
    StatusType.PENDING: "#e59a3c",
    StatusType.CANCEL_SUCCESS_CLOSE: "#b54747",
}
CALLBACK_TYPES = frozenset({StatusType.PRIVATE_CALLBACK, StatusType.PUBLIC_CALLBACK})
CLOSED_TYPES = frozenset({StatusType.CLOSING, StatusType.SUCCESS, StatusType.CANCEL_SUCCESS_CLOSE})
# Statuses that may carry a due time (STS-02): callbacks, and a success that still needs confirming.
DUE_TIME_TYPES = CALLBACK_TYPES | {StatusType.SUCCESS}


class CallbackRule(models.TextChoices):
    NONE = "none", _("No due time")
    PICKED = "picked", _("Agent picks the time")
    RELATIVE = "relative", _("Relative to setting the status")
    ABSOLUTE = "absolute", _("Fixed date and time")


class Status(models.Model):
    script = models.ForeignKey(Script, on_delete=models.CASCADE, related_name="statuses")
    name = models.CharField(_("name"), max_length=80)
    type = models.CharField(_("type"), max_length=30, choices=StatusType.choices)
    callback_rule = models.CharField(
        _("due time"), max_length=10, choices=CallbackRule.choices, default=CallbackRule.NONE
    )
    callback_minutes = models.PositiveIntegerField(
        _("minutes after setting"), null=True, blank=True, help_text=_("For a relative due time.")
    )
    callback_at = models.DateTimeField(_("fixed due time"), null=True, blank=True)
    position = models.PositiveIntegerField(_("position"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["script", "name"], name="unique_status_name_per_script")]
        verbose_name = _("status")
        verbose_name_plural = _("statuses")

    def __str__(self):
        return self.name

    @property
    def colour(self):
        return STATUS_COLOURS[self.type]

    @property
    def is_callback(self):
        return self.type in CALLBACK_TYPES

    @property
    def is_closed(self):
        return self.type in CLOSED_TYPES


class FormFieldKind(models.TextChoices):
    TEXT = "text", _("Text")
    LONG_TEXT = "long_text", _("Long text")
    NUMBER = "number", pgettext_lazy("field kind", "Number")
    DATETIME = "datetime", _("Date and time")
    SINGLE_CHOICE = "single_choice", _("Single choice list")
    MULTI_CHOICE = "multi_choice", _("Multiple choice list")
    CHECKBOX = "checkbox", _("Checkbox")
    BUTTON = "button", _("Button")


class FormField(models.Model):
    """One field of a form. `key` is stable: case data is stored under it, so renaming the
    label or hiding the field never loses what agents entered (FRM-02)."""

    form = models.ForeignKey(Form, on_delete=models.CASCADE, related_name="fields")
    key = models.SlugField(_("key"), max_length=50)
    label = models.CharField(_("title"), max_length=150)
    kind = models.CharField(_("kind"), max_length=20, choices=FormFieldKind.choices)
    help_text = models.CharField(_("hint"), max_length=250, blank=True)
    required = models.BooleanField(_("required for saving"), default=False)
    hidden = models.BooleanField(_("hidden"), default=False)
    position = models.PositiveIntegerField(_("position"), default=0)
    # A button may set a status of the case's script when pressed (FRM-01).
    sets_status = models.ForeignKey(
        Status, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("sets status")
    )
    # Shown among the extra fields of the card header (CASE-10), with actions by its nature.
    in_header = models.BooleanField(_("show in the card header"), default=False)
    editable = models.BooleanField(_("editable by agents"), default=True)
    is_phone = models.BooleanField(_("is a phone number"), default=False)
    is_email = models.BooleanField(_("is an e-mail address"), default=False)

    class Meta:
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["form", "key"], name="unique_form_field_key")]
        verbose_name = _("form field")
        verbose_name_plural = _("form fields")

    def __str__(self):
        return self.label


class FormChoice(models.Model):
    field = models.ForeignKey(FormField, on_delete=models.CASCADE, related_name="choices")
    key = models.SlugField(_("key"), max_length=50)
    label = models.CharField(_("label"), max_length=150)
    hidden = models.BooleanField(_("hidden"), default=False)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["field", "key"], name="unique_choice_key")]

    def __str__(self):
        return self.label


class Campaign(models.Model):
    name = models.CharField(_("name"), max_length=120, unique=True)
    description = models.TextField(_("description"), blank=True)
    script = models.ForeignKey(Script, on_delete=models.PROTECT, related_name="campaigns", verbose_name=_("script"))
    active = models.BooleanField(_("active"), default=True)
    agents = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="campaigns", verbose_name=_("agents")
    )
    teams = models.ManyToManyField("accounts.Team", blank=True, related_name="campaigns", verbose_name=_("teams"))
    # Shown beside the campaign's success statuses ("Agents and successes"), for reports to compare.
    success_goal = models.PositiveIntegerField(
        _("successes per day (goal)"), null=True, blank=True,
        help_text=_(
            "How many cases the team should close with a success status each day. Leave empty for no goal."
        ),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")

    def __str__(self):
        return self.name
