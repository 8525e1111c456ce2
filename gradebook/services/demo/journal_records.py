"""A class's journal up to today, planned in memory from the class's own seeded generator: who was
away (runs of illness over whole days, a day away, lates), the marks (each student has an ability,
a flair per subject; written works for the whole class, answers for a few), homework, and a
handful of recommendations. Class by class, so that a big school's marks never sit in memory at once.
"""

import datetime
import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from statistics import mean

from gradebook.models import ControlWork, Lesson

from . import journal_texts as texts
from .curriculum import SUBJECTS
from .journal_plan import DAY, WEEKLY, JournalPlan, PlannedLesson
from .plan import ClassKey, GroupKey, Student

NO_MARKS = {"Основы религиозных культур и светской этики"}  # безотметочный курс
GENEROUS = {"Физическая культура": 0.5, "Музыка": 0.5, "Изобразительное искусство": 0.5, "Технология": 0.3}
ORAL_SHARE = {1: 0.5, 2: 0.45, 3: 0.35, 4: 0.3, 5: 0.27, 6: 0.25}  # a student's chance of a mark on a lesson
WHOLE_CLASS_SHARE = 0.25  # practice lessons with a written work for everyone
ILLNESS_START = 0.007  # a day's chance that a student falls ill (times the student's frailty)
AWAY_SHARE, EXCUSED_SHARE = 0.007, 0.002  # a day's chance of missing it whole otherwise (н or у), of у


@dataclass
class ClassJournal:
    """What a class's journal holds up to today, besides its lessons."""

    homework: list[tuple[PlannedLesson, str, datetime.datetime]] = field(default_factory=list)
    # (lesson, student, position in the cell, value, work type, entered at)
    marks: list[tuple[PlannedLesson, Student, int, int, str, datetime.datetime]] = field(default_factory=list)
    attendance: list[tuple[PlannedLesson, Student, str, datetime.datetime]] = field(default_factory=list)
    # (student, teacher, subject or "", text, written at)
    recommendations: list[tuple[Student, int, str, str, datetime.datetime]] = field(default_factory=list)


class _ClassRecords:
    """Plans each class's records with the helpers of the journal's planner (topics, bell times)."""

    def __init__(self, journal: JournalPlan):
        self.planner = journal.planner

    def class_journal(self, class_key: ClassKey) -> ClassJournal:
        rng = random.Random(f"{self.planner.seed}:journal:{class_key[0]}{class_key[1]}")
        journal = ClassJournal()
        grade = class_key[0]
        students = self.planner.students_of[class_key]
        members: dict = {class_key: students}
        for number in (1, 2):
            if (*class_key, number) in self.planner.plan.english_groups:
                members[(*class_key, number)] = self.planner.plan.english_groups[(*class_key, number)]
        group_of = {id(s): target for target, group in members.items() if target != class_key for s in group}
        subjects = [subject for subject, _, hours in SUBJECTS if hours[grade - 1]]
        ability = {id(s): min(4.95, max(2.6, rng.gauss(3.9, 0.55))) for s in students}
        flair = {(id(s), subject): rng.gauss(0, 0.3) for s in students for subject in subjects}
        frailty = {id(s): rng.choice((0.3, 0.6, 1.0, 1.0, 1.5, 2.5)) for s in students}
        held = [x for x in self.planner.lessons[class_key] if x.date < self.planner.today and not x.is_cancelled]
        away = self.absences(students, sorted({x.date for x in held}), frailty, rng)
        first_of: dict[tuple, int] = {}
        for lesson in held:
            key = (lesson.target, lesson.date)
            first_of[key] = min(first_of.get(key, 99), lesson.number)
        marks_of: dict[tuple[int, str], list[int]] = defaultdict(list)
        lates: Counter = Counter()
        for lesson in held:
            present = []
            for student in members[lesson.target]:
                code = away.get((id(student), lesson.date))
                if code is None and grade >= 7 and rng.random() < 0.002:
                    code = "п"
                if code is not None:
                    journal.attendance.append(
                        (lesson, student, code, self.planner.at(lesson.date, lesson.number, rng.randint(1, 10)))
                    )
                    continue
                first = min(
                    first_of.get((class_key, lesson.date), 99),
                    first_of.get((group_of.get(id(student)), lesson.date), 99),
                )
                if lesson.number == first and rng.random() < 0.01:
                    lates[id(student)] += 1
                    journal.attendance.append(
                        (lesson, student, "о", self.planner.at(lesson.date, lesson.number, rng.randint(5, 15)))
                    )
                present.append(student)
            self.lesson_homework(lesson, journal, rng)
            if grade > 1 and lesson.subject not in NO_MARKS:
                for student, position, value, work_type, at in self.lesson_marks(lesson, present, ability, flair, rng):
                    journal.marks.append((lesson, student, position, value, work_type, at))
                    marks_of[(id(student), lesson.subject)].append(value)
        self.recommend(class_key, students, group_of, held, marks_of, away, lates, journal, rng)
        return journal

    def absences(self, students: list[Student], days: list[datetime.date], frailty: dict, rng: random.Random) -> dict:
        """(student, day) → the code of a day missed whole: runs of illness (б), a day away (н), excused (у)."""
        away: dict[tuple[int, datetime.date], str] = {}
        for student in students:
            ill = 0
            for day in days:
                if ill:
                    away[(id(student), day)] = "б"
                    ill -= 1
                    continue
                roll = rng.random()
                if roll < ILLNESS_START * frailty[id(student)]:
                    away[(id(student), day)] = "б"
                    ill = rng.choice((1, 2, 2, 3, 3, 4, 5))
                elif roll > 1 - AWAY_SHARE:
                    away[(id(student), day)] = "у" if roll > 1 - EXCUSED_SHARE else "н"
        return away

    def entered(self, lesson: PlannedLesson, rng: random.Random, *, later: bool = False) -> datetime.datetime:
        """When a mark was recorded: during the lesson; a written work's within a week, by today."""
        if later and lesson.date < self.planner.today:
            return self.planner.evening(min(lesson.date + rng.randint(1, 6) * DAY, self.planner.today), rng)
        return self.planner.at(lesson.date, lesson.number, rng.randint(10, 44))

    def lesson_marks(self, lesson: PlannedLesson, present: list, ability: dict, flair: dict, rng: random.Random):
        Kind = Lesson.Kind
        subject = lesson.subject
        bonus = GENEROUS.get(subject, 0.0)

        def value(student: Student, difficulty: float) -> int:
            mu = ability[id(student)] + flair[(id(student), subject)] + bonus + difficulty
            mark = round(mu + rng.gauss(0, 0.75))
            if mark >= 5:
                return 5
            if mark < 2:
                return 1 if mu < 3.2 and rng.random() < 0.1 else 2
            return mark

        if lesson.control is not None:
            work_type, double = {
                ControlWork.Kind.DICTATION: ("Диктант", True),
                ControlWork.Kind.ESSAY: ("Сочинение", True),
                ControlWork.Kind.DIAGNOSTIC: ("Проверочная работа", False),
                ControlWork.Kind.VPR: ("Проверочная работа", False),
            }.get(lesson.control.kind, ("Контрольная работа", False))
            for student in present:
                at = self.entered(lesson, rng, later=True)
                yield student, 1, value(student, -0.3), work_type, at
                if double:
                    yield student, 2, value(student, -0.4), work_type, at
            return
        if lesson.kind == Kind.LAB:
            work_type = "Лабораторная работа" if texts.LABS[subject].startswith("Лаб") else "Практическая работа"
            for student in present:
                yield student, 1, value(student, 0.1), work_type, self.entered(lesson, rng, later=True)
            return
        if lesson.kind == Kind.PRACTICE and rng.random() < WHOLE_CLASS_SHARE:
            work_type = rng.choice(
                ("Проект", "Практическая работа")
                if subject in GENEROUS
                else ("Самостоятельная работа", "Тест", "Проверочная работа")
            )
            for student in present:
                yield student, 1, value(student, -0.1), work_type, self.entered(lesson, rng, later=True)
            return
        share = ORAL_SHARE[min(6, WEEKLY[(subject, lesson.grade)])]
        for student in present:
            if rng.random() >= share:
                continue
            if subject in GENEROUS:
                work_type = "Практическая работа"
            else:
                work_type = "Ответ на уроке" if rng.random() < 0.7 else "Домашняя работа"
            at = self.entered(lesson, rng)
            yield student, 1, value(student, 0.0), work_type, at
            if rng.random() < 0.03:
                yield student, 2, value(student, 0.0), "Домашняя работа", at

    def lesson_homework(self, lesson: PlannedLesson, journal: ClassJournal, rng: random.Random) -> None:
        skip = 0.9 if lesson.grade == 1 else texts.NO_HOMEWORK_SHARE.get(lesson.subject, 0.12)
        if rng.random() < skip:
            return
        text = texts.homework_text(lesson.subject, lesson.grade, lesson.index, rng)
        if lesson.date < self.planner.today and rng.random() < 0.05:
            at = self.planner.evening(lesson.date + DAY, rng)  # entered the next day: late
        else:
            at = self.planner.at(lesson.date, lesson.number, rng.randint(30, 44))
        journal.homework.append((lesson, text, at))

    def recommend(
        self, class_key, students, group_of, held, marks_of, away, lates, journal: ClassJournal, rng: random.Random
    ) -> None:
        """A handful of recommendations: to the weakest and the best in a subject, after an illness, …"""
        if not held:
            return
        leader = next(i for i, e in enumerate(self.planner.plan.employees) if e.leads == class_key)
        chosen = rng.sample(students, min(len(students), rng.randint(3, 5)))
        pinned = [s for s in students if s.person.login == "student"]
        chosen = pinned + [s for s in chosen if s not in pinned]
        last_lesson: dict[tuple[str, ClassKey | GroupKey], PlannedLesson] = {}
        for lesson in held:
            last_lesson[(lesson.subject, lesson.target)] = lesson
        days = sorted({x.date for x in held})
        for student in chosen:
            averages = {  # in the subjects that are learnt at a desk
                subject: mean(values)
                for (who, subject), values in marks_of.items()
                if who == id(student) and len(values) >= 3 and subject not in GENEROUS
            }
            target_of = {
                subject: target for (subject, target) in last_lesson if target in (class_key, group_of.get(id(student)))
            }
            ill_days = sum(1 for (who, _), code in away.items() if who == id(student) and code == "б")
            text, teacher, subject = rng.choice(texts.GENERAL), leader, ""
            if averages and min(averages.values()) <= 3.3:
                subject = min(averages, key=averages.get)
                _, topic = self.planner.unit(last_lesson[(subject, target_of[subject])])
                text = rng.choice(texts.WEAK).format(topic=texts.quoted(topic))
                teacher = self.planner.teacher_of[(subject, target_of[subject])]
            elif averages and max(averages.values()) >= 4.6:
                subject = max(averages, key=averages.get)
                _, topic = self.planner.unit(last_lesson[(subject, target_of[subject])])
                text = rng.choice(texts.STRONG).format(topic=texts.quoted(topic), subject=texts.quoted(subject))
                teacher = self.planner.teacher_of[(subject, target_of[subject])]
            elif ill_days >= 3:
                text = texts.AFTER_ILLNESS
            elif lates[id(student)] >= 2:
                text = texts.LATE
            written = days[rng.randrange(len(days) // 3, len(days))] if len(days) > 3 else days[-1]
            journal.recommendations.append((student, teacher, subject, text, self.planner.evening(written, rng)))


def class_journals(journal: JournalPlan):
    """(class, its journal) for each class in turn."""
    records = _ClassRecords(journal)
    for class_key in journal.lessons:
        yield class_key, records.class_journal(class_key)
