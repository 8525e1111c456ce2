"""Webhooks: what a client's system is told, and how it can check that ediary told it.

An event (a final published, a lesson changed, a consent decision recorded) becomes one ``Webhook`` row per
active client of the school with a webhook address, written in the sender's transaction through the outbox
(``ediary.outbox``): delivered once (the de-duplication key is event + object + version + client), retried
with backoff. Payloads carry public ids only; an event about a child's data (a final) is told only when
consent lets some family of the child be shown on the external portal (``delivery_for_many``: ``portal``).

The body is JSON; ``X-Ediary-Signature: sha256=<hex>`` is the HMAC-SHA256 of the exact body with the
client's webhook secret, and ``X-Ediary-Event`` names the event.

A webhook goes only to a public https address (``exchange.addresses``): checked when an administrator sets it
(``forms_clients.WebhookForm``) and again at delivery, on the addresses its name resolves to then
(``tasks.deliver_webhook``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable

from django.core.serializers.json import DjangoJSONEncoder

from consent.delivery import PORTAL, delivery_for_many
from ediary.outbox import outbox_add

from .models import ApiClient, Webhook

FINAL_PUBLISHED = "final_published"
LESSON_CHANGED = "lesson_changed"
CONSENT_CHANGED = "consent_changed"
SIGNATURE_HEADER = "X-Ediary-Signature"
EVENT_HEADER = "X-Ediary-Event"


def webhook_body(payload: dict) -> bytes:
    """The exact bytes sent (and signed)."""
    return json.dumps(payload, cls=DjangoJSONEncoder, ensure_ascii=False, sort_keys=True).encode()


def webhook_signature(body: bytes, secret: str) -> str:
    """The value of ``X-Ediary-Signature`` for a body: ``sha256=<hex HMAC>``."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def webhooks_write(*, school_id: int, event: str, key: str, payload: Callable[[], dict | None]) -> list[int]:
    """One row per active client of the school with a webhook address; ``key`` is object + version.

    ``payload`` is called only when the school has such a client (one query otherwise); None tells no one.
    """
    from .tasks import deliver_webhook

    clients = list(
        ApiClient.objects.filter(school_id=school_id, is_active=True)
        .exclude(webhook_url="")
        .values_list("pk", flat=True)
    )
    if not clients:
        return []
    body = payload()
    if body is None:
        return []
    body = json.loads(webhook_body({"event": event, **body}))  # dates and UUIDs as JSON strings
    rows = [
        Webhook(client_id=client_id, event=event, payload=body, dedupe_key=f"{event}:{key}:{client_id}")
        for client_id in clients
    ]
    return outbox_add(Webhook, rows, task=deliver_webhook)


def final_payload(final) -> dict:
    return {
        "final": final.public_id,
        "student": final.student.public_id,
        "subject": final.subject.public_id,
        "kind": final.kind,
        "period": final.period.public_id if final.period_id else None,
        "exam": final.exam,
        "scale": final.scale,
        "value": final.shown,
        "published_at": final.published_at,
    }


def lesson_payload(lesson, change) -> dict:
    return {
        "lesson": lesson.public_id,
        "class": lesson.class_unit.public_id if lesson.class_unit_id else None,
        "group": lesson.study_group.public_id if lesson.study_group_id else None,
        "subject": lesson.subject.public_id,
        "date": lesson.date,
        "number": lesson.number,
        "room": lesson.room,
        "cancelled": lesson.is_cancelled,
        "moved": lesson.is_moved,
        "extra": lesson.is_extra,
        "substituted": lesson.substitute_id is not None,
        "change": {
            "kind": change.kind,
            "old_date": change.old_date,
            "old_number": change.old_number,
            "old_room": change.old_room,
        },
    }


def consent_payload(record) -> dict:
    if record.guardian_id is None:
        portal = record.is_consent
    else:
        channels = delivery_for_many([(record.guardian_id, record.student_id)])
        portal = PORTAL in channels[(record.guardian_id, record.student_id)]
    return {
        "record": record.public_id,
        "student": record.student.public_id,
        "guardian": record.guardian.public_id if record.guardian_id else None,
        "decision": record.decision,
        "portal": portal,
        "recorded_at": record.created_at,
    }
