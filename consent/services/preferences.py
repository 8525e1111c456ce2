"""How a guardian wants to hear about a child: channels and rhythm (the parent, in the cabinet) and paper
(staff, from a written application); and why ``delivery_for`` answers what it answers.

One preference row per (guardian, child); a pair without one gets the model's defaults (cabinet
and email, daily digest, no paper). Choosing a channel does not open it: ``delivery_for`` also
asks for consent, a login and verified contacts, and ``delivery_rows`` says what is missing.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gradebook.models import Guardian, Guardianship, Student

from ..delivery import CABINET, EMAIL, PAPER, PORTAL, SMS, delivery_for_many
from ..models import DeliveryPreference, Rhythm
from .records import latest_decisions

logger = logging.getLogger(__name__)

CHANNEL_ORDER = (CABINET, EMAIL, SMS, PORTAL, PAPER)
CHANNEL_LABELS = {
    CABINET: gettext_lazy("the cabinet"),
    EMAIL: gettext_lazy("email"),
    SMS: gettext_lazy("SMS"),
    PORTAL: gettext_lazy("the external portal"),
    PAPER: gettext_lazy("paper"),
}
APPLICATION_NUMBER_MAX_LENGTH = DeliveryPreference._meta.get_field("paper_application_number").max_length


def _check_pair(guardian: Guardian, student: Student) -> None:
    if not Guardianship.objects.filter(guardian=guardian, student=student).exists():
        raise ValidationError(_("This person is not a guardian of the student."), code="not_guardian")


def _locked_preference(guardian: Guardian, student: Student) -> DeliveryPreference:
    preference, _created = DeliveryPreference.objects.select_for_update().get_or_create(
        guardian=guardian, student=student
    )
    return preference


@transaction.atomic
def preference_set(
    *, guardian: Guardian, student: Student, cabinet: bool, email: bool, sms: bool, rhythm: str, by
) -> DeliveryPreference:
    """The parent's choice of channels and rhythm for one child (paper stays as staff recorded it)."""
    if rhythm not in Rhythm.values:
        raise ValidationError({"rhythm": _("Choose how often to be told.")})
    _check_pair(guardian, student)
    preference = _locked_preference(guardian, student)
    preference.cabinet, preference.email, preference.sms = bool(cabinet), bool(email), bool(sms)
    preference.rhythm = rhythm
    preference.updated_by = by
    preference.save()
    logger.info("delivery preference %s set by user %s", preference.pk, getattr(by, "pk", None))
    return preference


@transaction.atomic
def preference_set_email(*, guardian: Guardian, student: Student, enabled: bool, by=None) -> DeliveryPreference:
    """Email about one child on or off, the rest of the choice unchanged: the one-click unsubscribe link
    of an email (no login: ``by`` is None then)."""
    _check_pair(guardian, student)
    preference = _locked_preference(guardian, student)
    if preference.email != bool(enabled):
        preference.email = bool(enabled)
        preference.updated_by = by
        preference.save()
    logger.info(
        "email %s for delivery preference %s by user %s",
        "on" if enabled else "off",
        preference.pk,
        getattr(by, "pk", None),
    )
    return preference


@transaction.atomic
def paper_preference_record(
    *,
    guardian: Guardian,
    student: Student,
    paper: bool,
    application_number: str,
    application_date: datetime.date | None,
    by,
) -> DeliveryPreference:
    """Paper delivery on (or off) from the guardian's written application, recorded by staff.

    Turning paper on needs the application's number and date; the date cannot be in the future.
    """
    number = (application_number or "").strip()
    errors = {}
    if paper and not number:
        errors["application_number"] = _("A written application needs its number.")
    elif len(number) > APPLICATION_NUMBER_MAX_LENGTH:
        errors["application_number"] = _("The application number is too long.")
    if paper and application_date is None:
        errors["application_date"] = _("A written application needs its date.")
    elif application_date is not None and application_date > timezone.localdate():
        errors["application_date"] = _("The application date cannot be in the future.")
    if errors:
        raise ValidationError(errors)
    _check_pair(guardian, student)
    preference = _locked_preference(guardian, student)
    preference.paper = bool(paper)
    preference.paper_application_number = number
    preference.paper_application_date = application_date
    preference.updated_by = by
    preference.save()
    logger.info(
        "paper delivery %s for preference %s recorded by user %s",
        "on" if paper else "off",
        preference.pk,
        getattr(by, "pk", None),
    )
    return preference


# --- Selectors --------------------------------------------------------------------------------


def _date(value) -> str:
    return formats.date_format(value, "SHORT_DATE_FORMAT") if value else "—"


def _reasons(*, record, preference: DeliveryPreference, channels: frozenset, has_login: bool) -> list[str]:
    """Why the channels are what they are, in the family's words."""
    if record is None:
        return [_("No decision about electronic delivery is recorded for this child yet: you are informed on paper.")]
    if not record.is_consent:
        return [
            _("%(decision)s recorded on %(date)s: you are informed on paper.")
            % {"decision": record.get_decision_display().capitalize(), "date": _date(record.signed_on)}
        ]
    reasons = []
    if preference.cabinet and CABINET not in channels and not has_login:
        reasons.append(_("The cabinet needs an active login: ask the school for one."))
    if preference.email and EMAIL not in channels:
        reasons.append(_("Email needs a confirmed email address."))
    if preference.sms and SMS not in channels:
        reasons.append(_("SMS needs a confirmed mobile phone number."))
    if PAPER in channels:
        if preference.paper:
            reasons.append(
                _("A weekly paper extract, as asked for in written application No. %(number)s of %(date)s.")
                % {"number": preference.paper_application_number, "date": _date(preference.paper_application_date)}
            )
        else:
            reasons.append(_("No electronic channel reaches you, so the school gives you a weekly paper extract."))
    return reasons


def delivery_rows(pairs: Iterable[tuple[Guardian, Student]]) -> list[dict]:
    """For each (guardian, child): the preference (saved, or the defaults), the channels ``delivery_for``
    gives now in a fixed order with their labels, and the reasons. A constant number of queries."""
    pairs = list(pairs)
    if not pairs:
        return []
    answers = delivery_for_many(pairs)
    guardian_ids = {guardian.pk for guardian, _student in pairs}
    student_ids = {student.pk for _guardian, student in pairs}
    decisions = latest_decisions(student_ids)
    preferences = {
        (p.guardian_id, p.student_id): p
        for p in DeliveryPreference.objects.filter(guardian_id__in=guardian_ids, student_id__in=student_ids)
    }
    with_login = set(Guardian.objects.filter(pk__in=guardian_ids, user__is_active=True).values_list("pk", flat=True))
    rows = []
    for guardian, student in pairs:
        key = (guardian.pk, student.pk)
        preference = preferences.get(key) or DeliveryPreference(guardian=guardian, student=student)
        channels = answers[key]
        record = decisions.get((student.pk, guardian.pk))
        rows.append(
            {
                "guardian": guardian,
                "student": student,
                "preference": preference,
                "channels": [(name, CHANNEL_LABELS[name]) for name in CHANNEL_ORDER if name in channels],
                "consented": record is not None and record.is_consent,
                "reasons": _reasons(
                    record=record, preference=preference, channels=channels, has_login=guardian.pk in with_login
                ),
            }
        )
    return rows
