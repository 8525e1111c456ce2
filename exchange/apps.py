from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExchangeConfig(AppConfig):
    name = "exchange"
    verbose_name = _("Information exchange")

    def ready(self):
        from . import receivers  # noqa: F401  (connects the receivers of gradebook's and consent's signals)
