"""The consent registry of the demo school, added when gradebook announces the school was built.

Most families consented on paper at the start of the year; in 5А one family refused and is on
paper (no login), and one student has no decision yet (on the staff's list). The demo logins'
families have verified email contacts; the other consenting families gave a phone number in their
written application and chose SMS, so that only the families who refused are on paper.
"""

import datetime

from django.db.models import Exists, OuterRef
from django.utils import timezone

from gradebook.models import ClassMembership, Employee, Guardian, Guardianship
from gradebook.services.people import electronic_access_grant_bulk

from .models import (
    ConsentDocument,
    ConsentRecord,
    ContactEvent,
    ContactPoint,
    Decision,
    DeliveryPreference,
    Form,
    Provenance,
)

BATCH = 2000


def document_texts(school) -> dict[str, str]:
    return {
        "operator": f"{school.name}, {school.address}",
        "purpose": "Информирование законных представителей и обучающихся о ходе и результатах обучения "
        "в электронной форме: электронный дневник, уведомления по электронной почте и SMS.",
        "data_list": "Фамилия, имя, отчество обучающегося и законного представителя; класс; отметки, "
        "посещаемость, домашние задания, итоговые отметки; адрес электронной почты и номер телефона.",
        "third_parties": "Оператор SMS-рассылок; почтовый сервис школы; городской портал государственных услуг.",
        "actions": "Сбор, запись, систематизация, хранение, уточнение, использование, передача "
        "(предоставление, доступ), блокирование, удаление, уничтожение; с использованием средств автоматизации.",
        "term": "До окончания обучения в школе или до отзыва согласия.",
        "withdrawal": "Согласие отзывается письменным заявлением в канцелярию школы или электронным документом "
        "через портал; данные, не требуемые по закону, уничтожаются в течение 30 дней.",
    }


def demo_consents_seed(*, school, year, today: datetime.date) -> None:
    signed_on = min(today, year.starts_on + datetime.timedelta(days=3))
    document = ConsentDocument.objects.create(
        school=school, version=1, effective_from=year.starts_on - datetime.timedelta(days=30), **document_texts(school)
    )
    secretary = Employee.objects.filter(school=school, is_staff_member=True, user__isnull=False).first()
    recorder = secretary.user if secretary else None
    paper_student, undecided_student = _special_students(year)
    links = list(Guardianship.objects.filter(student__school=school).values_list("pk", "guardian_id", "student_id"))
    records, granted_links, granted_students, granted_pairs = [], [], set(), []
    for number, (link_id, guardian_id, student_id) in enumerate(links, start=1):
        if student_id == undecided_student:
            continue
        decision = Decision.REFUSAL if student_id == paper_student else Decision.CONSENT
        records.append(
            ConsentRecord(
                school=school,
                student_id=student_id,
                guardian_id=guardian_id,
                decision=decision,
                document=document,
                form=Form.PAPER,
                paper_number=f"С-{number}",
                paper_date=signed_on,
                signed_on=signed_on,
                recorded_by=recorder,
            )
        )
        if decision == Decision.CONSENT:
            granted_links.append(link_id)
            granted_students.add(student_id)
            granted_pairs.append((guardian_id, student_id))
    ConsentRecord.objects.bulk_create(records, batch_size=BATCH)
    electronic_access_grant_bulk(guardianship_ids=granted_links, student_ids=granted_students)
    _demo_contacts(school=school, recorder=recorder, on=signed_on, consenting_pairs=granted_pairs)


def _special_students(year) -> tuple[int | None, int | None]:
    """Two students of 5А whose families have no login: one on paper (refusal), one undecided."""
    with_login = Guardian.objects.filter(guardianships__student=OuterRef("student"), user__isnull=False)
    candidates = list(
        ClassMembership.objects.filter(class_unit__school_year=year, class_unit__grade_level=5, class_unit__letter="А")
        .filter(student__user__isnull=True)
        .exclude(Exists(with_login))
        .order_by("student__surname", "student__name", "student_id")
        .values_list("student_id", flat=True)[:2]
    )
    candidates += [None] * (2 - len(candidates))
    return candidates[0], candidates[1]


def _demo_contacts(*, school, recorder, on, consenting_pairs) -> None:
    """Contacts from the written applications: email for the guardians who have a login, a phone
    (and SMS chosen) for the other consenting guardians."""
    now = timezone.now()
    guardians = Guardian.objects.filter(school=school).select_related("user").in_bulk()
    consenting = {guardian_id for guardian_id, _ in consenting_pairs}
    contacts = []
    for guardian in guardians.values():
        common = {
            "guardian": guardian,
            "provenance": Provenance.WRITTEN,
            "document_number": f"К-{guardian.pk}",
            "document_date": on,
            "verified_at": now,
            "added_by": recorder,
        }
        if guardian.user and guardian.user.email:
            contacts.append(ContactPoint(kind=ContactPoint.Kind.EMAIL, email=guardian.user.email, **common))
        elif guardian.pk in consenting:
            phone = f"+7900{guardian.pk % 10_000_000:07d}"
            contacts.append(ContactPoint(kind=ContactPoint.Kind.PHONE, phone=phone, **common))
    ContactPoint.objects.bulk_create(contacts, batch_size=BATCH)
    ContactEvent.objects.bulk_create(
        (
            ContactEvent(contact=c, action=a, value=c.value, by=recorder)
            for c in contacts
            for a in (ContactEvent.Action.ADDED, ContactEvent.Action.VERIFIED)
        ),
        batch_size=BATCH,
    )
    by_phone = {c.guardian_id for c in contacts if c.kind == ContactPoint.Kind.PHONE}
    DeliveryPreference.objects.bulk_create(
        (
            DeliveryPreference(guardian_id=g, student_id=s, sms=True, email=False, updated_by=recorder)
            for g, s in consenting_pairs
            if g in by_phone
        ),
        batch_size=BATCH,
    )
