"""exchange's Celery tasks: delivering one webhook, and the sweep of its outbox (beat, every minute).

``deliver_webhook`` claims the row first (``outbox_claim``), so a row queued twice is sent once. It checks the
address again (``exchange.addresses``: https, not an internal name), resolves its name and checks every address
it resolves to, then POSTs the JSON body signed with the client's secret to those very addresses (the name is
not resolved twice: DNS rebinding), without following a redirect. An internal address: failed for good. A 2xx
answer: sent. A 4xx other than 429: failed for good (the receiver refuses it). A 429, a 3xx, a 5xx, a timeout,
a connection error, a name that does not resolve: retried with the outbox's backoff. A client deactivated or
left without an address meanwhile: cancelled.
"""

from __future__ import annotations

import http.client
import logging
import socket
import ssl

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

from .addresses import AddressRefused, Target, check_url, resolve
from .models import Webhook
from .tombstones import tombstones_prune
from .webhooks import EVENT_HEADER, SIGNATURE_HEADER, webhook_body, webhook_signature

logger = logging.getLogger(__name__)

TIMEOUT = 10  # seconds


def _connect(addresses: list[tuple], timeout: float) -> socket.socket:
    """A TCP connection to the first of the checked addresses that answers."""
    error: OSError | None = None
    for family, sockaddr in addresses:
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.settimeout(timeout)
            sock.connect(sockaddr)
        except OSError as failure:
            sock.close()
            error = failure
            continue
        return sock
    raise error or OSError("no address to connect to")


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """HTTP to the addresses checked beforehand, whatever the name resolves to now."""

    def __init__(self, target: Target, addresses: list[tuple]):
        super().__init__(target.host, target.port, timeout=TIMEOUT)
        self._addresses = addresses

    def connect(self):
        self.sock = _connect(self._addresses, self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to the addresses checked beforehand; the certificate is checked against the name typed."""

    def __init__(self, target: Target, addresses: list[tuple]):
        self._tls = ssl.create_default_context()
        super().__init__(target.host, target.port, timeout=TIMEOUT, context=self._tls)
        self._addresses = addresses

    def connect(self):
        self.sock = self._tls.wrap_socket(_connect(self._addresses, self.timeout), server_hostname=self.host)


def _post(target: Target, addresses: list[tuple], body: bytes, headers: dict) -> int:
    """POST and return the status code. A redirect is not followed (its 3xx is retried like a 5xx)."""
    connection_class = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedHTTPConnection
    connection = connection_class(target, addresses)
    try:
        connection.request("POST", target.path, body=body, headers=headers)
        with connection.getresponse() as response:
            return response.status
    finally:
        connection.close()


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
        target = check_url(client.webhook_url)
        addresses = resolve(target)
        status = _post(target, addresses, body, headers)
    except AddressRefused as refused:  # an internal address (or a name now resolving to one): never sent
        outbox_failed(webhook, f"address refused: {refused}")
        logger.warning("webhook %s: address refused (%s)", webhook.pk, refused)
        return OutboxStatus.FAILED
    except Exception as error:  # a bad name, a timeout, a refused connection, a TLS error: another try later
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


@shared_task(name="exchange.prune_tombstones", ignore_result=True)
def prune_tombstones() -> int:
    """Daily: forget deletions older than the retention (a client with an older cursor syncs in full)."""
    return tombstones_prune()
