from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsentConfig(AppConfig):
    name = "consent"
    verbose_name = _("Consent registry")

    def ready(self):
        from . import receivers  # noqa: F401  (connects the receivers)
