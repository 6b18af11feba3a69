from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Config(AppConfig):
    name = "centrala.audit"
    label = "audit"
    verbose_name = _("Audit")
