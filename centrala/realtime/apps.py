from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Config(AppConfig):
    name = "centrala.realtime"
    label = "realtime"
    verbose_name = _("Realtime")
