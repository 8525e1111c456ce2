"""Who receives a school's daily or weekly digest, through which channels, about which children, and
since when (the guardian's previous digest of that rhythm).

A guardian's digest covers the children whose delivery preference has that rhythm (daily when the
family chose nothing) and whose channels (``consent.delivery_for_many``) allow email or SMS, with a
deliverable contact (verified, not bouncing); the weekly one also reaches the cabinet, where it asks
to confirm the week's reading. Read for a chunk of guardians in a fixed number of queries.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Exists, Max, OuterRef, Q

from consent.delivery import CABINET, EMAIL, SMS, delivery_for_many
from consent.models import ContactPoint, DeliveryPreference, Rhythm
from gradebook.models import Guardian, Guardianship, School, Student

from ..models import Digest

# Without an earlier digest, a digest tells what happened in the last day or week; after a gap (digests
# switched off, a stopped beat) at most this far back.
FIRST_WINDOW = {Digest.Rhythm.DAILY: datetime.timedelta(days=1), Digest.Rhythm.WEEKLY: datetime.timedelta(days=7)}
LONGEST_WINDOW = {Digest.Rhythm.DAILY: datetime.timedelta(days=7), Digest.Rhythm.WEEKLY: datetime.timedelta(days=14)}


@dataclass
class Recipient:
    """One guardian's digest: the children for each channel, the addresses, and since when it tells."""

    guardian: Guardian
    since: datetime.datetime
    email: str = ""
    phone: str = ""
    by_email: list[Student] = field(default_factory=list)
    by_sms: list[Student] = field(default_factory=list)
    in_cabinet: list[Student] = field(default_factory=list)

    @property
    def students(self) -> list[Student]:
        """Every child the digest tells about, each once, in the family's order."""
        seen: dict[int, Student] = {}
        for student in (*self.by_email, *self.by_sms, *self.in_cabinet):
            seen.setdefault(student.pk, student)
        return list(seen.values())


def digest_guardian_ids(*, school: School, rhythm: str, day: datetime.date) -> list[int]:
    """The guardians who may get a digest of that rhythm for ``day`` and have none yet, in id order (one
    query): linked to a child of the school with electronic access, with a deliverable contact (or, for
    the weekly one, a login: it reaches the cabinet too). The chunks check consent, rhythm and channels."""
    done = Digest.objects.filter(guardian=OuterRef("guardian"), rhythm=rhythm, covers_until__gte=day)
    reachable = Q(Exists(ContactPoint.objects.deliverable().filter(guardian=OuterRef("guardian"))))
    if rhythm == Digest.Rhythm.WEEKLY:
        reachable |= Q(guardian__user__isnull=False)
    links = (
        Guardianship.objects.with_access(day)
        .filter(reachable, student__school=school, guardian__school=school)
        .exclude(Exists(done))
    )
    return sorted(set(links.values_list("guardian_id", flat=True)))


def digest_recipients(
    *, school: School, rhythm: str, day: datetime.date, guardian_ids: list[int], now: datetime.datetime
) -> list[Recipient]:
    """The digests to build for these guardians on ``day`` (those who have one already are left out):
    eight queries whatever their number."""
    links = list(
        Guardianship.objects.unrestricted(day)
        .filter(guardian_id__in=guardian_ids, guardian__school=school, student__school=school)
        .select_related("guardian", "student")
        .order_by("guardian_id", "student__surname", "student__name", "student_id")
    )
    previous = {
        row["guardian_id"]: row
        for row in Digest.objects.filter(guardian_id__in=guardian_ids, rhythm=rhythm)
        .values("guardian_id")
        .annotate(last_at=Max("created_at"), last_day=Max("covers_until"))
    }
    links = [link for link in links if link.guardian_id not in previous or previous[link.guardian_id]["last_day"] < day]
    channels = delivery_for_many((link.guardian, link.student) for link in links)
    rhythms = {
        (guardian_id, student_id): chosen
        for guardian_id, student_id, chosen in DeliveryPreference.objects.filter(
            guardian_id__in=guardian_ids, student_id__in={link.student_id for link in links}
        ).values_list("guardian_id", "student_id", "rhythm")
    }
    emails, phones = _addresses(guardian_ids)
    recipients: dict[int, Recipient] = {}
    for link in links:
        pair = (link.guardian_id, link.student_id)
        if rhythms.get(pair, Rhythm.DAILY) != rhythm or link.student_id in _already(recipients, link):
            continue
        allowed = channels.get(pair, frozenset())
        recipient = recipients.get(link.guardian_id) or Recipient(
            guardian=link.guardian,
            since=_since(previous.get(link.guardian_id), rhythm, now),
            email=emails.get(link.guardian_id, ""),
            phone=phones.get(link.guardian_id, ""),
        )
        if EMAIL in allowed and recipient.email:
            recipient.by_email.append(link.student)
        if SMS in allowed and recipient.phone:
            recipient.by_sms.append(link.student)
        if CABINET in allowed and rhythm == Digest.Rhythm.WEEKLY:
            recipient.in_cabinet.append(link.student)
        if recipient.students:
            recipients[link.guardian_id] = recipient
    return list(recipients.values())


def _already(recipients: dict[int, Recipient], link: Guardianship) -> set[int]:
    """The children already taken for the guardian (two current links to one child count once)."""
    recipient = recipients.get(link.guardian_id)
    return {student.pk for student in recipient.students} if recipient else set()


def _since(previous: dict | None, rhythm: str, now: datetime.datetime) -> datetime.datetime:
    if previous is None:
        return now - FIRST_WINDOW[rhythm]
    return max(previous["last_at"], now - LONGEST_WINDOW[rhythm])


def _addresses(guardian_ids: list[int]) -> tuple[dict[int, str], dict[int, str]]:
    """Each guardian's first deliverable email and phone (one query)."""
    emails: dict[int, str] = {}
    phones: dict[int, str] = {}
    contacts = (
        ContactPoint.objects.deliverable()
        .filter(guardian_id__in=guardian_ids)
        .order_by("pk")
        .values_list("guardian_id", "kind", "email", "phone")
    )
    for guardian_id, kind, email, phone in contacts:
        if kind == ContactPoint.Kind.EMAIL:
            emails.setdefault(guardian_id, email)
        elif phone:
            phones.setdefault(guardian_id, phone.as_e164)
    return emails, phones
