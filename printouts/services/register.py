"""The register of extracts: printed, handed over (when, to whom, by whom) or not delivered (why).

Each service validates its input and raises ``ValidationError`` with a message for the page; nothing is
changed then.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import ExtractRecord

Status = ExtractRecord.Status


def _locked(record: ExtractRecord) -> ExtractRecord:
    return ExtractRecord.objects.select_for_update().select_related("school").get(pk=record.pk)


@transaction.atomic
def extract_mark_printed(*, record: ExtractRecord, by) -> ExtractRecord:
    """The class teacher printed the extract. An extract already handed over stays so."""
    record = _locked(record)
    if record.status == Status.HANDED_OVER:
        raise ValidationError(_("This extract has already been handed over."))
    record.status = Status.PRINTED
    record.printed_at = timezone.now()
    record.not_delivered_reason = ""
    record.recorded_by = by
    record.save(update_fields=["status", "printed_at", "not_delivered_reason", "recorded_by", "updated_at"])
    return record


@transaction.atomic
def extract_hand_over(*, record: ExtractRecord, on: datetime.date | None, to: str, by) -> ExtractRecord:
    """The extract was handed over on a day (in its week or later, not in the future) to someone named."""
    record = _locked(record)
    to = (to or "").strip()
    errors = {}
    today = timezone.localdate(timezone=record.school.zone)
    if on is None:
        errors["on"] = _("Say when the extract was handed over.")
    elif on < record.week_start:
        errors["on"] = _("The extract cannot be handed over before its week (from %(day)s).") % {
            "day": f"{record.week_start:%d.%m.%Y}"
        }
    elif on > today:
        errors["on"] = _("The date of handing over cannot be in the future.")
    if not to:
        errors["to"] = _("Say to whom the extract was handed over.")
    if errors:
        raise ValidationError(errors)
    if record.printed_at is None:
        record.printed_at = timezone.now()
    record.status = Status.HANDED_OVER
    record.handed_over_on = on
    record.handed_to = to[:200]
    record.not_delivered_reason = ""
    record.recorded_by = by
    record.save()
    return record


@transaction.atomic
def extract_not_delivered(*, record: ExtractRecord, reason: str, by) -> ExtractRecord:
    """The extract could not be handed over, and why."""
    record = _locked(record)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the extract was not delivered.")})
    if record.status == Status.HANDED_OVER:
        raise ValidationError(_("This extract has already been handed over."))
    record.status = Status.NOT_DELIVERED
    record.not_delivered_reason = reason[:255]
    record.handed_over_on = None
    record.handed_to = ""
    record.recorded_by = by
    record.save()
    return record
