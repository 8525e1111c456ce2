from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self):
        from . import (
            digest_tasks,  # noqa: F401  (registers the digests' tasks: autodiscovery reads tasks.py only)
            receivers,  # noqa: F401  (connects the receivers of gradebook's signals)
        )
