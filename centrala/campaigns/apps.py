from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Config(AppConfig):
    name = "centrala.campaigns"
    label = "campaigns"
    verbose_name = _("Campaigns")
