"""Web forms (WEB-01): a public form on a customer's website that creates a case (source web).

An administrator picks which contact fields and which of the campaign's form fields the form
asks for (with labels, required flags and order: `fields`), which websites may send it
(`allowed_origins`) and how many submissions are accepted per visitor and per form.
"""

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


def new_key():
    return secrets.token_urlsafe(12)


class WebForm(models.Model):
    name = models.CharField(_("name"), max_length=120)
    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.PROTECT, related_name="webforms",
                                 verbose_name=_("campaign"))
    # The public name of the form in its URLs; not guessable, so forms cannot be listed.
    key = models.CharField(max_length=40, unique=True, default=new_key, editable=False)
    is_active = models.BooleanField(_("accepting submissions"), default=True)
    # [{"name": "email" | "first_name" | ... | "extra.<key>" | "form.<key>", "label", "required"}], in order.
    fields = models.JSONField(default=list, blank=True)
    # One origin per line, e.g. https://www.example.com
    allowed_origins = models.TextField(_("allowed websites"), blank=True)
    per_ip_per_hour = models.PositiveIntegerField(_("submissions per visitor per hour"), default=5)
    per_form_per_hour = models.PositiveIntegerField(_("submissions per hour (whole form)"), default=200)
    thank_you = models.CharField(_("thank-you message"), max_length=500, blank=True)
    send_confirmation = models.BooleanField(_("send a confirmation e-mail"), default=False)
    confirmation_subject = models.CharField(_("confirmation subject"), max_length=200, blank=True)
    confirmation_body = models.TextField(_("confirmation text"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("web form")
        verbose_name_plural = _("web forms")

    def __str__(self):
        return self.name

    def origins(self):
        return [line.strip().rstrip("/").lower() for line in self.allowed_origins.splitlines() if line.strip()]
