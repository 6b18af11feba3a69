from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Config(AppConfig):
    name = "centrala.presence"
    label = "presence"
    verbose_name = _("Presence")
