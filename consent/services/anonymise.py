"""After a withdrawal, the contact data no longer needed are anonymised (152-ФЗ: within 30 days).

Who: a guardian whose latest decision for some child is a withdrawal and for no child a consent
(a refusal or a declared inability for another child changes nothing: no consent there either).

What is overwritten: the email address and the phone number of every contact point of such a
guardian (removed ones too), in the contact point and in its history
(``ContactEvent.value``); their verification rows (keyed hashes of links and codes) are deleted.

What is kept:
- the consent registry (the decisions, their documents and scans: the school's proof of what it
  was allowed to do and when that stopped) and the journal (a legal duty);
- on the contact point: its kind, provenance, the written application's number and date and the
  electronic signature's reference — the school's references to its own paperwork, which identify
  a document in the school's files, not the person's email or phone — and the timestamps of
  the history (who added, verified or removed a contact and when).

The clock starts on the day the (latest) withdrawal was signed (``signed_on``: the earliest day the school
can have received it, so a withdrawal recorded late is not anonymised late), and runs for
``settings.CONSENT_ANONYMISE_AFTER_DAYS`` days (27 by default: the law allows 30, the margin covers a
missed run of the daily task).
"""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from ..models import ConsentRecord, ContactEvent, ContactPoint, ContactVerification, Decision

logger = logging.getLogger(__name__)


def _latest_records():
    """Each guardian's latest record for each child (the one no later record of the pair follows)."""
    later = ConsentRecord.objects.filter(guardian=OuterRef("guardian"), student=OuterRef("student")).filter(
        Q(created_at__gt=OuterRef("created_at")) | Q(created_at=OuterRef("created_at"), pk__gt=OuterRef("pk"))
    )
    return ConsentRecord.objects.filter(guardian__isnull=False).exclude(Exists(later))


def guardians_due_for_anonymisation(*, now: datetime.datetime | None = None) -> set[int]:
    """Ids of guardians with contacts still holding values, who have no valid consent left for any
    child and whose withdrawals (latest decisions) were all signed at least the configured days ago.
    One query."""
    now = now or timezone.now()
    cutoff = timezone.localdate(now) - datetime.timedelta(days=settings.CONSENT_ANONYMISE_AFTER_DAYS)
    latest = _latest_records().filter(
        guardian__in=ContactPoint.objects.filter(anonymised_at__isnull=True).values("guardian")
    )
    due: set[int] = set()
    blocked: set[int] = set()
    for guardian_id, decision, signed_on in latest.values_list("guardian_id", "decision", "signed_on"):
        if decision == Decision.CONSENT or (decision == Decision.WITHDRAWAL and signed_on > cutoff):
            blocked.add(guardian_id)  # a valid consent, or a withdrawal still within its term
        elif decision == Decision.WITHDRAWAL:
            due.add(guardian_id)
        # A refusal or a declared inability for another child neither starts nor stops the clock.
    return due - blocked


@transaction.atomic
def contacts_anonymise_due(*, now: datetime.datetime | None = None) -> int:
    """Anonymise the contacts of every guardian due (see the module); returns the contact points
    anonymised. Idempotent: an anonymised contact is never touched again. A constant number of queries."""
    now = now or timezone.now()
    due = guardians_due_for_anonymisation(now=now)
    if not due:
        return 0
    contact_ids = list(
        ContactPoint.objects.select_for_update()
        .filter(guardian_id__in=due, anonymised_at__isnull=True)
        .values_list("pk", flat=True)
    )
    if not contact_ids:
        return 0
    ContactEvent.objects.filter(contact_id__in=contact_ids).exclude(value="").update(value="", updated_at=now)
    # Both values and the date in one UPDATE: the check constraint allows empty values once anonymised.
    ContactPoint.objects.filter(pk__in=contact_ids).update(email="", phone="", anonymised_at=now, updated_at=now)
    ContactVerification.objects.filter(contact_id__in=contact_ids).delete()
    ContactEvent.objects.bulk_create(
        [ContactEvent(contact_id=pk, action=ContactEvent.Action.ANONYMISED, value="") for pk in contact_ids]
    )
    logger.info("anonymised %s contact(s) of %s guardian(s) after a withdrawal", len(contact_ids), len(due))
    return len(contact_ids)
