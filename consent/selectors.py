"""What the staff's consent pages show.

Selectors take the students the access policy let through (``access.people_visible_to`` or one
student from ``access.get_served_student``) and read them in a bounded number of queries,
whatever the size of the school: the latest decisions in one query (``latest_decisions``), the
channels in four (``delivery_for_many``).
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field

from django.db.models import Exists, IntegerField, OuterRef, Prefetch, Q, QuerySet, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gradebook.models import ClassMembership, ClassUnit, Employee, Guardian, Guardianship, Student

from .delivery import PAPER, delivery_for_many
from .models import ConsentRecord, Decision, DeliveryPreference
from .services.records import OWN_CONSENT_AGE, age_on, latest_decisions

# 152-ФЗ: after a withdrawal, data not required by law are destroyed within 30 days.
DESTRUCTION_DAYS = 30

NO_DECISION = "none"
DECISION_LABELS = {**dict(Decision.choices), NO_DECISION: _("no decision")}

CHANNEL_LABELS = {
    "cabinet": _("cabinet"),
    "email": _("email"),
    "sms": _("SMS"),
    "portal": _("external portal"),
    PAPER: _("paper"),
}
CHANNEL_ORDER = ("cabinet", "email", "sms", "portal", PAPER)

# Why a family is informed on paper.
PAPER_REASONS = {
    Decision.REFUSAL: _("refusal"),
    Decision.UNABLE: _("declared unable to use electronic access"),
    Decision.WITHDRAWAL: _("withdrawal of consent"),
    NO_DECISION: _("no decision yet"),
    "asked": _("asked for paper in writing"),
    "no_channel": _("no electronic channel (no login, no verified contact)"),
}

# Latin letters that look like the Cyrillic letters of class names: "5A" typed with a Latin A is 5А.
_LOOKALIKES = str.maketrans("ABEKMHOPCTXY", "АВЕКМНОРСТХУ")
_CLASS_NAME = re.compile(r"^(\d{1,2})\s*-?\s*(\w)$")


# --- Shapes the templates read ---------------------------------------------------------------


@dataclass(frozen=True)
class Channel:
    code: str
    label: str


def channel_list(channels: frozenset[str]) -> list[Channel]:
    return [Channel(code, CHANNEL_LABELS[code]) for code in CHANNEL_ORDER if code in channels]


@dataclass
class PersonDecision:
    """One person who decides for a child: a guardian, or the student themselves (``guardian`` None)."""

    guardian: Guardian | None
    guardianship: Guardianship | None
    record: ConsentRecord | None
    channels: list[Channel] = field(default_factory=list)

    @property
    def decision(self) -> str:
        return self.record.decision if self.record else NO_DECISION

    @property
    def decision_label(self) -> str:
        return DECISION_LABELS[self.decision]

    @property
    def is_self(self) -> bool:
        return self.guardian is None


@dataclass
class FamilyRow:
    student: Student
    class_unit: ClassUnit | None
    people: list[PersonDecision]


def _current_class(student: Student) -> ClassUnit | None:
    memberships = getattr(student, "current_memberships", None)
    return memberships[0].class_unit if memberships else None


def _with_family(students: QuerySet[Student], on: datetime.date) -> QuerySet[Student]:
    """Students with their class and their guardians of the day: two more queries for any page."""
    return students.prefetch_related(
        Prefetch(
            "class_memberships",
            queryset=ClassMembership.objects.current(on).select_related("class_unit"),
            to_attr="current_memberships",
        ),
        Prefetch(
            "guardianships",
            queryset=Guardianship.objects.current(on).select_related("guardian").order_by("starts_on", "pk"),
            to_attr="current_guardianships",
        ),
    )


def enrolled(students: QuerySet[Student], on: datetime.date) -> QuerySet[Student]:
    """The students who are in a class that day (the lists leave out those who left the school)."""
    return students.filter(pk__in=ClassMembership.objects.current(on).values("student"))


def _by_name(students: QuerySet[Student]) -> QuerySet[Student]:
    return students.order_by("surname", "name", "patronymic", "pk")


# --- Find a family ---------------------------------------------------------------------------


def family_search(students: QuerySet[Student], query: str, on: datetime.date) -> QuerySet[Student]:
    """Students whose name, or one of whose guardians' names, starts with each word of the query.

    A word like "5А" (or "5a", "5 А") picks the class, a bare number the grade level.
    """
    for word in query.split():
        class_name = _CLASS_NAME.match(word.upper().translate(_LOOKALIKES))
        if class_name or word.isdigit():
            members = ClassMembership.objects.current(on)
            if class_name:
                grade, letter = class_name.groups()
                members = members.filter(class_unit__grade_level=int(grade), class_unit__letter__iexact=letter)
            else:
                members = members.filter(class_unit__grade_level=int(word))
            students = students.filter(pk__in=members.values("student"))
            continue
        names = Q(surname__istartswith=word) | Q(name__istartswith=word) | Q(patronymic__istartswith=word)
        guardians = Guardianship.objects.current(on).filter(
            Q(guardian__surname__istartswith=word)
            | Q(guardian__name__istartswith=word)
            | Q(guardian__patronymic__istartswith=word)
        )
        students = students.filter(names | Q(pk__in=guardians.values("student")))
    return _by_name(_with_family(students, on))


def family_rows(students, on: datetime.date) -> list[FamilyRow]:
    """A page of students (from ``family_search``) with each guardian's decision and channels."""
    students = list(students)
    decisions = latest_decisions([s.pk for s in students])
    pairs = [(link.guardian_id, student.pk) for student in students for link in student.current_guardianships]
    channels = delivery_for_many(pairs)
    rows = []
    for student in students:
        people = [
            PersonDecision(
                guardian=link.guardian,
                guardianship=link,
                record=decisions.get((student.pk, link.guardian_id)),
                channels=channel_list(channels[(link.guardian_id, student.pk)]),
            )
            for link in student.current_guardianships
        ]
        own = decisions.get((student.pk, None))
        if own is not None:
            people.append(PersonDecision(guardian=None, guardianship=None, record=own))
        rows.append(FamilyRow(student=student, class_unit=_current_class(student), people=people))
    return rows


# --- One student's registry --------------------------------------------------------------------


@dataclass
class HistoryEntry:
    record: ConsentRecord
    person: str
    recorded_by: str
    corrected_by: list[ConsentRecord]

    @property
    def decision_label(self) -> str:
        return DECISION_LABELS[self.record.decision]


@dataclass
class StudentConsent:
    student: Student
    class_unit: ClassUnit | None
    may_decide_alone: bool  # aged 14 or more: may decide for their own cabinet
    people: list[PersonDecision]
    history: list[HistoryEntry]


def may_decide_alone(student: Student, on: datetime.date) -> bool:
    return student.birth_date is not None and age_on(student.birth_date, on) >= OWN_CONSENT_AGE


def student_consent(student: Student, on: datetime.date) -> StudentConsent:
    """The student's guardians with their current decision and channels, and every record, newest first."""
    student = _with_family(Student.objects.filter(pk=student.pk).select_related("school"), on).get()
    links = student.current_guardianships
    channels = delivery_for_many([(link.guardian_id, student.pk) for link in links])
    records = list(
        ConsentRecord.objects.filter(student=student)
        .select_related("guardian", "document", "recorded_by", "supersedes")
        .prefetch_related("superseded_by")
        .latest_first()
    )
    latest: dict[int | None, ConsentRecord] = {}
    for record in reversed(records):  # oldest first: the last one of a person wins
        latest[record.guardian_id] = record
    people = [
        PersonDecision(
            guardian=link.guardian,
            guardianship=link,
            record=latest.get(link.guardian_id),
            channels=channel_list(channels[(link.guardian_id, student.pk)]),
        )
        for link in links
    ]
    alone = may_decide_alone(student, on)
    if alone or None in latest:
        people.append(PersonDecision(guardian=None, guardianship=None, record=latest.get(None)))
    recorders = _recorder_names(student, records)
    history = [
        HistoryEntry(
            record=record,
            person=record.guardian.full_name if record.guardian else str(_("the student themselves")),
            recorded_by=recorders.get(record.recorded_by_id, str(record.recorded_by or _("the external portal"))),
            corrected_by=list(record.superseded_by.all()),
        )
        for record in records
    ]
    return StudentConsent(
        student=student,
        class_unit=_current_class(student),
        may_decide_alone=alone,
        people=people,
        history=history,
    )


def _recorder_names(student: Student, records: list[ConsentRecord]) -> dict[int, str]:
    """The school employees who recorded the decisions, by their login: one query."""
    user_ids = {r.recorded_by_id for r in records if r.recorded_by_id}
    if not user_ids:
        return {}
    employees = Employee.objects.filter(school=student.school_id, user_id__in=user_ids).order_by("pk")
    return {employee.user_id: employee.short_name for employee in employees}


def record_with_scan(students: QuerySet[Student], public_id) -> ConsentRecord | None:
    """A record of one of the students that has a scan, or None."""
    return (
        ConsentRecord.objects.filter(student__in=students, public_id=public_id)
        .exclude(scan="")
        .select_related("school", "student")
        .first()
    )


def guardian_of(student: Student, public_id, on: datetime.date) -> Guardian | None:
    """One of the student's guardians of the day, by public id, or None."""
    link = (
        Guardianship.objects.current(on)
        .filter(student=student, guardian__public_id=public_id)
        .select_related("guardian")
        .first()
    )
    return link.guardian if link else None


# --- The staff's lists ---------------------------------------------------------------------------


def undecided_students(students: QuerySet[Student], on: datetime.date) -> QuerySet[Student]:
    """Enrolled students for whom no legal representative has decided anything, nor the student themselves."""
    representatives = Guardianship.objects.filter(student=OuterRef("student"), is_legal_representative=True)
    decided = ConsentRecord.objects.filter(student=OuterRef("pk")).filter(
        Q(guardian__isnull=True) | Q(Exists(representatives.filter(guardian=OuterRef("guardian"))))
    )
    return _by_name(_with_family(enrolled(students, on).exclude(Exists(decided)), on))


@dataclass
class PaperRow:
    guardianship: Guardianship
    class_unit: ClassUnit | None
    reason: str
    record: ConsentRecord | None

    @property
    def reason_label(self) -> str:
        return PAPER_REASONS[self.reason]


def paper_families(students: QuerySet[Student], on: datetime.date) -> list[PaperRow]:
    """Each guardian–child pair whose channels include paper, with the reason, ordered by the child's name.

    The whole school is answered in a constant number of queries (the channels of every pair are
    needed to know which ones are on paper); the classes are read for the page only (``with_classes``).
    """
    links = list(
        Guardianship.objects.unrestricted(on)
        .filter(student__in=enrolled(students, on))
        .select_related("guardian", "student")
        .order_by("student__surname", "student__name", "student__patronymic", "student_id", "starts_on", "pk")
    )
    pairs = [(link.guardian_id, link.student_id) for link in links]
    channels = delivery_for_many(pairs)
    decisions = latest_decisions({link.student_id for link in links})
    asked = set(
        DeliveryPreference.objects.filter(
            guardian_id__in={g for g, _ in pairs}, student_id__in={s for _, s in pairs}, paper=True
        ).values_list("guardian_id", "student_id")
    )
    rows = []
    for link in links:
        key = (link.guardian_id, link.student_id)
        if PAPER not in channels[key]:
            continue
        record = decisions.get((link.student_id, link.guardian_id))
        if record is None:
            reason = NO_DECISION
        elif not record.is_consent:
            reason = record.decision
        else:  # a consent: paper because they asked for it, or because nothing electronic reaches them
            reason = "asked" if key in asked else "no_channel"
        rows.append(PaperRow(guardianship=link, class_unit=None, reason=reason, record=record))
    return rows


def with_classes(rows: list[PaperRow], on: datetime.date) -> list[PaperRow]:
    """Fill in the class of each row's student: one query for a page."""
    classes = {
        m.student_id: m.class_unit
        for m in ClassMembership.objects.current(on)
        .filter(student_id__in={row.guardianship.student_id for row in rows})
        .select_related("class_unit")
    }
    for row in rows:
        row.class_unit = classes.get(row.guardianship.student_id)
    return rows


def _later_record():
    """A record of the same person for the same child made after the outer one."""
    return (
        ConsentRecord.objects.filter(student=OuterRef("student"))
        .filter(Q(created_at__gt=OuterRef("created_at")) | Q(created_at=OuterRef("created_at"), pk__gt=OuterRef("pk")))
        .annotate(person=Coalesce("guardian_id", Value(0), output_field=IntegerField()))
        .filter(person=Coalesce(OuterRef("guardian_id"), Value(0), output_field=IntegerField()))
    )


def withdrawals_in_effect(students: QuerySet[Student]) -> QuerySet[ConsentRecord]:
    """Withdrawals that are still the person's decision, oldest first: the nearest deadline first."""
    return (
        ConsentRecord.objects.filter(student__in=students, decision=Decision.WITHDRAWAL)
        .exclude(Exists(_later_record()))
        .select_related("student", "guardian")
        .order_by("created_at", "pk")
    )


def destruction_deadline(record: ConsentRecord) -> datetime.date:
    return timezone.localdate(record.created_at) + datetime.timedelta(days=DESTRUCTION_DAYS)


def overdue_since(on: datetime.date) -> datetime.datetime:
    """Withdrawals recorded before this moment are past their deadline on the day ``on``."""
    day = on - datetime.timedelta(days=DESTRUCTION_DAYS)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


@dataclass
class WithdrawalRow:
    record: ConsentRecord
    deadline: datetime.date
    days_left: int

    @property
    def overdue(self) -> bool:
        return self.days_left < 0

    @property
    def person(self) -> str:
        return self.record.guardian.full_name if self.record.guardian else str(_("the student themselves"))


def withdrawal_rows(records, on: datetime.date) -> list[WithdrawalRow]:
    rows = []
    for record in records:
        deadline = destruction_deadline(record)
        rows.append(WithdrawalRow(record=record, deadline=deadline, days_left=(deadline - on).days))
    return rows


@dataclass(frozen=True)
class Dashboard:
    undecided: int
    paper: int
    withdrawals: int
    overdue: int


def dashboard(students: QuerySet[Student], on: datetime.date) -> Dashboard:
    withdrawals = withdrawals_in_effect(students)
    return Dashboard(
        undecided=undecided_students(students, on).count(),
        paper=len(paper_families(students, on)),
        withdrawals=withdrawals.count(),
        overdue=withdrawals.filter(created_at__lt=overdue_since(on)).count(),
    )
