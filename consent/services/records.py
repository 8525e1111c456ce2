"""Recording decisions in the consent registry, and keeping gradebook's access flags in step."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from gradebook.models import Guardian, Guardianship, Student
from gradebook.services.people import electronic_access_apply

from ..models import ConsentDocument, ConsentRecord, Decision, Form
from ..signals import consent_changed
from ..validators import validate_scan

OWN_CONSENT_AGE = 14


def age_on(birth_date: datetime.date, day: datetime.date) -> int:
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def latest_decisions(students) -> dict[tuple[int, int | None], ConsentRecord]:
    """The latest record of each (student id, guardian id or None) among the students: one query."""
    latest: dict[tuple[int, int | None], ConsentRecord] = {}
    records = ConsentRecord.objects.filter(student__in=students).order_by("created_at", "pk")
    for record in records:
        latest[(record.student_id, record.guardian_id)] = record
    return latest


def _check(
    *, student, guardian, decision, form, signed_on, paper_number, paper_date, signature_reference, supersedes, scan
) -> None:
    today = timezone.localdate()
    errors: dict[str, str] = {}
    if decision not in Decision.values:
        errors["decision"] = _("Choose a decision.")
    if signed_on > today:
        errors["signed_on"] = _("The signing date cannot be in the future.")
    if form == Form.PAPER:
        if not paper_number.strip():
            errors["paper_number"] = _("A paper application needs its number.")
        if paper_date is None:
            errors["paper_date"] = _("A paper application needs its date.")
        elif paper_date > today:
            errors["paper_date"] = _("The application date cannot be in the future.")
    elif form == Form.ELECTRONIC:
        if not signature_reference.strip():
            errors["signature_reference"] = _("An electronic document needs its signature reference.")
    else:
        errors["form"] = _("Choose the form of the document.")
    if guardian is None:
        if student.birth_date is None or age_on(student.birth_date, signed_on) < OWN_CONSENT_AGE:
            errors["guardian"] = _("A student decides for their own cabinet only from the age of 14.")
    elif not Guardianship.objects.filter(guardian=guardian, student=student).exists():
        errors["guardian"] = _("This person is not a guardian of the student.")
    if supersedes is not None and (supersedes.student_id, supersedes.guardian_id) != (
        student.pk,
        guardian.pk if guardian else None,
    ):
        errors["supersedes"] = _("A correction replaces a record of the same person for the same child.")
    if scan:
        try:
            validate_scan(scan)
        except ValidationError as error:
            errors["scan"] = error.messages[0]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def consent_record(
    *,
    student: Student,
    guardian: Guardian | None,
    decision: str,
    form: str,
    signed_on: datetime.date,
    recorded_by=None,
    document: ConsentDocument | None = None,
    paper_number: str = "",
    paper_date: datetime.date | None = None,
    signature_reference: str = "",
    scan=None,
    note: str = "",
    supersedes: ConsentRecord | None = None,
) -> ConsentRecord:
    """Add a decision (consent, refusal, inability, withdrawal) to the registry and apply it at once.

    ``guardian=None`` records a student's own decision (aged 14 or more) for their own cabinet.
    Bad input raises ``ValidationError`` and writes nothing.
    """
    _check(
        student=student,
        guardian=guardian,
        decision=decision,
        form=form,
        signed_on=signed_on,
        paper_number=paper_number,
        paper_date=paper_date,
        signature_reference=signature_reference,
        supersedes=supersedes,
        scan=scan,
    )
    document = document or ConsentDocument.objects.current_for(student.school)
    if document is None:
        raise ValidationError(_("The school has no consent document yet: an administrator adds its text first."))
    record = ConsentRecord(
        school=student.school,
        student=student,
        guardian=guardian,
        decision=decision,
        document=document,
        form=form,
        paper_number=paper_number.strip() if form == Form.PAPER else "",
        paper_date=paper_date if form == Form.PAPER else None,
        signature_reference=signature_reference.strip() if form == Form.ELECTRONIC else "",
        signed_on=signed_on,
        note=note,
        supersedes=supersedes,
        recorded_by=recorded_by,
    )
    if scan:
        record.scan = scan
    record.save()
    electronic_access_sync(student=student)
    consent_changed.send(sender=ConsentRecord, record=record)
    return record


def electronic_access_sync(*, student: Student) -> None:
    """Make gradebook's flags say what the registry says for one child.

    - a guardian sees the child's data electronically when their own latest decision is a consent;
    - the student's own cabinet follows their own decision from 14, otherwise a legal
      representative's consent.
    """
    decisions = latest_decisions([student])
    links = Guardianship.objects.filter(student=student).values_list("guardian_id", "is_legal_representative")
    guardians: dict[int, bool] = {}
    representative_consents = False
    for guardian_id, is_representative in links:
        record = decisions.get((student.pk, guardian_id))
        allowed = record is not None and record.is_consent
        guardians[guardian_id] = allowed
        representative_consents |= allowed and is_representative
    own = decisions.get((student.pk, None))
    own_cabinet = own.is_consent if own is not None else representative_consents
    electronic_access_apply(student=student, guardians=guardians, own_cabinet=own_cabinet)


@dataclass(frozen=True)
class Disagreements:
    """Flags that say something else than the registry: guardianships and students (own cabinet)."""

    guardianships: list[Guardianship]
    students: list[Student]

    def __bool__(self) -> bool:
        return bool(self.guardianships or self.students)


def _latest_decision_of(*, student, guardian) -> Subquery:
    """The decision of the latest record of a (student, guardian or None) pair, as a subquery."""
    records = ConsentRecord.objects.filter(student=student)
    records = records.filter(guardian__isnull=True) if guardian is None else records.filter(guardian=guardian)
    return Subquery(records.order_by("-created_at", "-pk").values("decision")[:1])


def registry_disagreements(*, school=None) -> Disagreements:
    """Where gradebook's flags disagree with the registry, by the rules of ``electronic_access_sync``:
    two queries whatever the number of families (the registry's index answers each latest decision).

    ``school`` limits the check to one school. Empty when all is well (the normal state: every
    record updates the flags in its own transaction).
    """
    consent = Q(latest=Decision.CONSENT)
    guardianships = Guardianship.objects.annotate(
        latest=_latest_decision_of(student=OuterRef("student"), guardian=OuterRef("guardian"))
    ).filter((Q(electronic_access=True) & (Q(latest__isnull=True) | ~consent)) | (Q(electronic_access=False) & consent))
    representative_consents = Exists(
        Guardianship.objects.filter(student=OuterRef("pk"), is_legal_representative=True)
        .annotate(latest=_latest_decision_of(student=OuterRef("student"), guardian=OuterRef("guardian")))
        .filter(consent)
    )
    own = Q(own__isnull=False)
    students = Student.objects.annotate(
        own=_latest_decision_of(student=OuterRef("pk"), guardian=None), representative=representative_consents
    ).filter(
        (own & Q(own=Decision.CONSENT, electronic_access=False))
        | (own & ~Q(own=Decision.CONSENT) & Q(electronic_access=True))
        | (~own & Q(representative=True, electronic_access=False))
        | (~own & Q(representative=False, electronic_access=True))
    )
    if school is not None:
        guardianships = guardianships.filter(student__school=school)
        students = students.filter(school=school)
    return Disagreements(
        guardianships=list(guardianships.select_related("guardian", "student").order_by("pk")),
        students=list(students.order_by("pk")),
    )
