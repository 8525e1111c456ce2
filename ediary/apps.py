from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EdiaryConfig(AppConfig):
    name = "ediary"
    verbose_name = _("Accounts")
