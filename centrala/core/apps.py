from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Config(AppConfig):
    name = "centrala.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self):
        from . import signals

        signals.connect()
