"""The one question the rest of ediary asks of consent: how may this family be told about this child?

    delivery_for(guardian, student) -> frozenset of CABINET, EMAIL, SMS, PORTAL or {PAPER}

Electronic channels need the guardian's valid consent for the child; email and SMS also a
verified contact and the guardian's choice. Refusal, withdrawal, a declared inability or no
decision yet mean paper. A family with consent but no way to reach it electronically (no login,
no verified contact) is on paper too, and so is one that asked for paper in writing.
``delivery_for_many`` answers for many pairs in a constant number of queries.
"""

from __future__ import annotations

from collections.abc import Iterable

from gradebook.models import Guardian, Student

from .models import ContactPoint, DeliveryPreference
from .services.records import latest_decisions

CABINET = "cabinet"
EMAIL = "email"
SMS = "sms"
PORTAL = "portal"
PAPER = "paper"
PERSONAL_CHANNELS = frozenset({CABINET, EMAIL, SMS})


def delivery_for(guardian: Guardian, student: Student) -> frozenset[str]:
    return delivery_for_many([(guardian, student)])[(guardian.pk, student.pk)]


def delivery_for_many(pairs: Iterable[tuple[Guardian | int, Student | int]]) -> dict[tuple[int, int], frozenset[str]]:
    """Channels for each (guardian, student) pair, keyed by (guardian id, student id): four queries."""
    keys = {(_id(g), _id(s)) for g, s in pairs}
    guardian_ids = {g for g, _ in keys}
    student_ids = {s for _, s in keys}
    decisions = latest_decisions(student_ids) if keys else {}
    preferences = {
        (p.guardian_id, p.student_id): p
        for p in DeliveryPreference.objects.filter(guardian_id__in=guardian_ids, student_id__in=student_ids)
    }
    verified: dict[int, set[str]] = {}
    for guardian_id, kind in (
        ContactPoint.objects.verified().filter(guardian_id__in=guardian_ids).values_list("guardian_id", "kind")
    ):
        verified.setdefault(guardian_id, set()).add(kind)
    with_login = set(Guardian.objects.filter(pk__in=guardian_ids, user__is_active=True).values_list("pk", flat=True))
    answers = {}
    for guardian_id, student_id in keys:
        record = decisions.get((student_id, guardian_id))
        preference = preferences.get((guardian_id, student_id)) or DeliveryPreference()
        answers[(guardian_id, student_id)] = _channels(
            consented=record is not None and record.is_consent,
            preference=preference,
            contacts=verified.get(guardian_id, set()),
            has_login=guardian_id in with_login,
        )
    return answers


def _channels(*, consented: bool, preference: DeliveryPreference, contacts: set[str], has_login: bool) -> frozenset:
    if not consented:
        return frozenset({PAPER})
    channels = {PORTAL}
    if preference.cabinet and has_login:
        channels.add(CABINET)
    if preference.email and ContactPoint.Kind.EMAIL in contacts:
        channels.add(EMAIL)
    if preference.sms and ContactPoint.Kind.PHONE in contacts:
        channels.add(SMS)
    if preference.paper or not channels & PERSONAL_CHANNELS:
        channels.add(PAPER)
    return frozenset(channels)


def _id(obj) -> int:
    return obj if isinstance(obj, int) else obj.pk
