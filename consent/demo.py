"""The consent registry of the demo school, added when gradebook announces the school was built.

Most families consented on paper at the start of the year; in 5А one family refused and is on
paper (no login), and one student has no decision yet (on the staff's list). The demo logins'
families have verified email contacts, so that every channel can be tried.
"""

import datetime

from django.db.models import Exists, OuterRef
from django.utils import timezone

from gradebook.models import ClassMembership, Employee, Guardian, Guardianship
from gradebook.services.people import electronic_access_grant_bulk

from .models import ConsentDocument, ConsentRecord, ContactEvent, ContactPoint, Decision, Form, Provenance

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
    records, granted_links, granted_students = [], [], set()
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
    ConsentRecord.objects.bulk_create(records, batch_size=BATCH)
    electronic_access_grant_bulk(guardianship_ids=granted_links, student_ids=granted_students)
    _demo_contacts(school=school, recorder=recorder, on=signed_on)


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


def _demo_contacts(*, school, recorder, on) -> None:
    """Verified email addresses, from the written application, for the guardians who have a login."""
    now = timezone.now()
    contacts = [
        ContactPoint(
            guardian=guardian,
            kind=ContactPoint.Kind.EMAIL,
            email=guardian.user.email,
            provenance=Provenance.WRITTEN,
            document_number=f"К-{guardian.pk}",
            document_date=on,
            verified_at=now,
            added_by=recorder,
        )
        for guardian in Guardian.objects.filter(school=school, user__isnull=False).select_related("user")
        if guardian.user.email
    ]
    ContactPoint.objects.bulk_create(contacts)
    ContactEvent.objects.bulk_create(
        ContactEvent(contact=c, action=a, value=c.email, by=recorder)
        for c in contacts
        for a in (ContactEvent.Action.ADDED, ContactEvent.Action.VERIFIED)
    )
