"""The administrator's writes on API clients besides issuing keys (``services.api_client_issue``): switching a
client off, and setting where and with which secret its webhooks go."""

from __future__ import annotations

import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from ediary.outbox import OutboxStatus, outbox_cancel

from .addresses import validate_webhook_url
from .models import ApiClient

MIN_SECRET_LENGTH = 16


@transaction.atomic
def api_client_deactivate(*, client: ApiClient, by) -> ApiClient:
    """The key stops working at once and the webhooks still waiting are cancelled. There is no undo:
    the administrator issues a new key."""
    client = ApiClient.objects.select_for_update().get(pk=client.pk)
    if client.is_active:
        client.is_active = False
        client.save(update_fields=["is_active"])
        outbox_cancel(client.webhooks.filter(status=OutboxStatus.PENDING))
    return client


@transaction.atomic
def api_client_set_webhook(*, client: ApiClient, url: str, secret: str = "", by) -> tuple[ApiClient, str]:
    """Set (or, with an empty ``url``, clear) the client's webhook address.

    An empty ``secret`` keeps the current one, or makes one when the client has none; returns the client and
    the secret when it was made here (to be shown once), else "".
    """
    url, secret = url.strip(), secret.strip()
    if url:
        try:
            validate_webhook_url(url)
        except ValidationError as error:
            raise ValidationError({"webhook_url": error.messages}) from None
    if secret and len(secret) < MIN_SECRET_LENGTH:
        raise ValidationError(
            {"webhook_secret": _("The secret needs at least %(count)d characters.") % {"count": MIN_SECRET_LENGTH}}
        )
    client = ApiClient.objects.select_for_update().get(pk=client.pk)
    made = ""
    if secret:
        client.webhook_secret = secret
    elif url and not client.webhook_secret:
        made = client.webhook_secret = secrets.token_urlsafe(32)
    client.webhook_url = url
    client.save(update_fields=["webhook_url", "webhook_secret"])
    return client, made
