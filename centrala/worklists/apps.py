from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorklistsConfig(AppConfig):
    name = "centrala.worklists"
    verbose_name = _("Working lists")
