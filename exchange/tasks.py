"""exchange's Celery tasks: delivering one webhook, and the sweep of its outbox (beat, every minute).

``deliver_webhook`` claims the row first (``outbox_claim``), so a row queued twice is sent once. It POSTs the
JSON body signed with the client's secret. A 2xx answer: sent. A 4xx other than 429: failed for good (the
receiver refuses it). A 429, a 5xx, a timeout, a connection error: retried with the outbox's backoff. A
client deactivated or left without an address meanwhile: cancelled.
"""

from __future__ import annotations

import logging
import urllib.error
import urllib.request

from celery import shared_task

from ediary.outbox import (
    OutboxStatus,
    outbox_claim,
    outbox_due,
    outbox_failed,
    outbox_hand_over,
    outbox_retry,
    outbox_sent,
)

from .models import Webhook
from .webhooks import EVENT_HEADER, SIGNATURE_HEADER, webhook_body, webhook_signature

logger = logging.getLogger(__name__)

TIMEOUT = 10  # seconds


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is not followed (it would turn the POST into a GET): its 3xx is retried like a 5xx."""

    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def _post(url: str, body: bytes, headers: dict) -> int:
    """POST and return the status code (urllib raises on 3xx/4xx/5xx: their code is returned too)."""
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with _opener.open(request, timeout=TIMEOUT) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@shared_task(name="exchange.deliver_webhook", ignore_result=True, soft_time_limit=60, time_limit=90)
def deliver_webhook(webhook_id: int) -> str:
    """Send one webhook of the outbox; returns what became of it."""
    webhook = outbox_claim(Webhook, webhook_id)
    if webhook is None:
        return "not due"
    client = webhook.client
    if not client.is_active or not client.webhook_url:
        webhook.status, webhook.claimed_until, webhook.last_error = OutboxStatus.CANCELLED, None, "client inactive"
        webhook.save(update_fields=["status", "claimed_until", "last_error"])
        return OutboxStatus.CANCELLED
    body = webhook_body(webhook.payload)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "ediary-webhooks/1",
        EVENT_HEADER: webhook.event,
        SIGNATURE_HEADER: webhook_signature(body, client.webhook_secret),
    }
    try:
        status = _post(client.webhook_url, body, headers)
    except Exception as error:  # a timeout, a refused connection, a bad name: another try later
        outbox_retry(webhook, f"{type(error).__name__}: {error}")
        logger.info("webhook %s: attempt %s failed (%s)", webhook.pk, webhook.attempts, type(error).__name__)
        return OutboxStatus.PENDING
    if 200 <= status < 300:
        outbox_sent(webhook)
        return OutboxStatus.SENT
    if 400 <= status < 500 and status != 429:
        outbox_failed(webhook, f"HTTP {status}")
        logger.warning("webhook %s refused by the client (HTTP %s)", webhook.pk, status)
        return OutboxStatus.FAILED
    outbox_retry(webhook, f"HTTP {status}")
    return OutboxStatus.PENDING


@shared_task(name="exchange.sweep_webhooks", ignore_result=True, soft_time_limit=100, time_limit=120)
def sweep_webhooks() -> int:
    """Every minute: hand over the webhooks due and not queued (a retry's backoff ended, Redis was down)."""
    return outbox_hand_over(deliver_webhook, outbox_due(Webhook))
