"""Issuing and checking the API keys of external systems.

A key reads ``<prefix>.<secret>``: the prefix finds the client, the secret is kept only as an HMAC-SHA256
under the project's SECRET_KEY and compared in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gradebook.models import School

from .models import ApiClient


def key_hash(secret: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), secret.encode(), hashlib.sha256).hexdigest()


@transaction.atomic
def api_client_issue(*, school: School, name: str, scope: str, by) -> tuple[ApiClient, str]:
    """A new client of ``school`` and its key, shown once: only its hash is kept."""
    if scope not in ApiClient.Scope.values:
        raise ValidationError({"scope": _("Choose read or read and write.")})
    if not name.strip():
        raise ValidationError({"name": _("Name the external system.")})
    prefix = secrets.token_hex(6)
    while ApiClient.objects.filter(key_prefix=prefix).exists():
        prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    client = ApiClient.objects.create(
        school=school, name=name.strip(), scope=scope, key_prefix=prefix, key_hash=key_hash(secret), created_by=by
    )
    return client, f"{prefix}.{secret}"


def api_client_for_key(raw_key: str) -> ApiClient | None:
    """The active client whose key this is, or None; marks it used."""
    prefix, dot, secret = raw_key.partition(".")
    if not dot or not prefix or not secret or len(prefix) > 12:
        return None
    client = ApiClient.objects.select_related("school").filter(key_prefix=prefix).first()
    if client is None or not hmac.compare_digest(client.key_hash, key_hash(secret)) or not client.is_active:
        return None
    now = timezone.now()
    ApiClient.objects.filter(pk=client.pk).update(last_used_at=now)
    client.last_used_at = now
    return client
