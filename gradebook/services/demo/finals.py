"""The demo school's finals (issue 5), written after the journal from its marks.

For every reporting period already over (it ended before today), each student gets a final in every
subject with marks in that period: the engine's proposal with the year's rules (``grading.proposal``;
н/а where the engine says so), and for the «year» period, once the study year is over, the year final
proposed from the period finals (``grading.year_proposal``). Two students with a medical exemption
(one of 5А, one elsewhere) get осв in PE. A class's (or English group's) finals in a subject are
recorded by its teacher at one moment the day after the period ends and confirmed at once: published
then. Teachers without a login record through the director's login, as in the journal.

Besides, from the attendance of the last finished quarter:
- the most ill student of 5А (the demo logins' class) has an open deferral (отсрочка) in the desk
  subject with the fewest marks: no final there, due in ten days;
- the next most ill student of 5А had a deferral in mathematics, wrote the missed work and got the
  final this morning, before the lessons: the deferral is resolved and the final not yet confirmed,
  so families see it 24 hours after it was recorded (the 24-hour rule at work in the demo);
- the most ill student of another class, in the last quarter that ended over two weeks ago, has a
  deferral due two weeks after it and still open: it is on the administrator's overdue list.

Exam results. The study year runs to 26 May and a demo built from June on is the coming year's, so
ОГЭ (grade 9) and ЕГЭ (grade 11) results, in points, in Russian and mathematics, exist only in a demo
built on 27–31 May (the exam points follow the year final of Russian, and of algebra for
mathematics). In every demo with a finished quarter, 8В (where parent@'s second child is) wrote the
school's own exam (промежуточная аттестация) in Russian after it, so families see an exam result.

A student at risk: parent2@'s child in 5А has low mathematics marks in the current period (rewritten
deterministically), so that the forecast of the period projects 2.

The demo's "now" is today at 07:30, before the lessons: the journal leaves today's lessons empty.
Size: the default school has about 5 500 finals on 25 November (written in under a second on
PostgreSQL), 32 000 after the school year (about 4 s).
"""

import datetime
import itertools
import random
from collections import Counter, defaultdict
from dataclasses import dataclass

from django.db.models import Count

from gradebook import models
from gradebook.models.finals import EXEMPT, FIVE_POINT_VALUES, PUBLICATION_DEADLINE
from gradebook.services.finals import rules_for
from gradebook.services.grading import proposal, year_proposal

from .build import People
from .curriculum import ENGLISH, ENGLISH_GROUPS_FROM_GRADE, MATHS, SUBJECTS
from .journal import BATCH_SIZE, given_timestamps
from .journal_records import GENEROUS, NO_MARKS
from .plan import ClassKey, SchoolPlan

DAY = datetime.timedelta(days=1)
MORNING = datetime.time(7, 30)  # the demo's "now": today, before the lessons
PE = "Физическая культура"
RUSSIAN = "Русский язык"
ALGEBRA = "Алгебра"
LOGIN_CLASS: ClassKey = (5, "А")  # the class of the demo student, of parent@'s and parent2@'s children
SCHOOL_EXAM_CLASS: ClassKey = (8, "В")  # parent@'s second child's class
OPEN_DEFERRAL_DAYS = 10
OVERDUE_DEFERRAL_DAYS = 14  # the overdue deferral was due this long after its period
ILLNESS = "болезнь (справка из поликлиники)"
MISSED_WORK = "болезнь: пропущена контрольная работа"
LOW_MARKS = (2, 3, 2)  # the at-risk student's marks in the current period, in turn
# State exam points for a year final of 3, 4 and 5: ОГЭ on the FIPI scales (to 33 and 31 points), ЕГЭ
# in test points (to 100). Those with a year final of 2 or н/а are not admitted.
ADMITTED = ("3", "4", "5")
OGE_POINTS = {RUSSIAN: ((15, 22), (23, 28), (29, 33)), MATHS: ((8, 14), (15, 21), (22, 31))}
EGE_POINTS = ((36, 59), (60, 79), (80, 98))
EXAMS = {9: models.FinalMark.Exam.OGE, 11: models.FinalMark.Exam.EGE}
EXAM_BASIS = {RUSSIAN: RUSSIAN, MATHS: ALGEBRA}  # exam subject → the subject whose year final it follows

Kind = models.FinalMark.Kind


@dataclass(frozen=True)
class FinalsCounts:
    finals: int = 0  # period and year finals
    exam_results: int = 0
    deferrals: int = 0


def _learns(grade: int) -> list[str]:
    return [name for name, _, hours in SUBJECTS if hours[grade - 1]]


def _applies(period: models.ReportingPeriod, grade: int) -> bool:
    return period.min_grade <= grade <= period.max_grade


class _FinalsWriter:
    def __init__(self, *, plan: SchoolPlan, today, seed: int, school, year, subjects, users: dict, people: People):
        self.today, self.seed, self.school, self.year, self.zone = today, seed, school, year, school.zone
        self.morning = datetime.datetime.combine(today, MORNING, tzinfo=self.zone)
        self.rules = rules_for(year)
        self.subjects = subjects
        self.subject_name = {subject.pk: name for name, subject in subjects.items()}
        self.admin = users["admin"]
        periods = models.ReportingPeriod.objects.filter(school_year=year).order_by("starts_on", "ends_on")
        self.finished = [p for p in periods if p.ends_on < today]
        self.current = [p for p in periods if p.starts_on <= today <= p.ends_on and p.kind != p.Kind.YEAR]
        group_of = {id(s): key for key, members in plan.english_groups.items() for s in members}
        self.students = [(people.students[id(s)].pk, s) for s in plan.students]
        self.order = {pk: position for position, (pk, _) in enumerate(self.students)}
        self.class_of = {pk: s.class_key for pk, s in self.students}
        self.group_of = {pk: group_of[id(s)] for pk, s in self.students if id(s) in group_of}
        self.teacher = {
            (subject, target): users.get(e.person.login) or self.admin
            for e in plan.employees
            for subject, target in e.teaches
        }
        self.leader = {e.leads: users.get(e.person.login) or self.admin for e in plan.employees if e.leads}
        self.pinned = {
            pk for pk, s in self.students if s.person.login or any(person.login for person, _ in s.family.guardians)
        }
        self.at_risk = next(
            pk
            for pk, s in self.students
            if s.class_key == LOGIN_CLASS and any(person.login == "parent2" for person, _ in s.family.guardians)
        )
        self.moments: dict[tuple, datetime.datetime] = {}
        self.open_deferred: set[tuple[int, int, int]] = set()  # (student, subject, period): no final
        self.resolved: tuple[int, int, int] | None = None  # its final is recorded this morning, unconfirmed
        self.exempt: set[tuple[int, int]] = set()
        self.basis: dict[tuple[int, str, int], str] = {}  # (student, subject, period) → its final, for exams
        self.finals: list[models.FinalMark] = []
        self.written = Counter()

    # --- who, when --------------------------------------------------------------------------------

    def grade(self, student_id: int) -> int:
        return self.class_of[student_id][0]

    def target(self, student_id: int, subject: str):
        """The class, or the English group, whose teacher sets the student's final in ``subject``."""
        if subject == ENGLISH and self.grade(student_id) >= ENGLISH_GROUPS_FROM_GRADE:
            return self.group_of[student_id]
        return self.class_of[student_id]

    def moment(self, target, subject: str, period: models.ReportingPeriod) -> datetime.datetime:
        """When the teacher set the finals of a class in a subject: the day after the period, by yesterday."""
        key = (target, subject, period.pk)
        if key not in self.moments:
            rng = random.Random(f"{self.seed}:finals:{target}:{subject}:{period.kind}{period.number}")
            day = min(period.ends_on + DAY, self.today - DAY)
            at = datetime.time(rng.randint(9, 20), rng.randrange(60))
            self.moments[key] = datetime.datetime.combine(day, at, tzinfo=self.zone)
        return self.moments[key]

    def publication(self, target, subject: str, period: models.ReportingPeriod) -> tuple[datetime.datetime, bool]:
        """When families saw a class's finals in a subject, and whether the 24-hour rule published them:
        most teachers confirm at once, some hours later, a few never (the sweep stamps them at the 24th
        hour), so that the administrator's chart of delays has something to show."""
        recorded_at = self.moment(target, subject, period)
        rng = random.Random(f"{self.seed}:published:{target}:{subject}:{period.kind}{period.number}")
        draw = rng.random()
        if draw < 0.65:
            delay, by_rule = datetime.timedelta(minutes=rng.randrange(5, 50)), False
        elif draw < 0.85:
            delay, by_rule = datetime.timedelta(minutes=rng.randrange(60, 360)), False
        elif draw < 0.95:
            delay, by_rule = datetime.timedelta(minutes=rng.randrange(360, 1430)), False
        else:
            delay, by_rule = PUBLICATION_DEADLINE, True
        if recorded_at + delay > self.morning:  # not yet: the demo's "now" is this morning
            return recorded_at, False
        return recorded_at + delay, by_rule

    # --- deferrals, exemptions ------------------------------------------------------------------

    def ill_days(self, period: models.ReportingPeriod) -> Counter:
        days = (
            models.Attendance.objects.filter(
                school=self.school, code="б", date__range=(period.starts_on, period.ends_on)
            )
            .values_list("student_id", "date")
            .distinct()
        )
        return Counter(student_id for student_id, _ in days)

    def fewest_marks(self, student_id: int, period: models.ReportingPeriod) -> models.Subject | None:
        """The desk subject (not PE, music, art …) in which the student got the fewest marks in the period."""
        counts = dict(
            models.Mark.objects.filter(student_id=student_id, date__range=(period.starts_on, period.ends_on))
            .values_list("subject_id")
            .annotate(n=Count("pk"))
        )
        desk = [
            self.subjects[name]
            for name in _learns(self.grade(student_id))
            if name not in GENEROUS and name not in NO_MARKS and counts.get(self.subjects[name].pk)
        ]
        return min(desk, key=lambda subject: counts[subject.pk], default=None)

    def deferral(self, student_id: int, subject, period, *, due_on, reason: str, resolved_at=None):
        recorded_at = self.moment(self.class_of[student_id], "deferral", period)
        return models.Deferral(
            school=self.school,
            student_id=student_id,
            subject=subject,
            period=period,
            reason=reason,
            due_on=due_on,
            recorded_by=self.leader[self.class_of[student_id]],
            resolved_at=resolved_at,
            created_at=recorded_at,
            updated_at=resolved_at or recorded_at,
        )

    def deferrals(self) -> list[models.Deferral]:
        """An open deferral and a resolved one in 5А, an overdue one elsewhere (see the module's doc)."""
        quarters = [p for p in self.finished if p.kind != p.Kind.YEAR and _applies(p, LOGIN_CLASS[0])]
        if not quarters:
            return []
        rows = self.login_class_deferrals(quarters[-1])
        past = [p for p in quarters if p.ends_on + OVERDUE_DEFERRAL_DAYS * DAY < self.today]
        if past:
            rows += self.overdue_deferral(past[-1], taken={row.student_id for row in rows})
        return rows

    def login_class_deferrals(self, quarter) -> list[models.Deferral]:
        """The two most ill students of 5А in the quarter (of the school, if 5А was well): the first's
        final stays open; the second's, in mathematics, was set this morning."""
        rows = []
        ill = self.ill_days(quarter)
        ranked = sorted(
            (pk for pk, _ in self.students if ill[pk] and 2 <= self.grade(pk) <= quarter.max_grade),
            key=lambda pk: (self.class_of[pk] != LOGIN_CLASS, -ill[pk], self.order[pk]),
        )
        for pk, resolved in zip(ranked, (False, True), strict=False):
            maths = resolved and MATHS in _learns(self.grade(pk))
            subject = self.subjects[MATHS] if maths else self.fewest_marks(pk, quarter)
            if subject is None:
                continue
            if resolved:
                self.resolved = (pk, subject.pk, quarter.pk)
            else:
                self.open_deferred.add((pk, subject.pk, quarter.pk))
            rows.append(
                self.deferral(
                    pk,
                    subject,
                    quarter,
                    due_on=self.today + OPEN_DEFERRAL_DAYS * DAY,
                    reason=MISSED_WORK if resolved else ILLNESS,
                    resolved_at=self.morning if resolved else None,
                )
            )
        return rows

    def overdue_deferral(self, quarter, *, taken: set[int]) -> list[models.Deferral]:
        """The most ill student of another class in an earlier quarter: due two weeks after it, still open."""
        ill = self.ill_days(quarter)
        others = [
            pk
            for pk, _ in self.students
            if ill[pk]
            and self.class_of[pk] != LOGIN_CLASS
            and pk not in taken
            and 2 <= self.grade(pk) <= quarter.max_grade
        ]
        pk = min(others, key=lambda pk: (-ill[pk], self.order[pk]), default=None)
        subject = self.fewest_marks(pk, quarter) if pk is not None else None
        if subject is None:
            return []
        self.open_deferred.add((pk, subject.pk, quarter.pk))
        return [
            self.deferral(pk, subject, quarter, due_on=quarter.ends_on + OVERDUE_DEFERRAL_DAYS * DAY, reason=ILLNESS)
        ]

    def exempt_from_pe(self) -> None:
        """Two students with a medical exemption from PE, one of them in 5А: their PE finals are осв."""
        if PE not in self.subjects:
            return
        rng = random.Random(f"{self.seed}:finals:exempt")
        free = [pk for pk, _ in self.students if pk not in self.pinned and self.grade(pk) >= 2]
        for in_login_class in (True, False):
            pool = [pk for pk in free if (self.class_of[pk] == LOGIN_CLASS) == in_login_class]
            if pool:
                self.exempt.add((rng.choice(pool), self.subjects[PE].pk))

    # --- finals -----------------------------------------------------------------------------------

    def marks_by_student(self):
        """(student, {subject: [(date, value, weight)]}) for each student with marks in a finished period."""
        last_day = max(p.ends_on for p in self.finished)
        rows = (
            models.Mark.objects.filter(school=self.school, date__lte=last_day)
            .order_by("student_id", "date")
            .values_list("student_id", "subject_id", "date", "value", "weight")
            .iterator(chunk_size=BATCH_SIZE)
        )
        for student_id, marks in itertools.groupby(rows, key=lambda row: row[0]):
            by_subject = defaultdict(list)
            for _, subject_id, day, value, weight in marks:
                by_subject[subject_id].append((day, value, weight))
            yield student_id, by_subject

    def add(self, *, student_id: int, subject_id: int, kind: str, proposed: str, period) -> str:
        """A period or year final: the proposal (осв for the exempt), set by the teacher; returns its value."""
        name = self.subject_name[subject_id]
        target = self.target(student_id, name)
        recorded_at = self.moment(target, name, period)
        published_at, by_rule = self.publication(target, name, period)
        if (student_id, subject_id, period.pk) == self.resolved:
            recorded_at, published_at, by_rule = self.morning, None, False
        value = EXEMPT if (student_id, subject_id) in self.exempt else proposed
        by = self.teacher[(name, target)]
        self.final(
            student_id=student_id,
            subject_id=subject_id,
            kind=kind,
            period=period if kind == Kind.PERIOD else None,
            value=value,
            proposed=proposed,
            by=by,
            recorded_at=recorded_at,
            published_at=published_at,
            by_rule=by_rule,
        )
        if name in EXAM_BASIS.values():
            self.basis[(student_id, name, period.pk)] = value
        return value

    def final(self, *, recorded_at, published_at, by, by_rule: bool = False, **fields) -> None:
        self.finals.append(
            models.FinalMark(
                school=self.school,
                school_year=self.year,
                recorded_by=by,
                recorded_at=recorded_at,
                published_at=published_at,
                published_by=by if published_at and not by_rule else None,
                created_at=recorded_at,
                updated_at=recorded_at,
                **fields,
            )
        )
        if len(self.finals) >= BATCH_SIZE:
            self.flush()

    def flush(self) -> None:
        finals = models.FinalMark.objects.bulk_create(self.finals, batch_size=BATCH_SIZE)
        models.FinalMarkChange.objects.bulk_create(
            [
                models.FinalMarkChange(
                    final=final,
                    old_value="",
                    new_value=final.shown,
                    changed_by=final.recorded_by,
                    created_at=final.recorded_at,
                )
                for final in finals
            ],
            batch_size=BATCH_SIZE,
        )
        for final in finals:
            self.written["exam" if final.kind == Kind.EXAM else "final"] += 1
        self.finals = []

    def student_finals(self, student_id: int, by_subject: dict) -> None:
        grade = self.grade(student_id)
        periods = [p for p in self.finished if _applies(p, grade) and p.kind != p.Kind.YEAR]
        years = [p for p in self.finished if _applies(p, grade) and p.kind == p.Kind.YEAR]
        for subject_id in sorted(by_subject):
            marks = by_subject[subject_id]
            values, open_deferral = [], False
            for period in periods:
                if (student_id, subject_id, period.pk) in self.open_deferred:
                    open_deferral = True
                    continue
                pairs = [(value, weight) for day, value, weight in marks if period.starts_on <= day <= period.ends_on]
                if pairs:
                    proposed = proposal(pairs, self.rules)
                    values.append(
                        self.add(
                            student_id=student_id,
                            subject_id=subject_id,
                            kind=Kind.PERIOD,
                            proposed=proposed,
                            period=period,
                        )
                    )
            if values and not open_deferral:  # the year final waits for a deferred period
                for year in years:
                    proposed = year_proposal(values, self.rules)
                    self.add(
                        student_id=student_id, subject_id=subject_id, kind=Kind.YEAR, proposed=proposed, period=year
                    )

    # --- exams ------------------------------------------------------------------------------------

    def exam(self, *, student_id: int, subject: str, exam: str, by, at, value: str = "", points=None) -> None:
        scale = models.FinalMark.Scale.POINTS if points is not None else models.FinalMark.Scale.FIVE_POINT
        self.final(
            student_id=student_id,
            subject_id=self.subjects[subject].pk,
            kind=Kind.EXAM,
            exam=exam,
            scale=scale,
            value=value,
            points=points,
            by=by,
            recorded_at=at,
            published_at=at,
        )

    def school_exam(self) -> None:
        """8В's exam in Russian after the last finished quarter: about its quarter final, give or take one."""
        quarters = [p for p in self.finished if p.kind != p.Kind.YEAR and _applies(p, SCHOOL_EXAM_CLASS[0])]
        if not quarters or (RUSSIAN, SCHOOL_EXAM_CLASS) not in self.teacher:
            return
        quarter = quarters[-1]
        rng = random.Random(f"{self.seed}:finals:school-exam")
        by = self.teacher[(RUSSIAN, SCHOOL_EXAM_CLASS)]
        at = self.moment(SCHOOL_EXAM_CLASS, "exam", quarter)
        for pk, _ in self.students:
            final = self.basis.get((pk, RUSSIAN, quarter.pk)) if self.class_of[pk] == SCHOOL_EXAM_CLASS else None
            if final in FIVE_POINT_VALUES:
                value = min(5, max(2, int(final) + rng.choice((-1, 0, 0, 0, 1))))
                self.exam(
                    student_id=pk, subject=RUSSIAN, exam=models.FinalMark.Exam.SCHOOL, by=by, at=at, value=str(value)
                )

    def state_exams(self) -> None:
        """ОГЭ and ЕГЭ in points, entered by the director's login yesterday, once the study year is over."""
        years = [p for p in self.finished if p.kind == p.Kind.YEAR]
        if not years:
            return
        rng = random.Random(f"{self.seed}:finals:state-exams")
        at = datetime.datetime.combine(self.today - DAY, datetime.time(11, 0), tzinfo=self.zone)
        for pk, _ in self.students:
            exam = EXAMS.get(self.grade(pk))
            if exam is None:
                continue
            for subject, basis in EXAM_BASIS.items():
                mark = self.basis.get((pk, basis, years[0].pk))
                if mark not in ADMITTED:
                    continue
                scale = OGE_POINTS[subject] if exam == models.FinalMark.Exam.OGE else EGE_POINTS
                low, high = scale[ADMITTED.index(mark)]
                self.exam(
                    student_id=pk, subject=subject, exam=exam, by=self.admin, at=at, points=rng.randint(low, high)
                )

    # --- the student at risk ----------------------------------------------------------------------

    def mark_at_risk(self) -> None:
        """Rewrite parent2@'s child's mathematics marks of the current period: the forecast projects 2."""
        current = [p for p in self.current if _applies(p, LOGIN_CLASS[0])]
        if not current:
            return
        marks = list(
            models.Mark.objects.filter(
                student_id=self.at_risk,
                subject=self.subjects[MATHS],
                date__gte=current[0].starts_on,
                date__lt=self.today,
            ).order_by("date", "lesson__number", "position")
        )
        for position, mark in enumerate(marks):
            mark.value = LOW_MARKS[position % len(LOW_MARKS)]
        if proposal([(mark.value, mark.weight) for mark in marks], self.rules) != "2":
            for mark in marks:
                mark.value = 2
        models.Mark.objects.bulk_update(marks, ["value"], batch_size=BATCH_SIZE)

    # --- all of it --------------------------------------------------------------------------------

    def write(self) -> FinalsCounts:
        self.mark_at_risk()
        if not self.finished:
            return FinalsCounts()
        deferrals = self.deferrals()
        self.exempt_from_pe()
        with given_timestamps(models.FinalMark, models.FinalMarkChange, models.Deferral):
            models.Deferral.objects.bulk_create(deferrals)
            for student_id, by_subject in self.marks_by_student():
                self.student_finals(student_id, by_subject)
            self.school_exam()
            self.state_exams()
            self.flush()
        return FinalsCounts(finals=self.written["final"], exam_results=self.written["exam"], deferrals=len(deferrals))


def write_finals(
    *, plan: SchoolPlan, today: datetime.date, seed: int, school, year, subjects: dict, users: dict, people: People
) -> FinalsCounts:
    """The finals of the periods over by ``today``, deferrals, exam results and a student at risk."""
    return _FinalsWriter(
        plan=plan, today=today, seed=seed, school=school, year=year, subjects=subjects, users=users, people=people
    ).write()
