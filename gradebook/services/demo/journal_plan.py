"""The demo school's journal, planned in memory up to ``today``: nothing here touches the database.

From the weekly timetable (``journal_timetable``) come the dated lessons, from the first school day
to the end of the current reporting period (so that the diary's week and the period's control works
are complete), skipping Sundays and the holidays of each grade. Then, each from its own seeded
generator: a few substitutions, moves, cancellations and extra lessons; the control works of every
period so far, after DOMAIN.md's federal rules; the topics and types of the lessons held. The
marks, attendance, homework and recommendations follow class by class (``journal_records``);
``journal.write_journal`` writes it all.
"""

import datetime
import random
from collections import Counter, defaultdict
from dataclasses import dataclass

from gradebook.models import ControlWork, Lesson, LessonChange, ReportingPeriod

from . import journal_texts as texts
from .curriculum import ENGLISH, MATHS, SUBJECTS, study_weeks
from .dates import SchoolCalendar
from .journal_timetable import Entry, bell_schedule, plan_timetable
from .plan import ClassKey, GroupKey, SchoolPlan, Student

DAY = datetime.timedelta(days=1)
BELLS = bell_schedule()
WEEKLY = {(subject, grade): hours[grade - 1] for subject, _, hours in SUBJECTS for grade in range(1, 12)}

# Changes to lessons: episodes per teacher (or class) and school week so far.
ILLNESS_RATE, COURSES_RATE = 0.01, 0.004  # per teacher and week
MOVE_RATE, CANCEL_RATE = 0.03, 0.015  # per class and week
# Control works: none in these subjects (nor in grade 1); at least 2.5 weeks apart per subject.
NO_CONTROL_WORKS = {
    "Физическая культура",
    "Музыка",
    "Изобразительное искусство",
    "Технология",
    "Основы религиозных культур и светской этики",
    "Основы духовно-нравственной культуры народов России",
    "Индивидуальный проект",
}
CONTROL_SPACING = 18  # days: 2.5 weeks, per subject and grade level
CONTROL_SHARE = 0.1  # of the period's hours of the subject, at most


@dataclass(slots=True, eq=False)
class PlannedChange:
    kind: str
    reason: str
    recorded_at: datetime.datetime
    old_teacher: int | None = None
    old_date: datetime.date | None = None
    old_number: int | None = None
    old_room: str = ""


@dataclass(slots=True, eq=False)
class PlannedLesson:
    target: ClassKey | GroupKey
    subject: str
    teacher: int  # indexes SchoolPlan.employees, as does substitute
    date: datetime.date
    number: int
    room: str
    entry: int | None  # indexes JournalPlan.entries; None for an extra lesson
    substitute: int | None = None
    is_cancelled: bool = False
    is_moved: bool = False
    is_extra: bool = False
    change: PlannedChange | None = None
    control: "PlannedControlWork | None" = None
    index: int = -1  # its place among the year's lessons of its subject for its class or group
    topic: str = ""
    kind: str = ""
    topic_entered_at: datetime.datetime | None = None
    attendance_taken_at: datetime.datetime | None = None
    pk: int | None = None

    @property
    def class_key(self) -> ClassKey:
        return self.target[:2]

    @property
    def grade(self) -> int:
        return self.target[0]

    @property
    def conductor(self) -> int:
        return self.teacher if self.substitute is None else self.substitute


@dataclass(slots=True, eq=False)
class PlannedControlWork:
    target: ClassKey | GroupKey
    subject: str
    lesson: PlannedLesson
    kind: str
    topic: str
    created_at: datetime.datetime


@dataclass
class JournalPlan:
    entries: list[Entry]
    lessons: dict[ClassKey, list[PlannedLesson]]  # each class's lessons and its groups', by date and number
    control_works: list[PlannedControlWork]
    today: datetime.date
    planner: "_JournalPlanner"  # the helpers the class records use (topics, bell times)


class _JournalPlanner:
    def __init__(
        self, *, plan: SchoolPlan, calendar: SchoolCalendar, today: datetime.date, seed: int, zone: datetime.tzinfo
    ):
        self.plan, self.calendar, self.today, self.seed, self.zone = plan, calendar, today, seed, zone
        self.logins = {i for i, e in enumerate(plan.employees) if e.person.login}
        self.teachers = [i for i, e in enumerate(plan.employees) if e.is_teacher]
        self.entries = plan_timetable(plan, random.Random(f"{seed}:timetable"))
        self.teacher_of = {(e.subject, e.target): e.teacher for e in self.entries}
        self.lessons: dict[ClassKey, list[PlannedLesson]] = {key: [] for key in plan.classes}
        self.on_date: dict[datetime.date, list[PlannedLesson]] = defaultdict(list)
        self.on_slot: dict[tuple[datetime.date, int], list[PlannedLesson]] = defaultdict(list)
        self.students_of: dict[ClassKey, list[Student]] = defaultdict(list)
        for student in plan.students:
            self.students_of[student.class_key].append(student)
        self.control_works: list[PlannedControlWork] = []

    # --- the calendar ---------------------------------------------------------------------------

    def periods(self, grade: int) -> list:
        return sorted(
            (
                p
                for p in self.calendar.periods
                if p.kind != ReportingPeriod.Kind.YEAR and p.min_grade <= grade <= p.max_grade
            ),
            key=lambda p: p.starts_on,
        )

    def horizon(self, grade: int) -> datetime.date | None:
        """The last day with lessons: the end of the grade's current period (none before the year starts)."""
        if self.today < self.calendar.starts_on:
            return None
        current = next((p for p in self.periods(grade) if p.ends_on >= self.today), None)
        return current.ends_on if current else self.calendar.study_ends_on

    def school_days(self, grade: int) -> list[datetime.date]:
        last = self.horizon(grade)
        weekdays = max((e.weekday for e in self.entries), default=5)
        holidays = [h for h in self.calendar.holidays if h.min_grade <= grade <= h.max_grade]
        days, day = [], self.calendar.starts_on
        while last is not None and day <= last:
            if day.isoweekday() <= weekdays and not any(h.starts_on <= day <= h.ends_on for h in holidays):
                days.append(day)
            day += DAY
        return days

    def at(self, day: datetime.date, number: int, minutes: int = 0) -> datetime.datetime:
        start = BELLS[min(number, len(BELLS)) - 1][0]
        return datetime.datetime.combine(day, start, tzinfo=self.zone) + datetime.timedelta(minutes=minutes)

    def taken_at(self, lesson: PlannedLesson, rng: random.Random) -> datetime.datetime:
        """Attendance is taken in the lesson's first minutes; one time in 25 a day or two late."""
        if rng.random() < 0.04:
            return self.evening(min(lesson.date + rng.randint(1, 2) * DAY, self.today), rng)
        return self.at(lesson.date, lesson.number, rng.randint(1, 10))

    def evening(self, day: datetime.date, rng: random.Random) -> datetime.datetime:
        return datetime.datetime.combine(day, datetime.time(rng.randint(15, 21), rng.randrange(60)), tzinfo=self.zone)

    # --- lessons --------------------------------------------------------------------------------

    def plan_lessons(self) -> None:
        by_weekday: dict[tuple[ClassKey, int], list[int]] = defaultdict(list)
        for i, entry in enumerate(self.entries):
            by_weekday[(entry.class_key, entry.weekday)].append(i)
        days_of = {grade: self.school_days(grade) for grade in {key[0] for key in self.plan.classes}}
        for class_key in self.plan.classes:
            for day in days_of[class_key[0]]:
                for i in by_weekday[(class_key, day.isoweekday())]:
                    e = self.entries[i]
                    lesson = PlannedLesson(e.target, e.subject, e.teacher, day, e.number, e.room, i)
                    self.add(lesson)

    def add(self, lesson: PlannedLesson) -> None:
        self.lessons[lesson.class_key].append(lesson)
        self.on_date[lesson.date].append(lesson)
        self.on_slot[(lesson.date, lesson.number)].append(lesson)

    def busy_teachers(self, day: datetime.date, number: int) -> set[int]:
        return {x.conductor for x in self.on_slot[(day, number)] if not x.is_cancelled}

    def class_numbers(self, class_key: ClassKey, day: datetime.date) -> list[int]:
        return [x.number for x in self.on_date[day] if x.class_key == class_key and not x.is_cancelled]

    # --- changes --------------------------------------------------------------------------------

    def plan_changes(self) -> None:
        rng = random.Random(f"{self.seed}:changes")
        self.current_week_substitution(rng)
        past = [x for key in self.plan.classes for x in self.lessons[key] if x.date < self.today]
        if not past:
            return
        weeks = len({x.date.isocalendar()[:2] for x in past})
        by_teacher: dict[int, list[PlannedLesson]] = defaultdict(list)
        for lesson in past:
            if lesson.teacher not in self.logins:
                by_teacher[lesson.teacher].append(lesson)
        teachers = sorted(by_teacher)
        for reason, rate, longest in ((texts.ILLNESS, ILLNESS_RATE, 3), (texts.COURSES, COURSES_RATE, 2)):
            for _ in range(round(rate * len(teachers) * weeks)):
                teacher = rng.choice(teachers)
                days = sorted({x.date for x in by_teacher[teacher]})
                start = rng.randrange(len(days))
                for day in days[start : start + rng.randint(1, longest)]:
                    self.absence(teacher, day, reason, rng)
        movable = [x for x in past if x.target == x.class_key and x.teacher not in self.logins]
        for _ in range(round(MOVE_RATE * len(self.plan.classes) * weeks)):
            self.move(rng.choice(movable), rng)
        self.move_room(rng.choice(movable), rng)
        for _ in range(round(CANCEL_RATE * len(self.plan.classes) * weeks)):
            self.cancel(rng.choice(movable), rng.choice(texts.CANCEL_REASONS), rng, make_up=rng.random() < 0.6)

    def current_week_substitution(self, rng: random.Random) -> None:
        """A substitution in 5А this week, for the demo's families to see (upcoming days first)."""
        class_key = (5, "А")
        if class_key not in self.lessons:
            return
        monday = self.today - datetime.timedelta(days=self.today.weekday())
        own = [x for x in self.lessons[class_key] if x.target == class_key and x.teacher not in self.logins]
        this_week = [x for x in own if monday <= x.date < monday + 7 * DAY]
        later = [x for x in own if x.date >= monday]
        candidates = this_week or later[:40] or own[-40:]
        candidates.sort(key=lambda x: (x.date <= self.today, x.date < self.today, abs((x.date - self.today).days)))
        for lesson in candidates:
            reason = texts.COURSES if lesson.date > self.today else texts.ILLNESS
            if self.absence(lesson.teacher, lesson.date, reason, rng, must=lesson):
                return

    def recorded(self, day: datetime.date, days_before: int, rng: random.Random) -> datetime.datetime:
        """When a change was recorded: before the lesson, and never after today's morning."""
        when = datetime.datetime.combine(
            day - days_before * DAY, datetime.time(7, rng.randint(30, 59)), tzinfo=self.zone
        )
        return min(when, datetime.datetime.combine(self.today, datetime.time(7, 45), tzinfo=self.zone))

    def absence(
        self, teacher: int, day: datetime.date, reason: str, rng: random.Random, must: PlannedLesson | None = None
    ) -> bool:
        """The teacher is away that day: each of their lessons gets a substitute, or is cancelled."""
        lessons = [x for x in self.on_date[day] if x.teacher == teacher and x.change is None and not x.is_cancelled]
        if must is not None and must not in lessons:
            return False
        days_before = 2 if reason == texts.COURSES else 0
        substituted = False
        for lesson in sorted(lessons, key=lambda x: x.number):
            busy = self.busy_teachers(day, lesson.number)
            free = [t for t in self.teachers if t not in busy and t not in self.logins and t != teacher]
            specialty = self.plan.employees[teacher].specialty
            pool = [t for t in free if self.plan.employees[t].specialty == specialty] or free
            if not pool:
                self.cancel(lesson, texts.NO_SUBSTITUTE, rng, make_up=False)
                continue
            lesson.substitute = rng.choice(pool)
            lesson.change = PlannedChange(
                LessonChange.Kind.SUBSTITUTION, reason, self.recorded(day, days_before, rng), old_teacher=teacher
            )
            substituted |= lesson is must
        return substituted or must is None

    def free_slot(self, lesson: PlannedLesson, day: datetime.date) -> int | None:
        """A lesson number after the class's last lesson that day, its teacher being free then."""
        numbers = self.class_numbers(lesson.class_key, day)
        if not numbers:
            return None
        number = max(numbers) + 1
        if number > len(BELLS) or lesson.teacher in self.busy_teachers(day, number):
            return None
        return number

    def relocate(self, lesson: PlannedLesson, day: datetime.date, number: int) -> None:
        self.on_date[lesson.date].remove(lesson)
        self.on_slot[(lesson.date, lesson.number)].remove(lesson)
        lesson.date, lesson.number = day, number
        self.on_date[day].append(lesson)
        self.on_slot[(day, number)].append(lesson)

    def move(self, lesson: PlannedLesson, rng: random.Random) -> None:
        if lesson.change is not None or lesson.is_cancelled:
            return
        school_days = {x.date for x in self.lessons[lesson.class_key]}
        for shift in rng.sample([0, 1, 2, -1, -2], 5):
            day = lesson.date + shift * DAY
            if day not in school_days or day >= self.today:
                continue
            number = self.free_slot(lesson, day)
            if number is None or (day, number) == (lesson.date, lesson.number):
                continue
            old = (lesson.date, lesson.number)
            lesson.change = PlannedChange(
                LessonChange.Kind.MOVE,
                rng.choice(texts.MOVE_REASONS),
                self.recorded(min(old[0], day), 1, rng),
                old_date=old[0],
                old_number=old[1],
                old_room=lesson.room,
            )
            lesson.is_moved = True
            self.relocate(lesson, day, number)
            return

    def move_room(self, lesson: PlannedLesson, rng: random.Random) -> None:
        if lesson.change is not None or lesson.is_cancelled:
            return
        taken = any(x.room == texts.ROOM_MOVES_TO for x in self.on_slot[(lesson.date, lesson.number)])
        if taken:
            return
        lesson.change = PlannedChange(
            LessonChange.Kind.MOVE, texts.ROOM_MOVE_REASON, self.recorded(lesson.date, 1, rng), old_room=lesson.room
        )
        lesson.is_moved, lesson.room = True, texts.ROOM_MOVES_TO

    def cancel(self, lesson: PlannedLesson, reason: str, rng: random.Random, *, make_up: bool) -> None:
        if lesson.change is not None or lesson.is_cancelled:
            return
        lesson.is_cancelled = True
        lesson.change = PlannedChange(LessonChange.Kind.CANCELLATION, reason, self.recorded(lesson.date, 1, rng))
        if make_up:
            self.make_up(lesson, rng)

    def make_up(self, cancelled: PlannedLesson, rng: random.Random) -> None:
        """An extra lesson of the same subject within the next week, after the class's last lesson."""
        days = sorted({x.date for x in self.lessons[cancelled.class_key] if cancelled.date < x.date < self.today})
        for day in days[:5]:
            number = self.free_slot(cancelled, day)
            if number is None:
                continue
            extra = PlannedLesson(
                cancelled.target, cancelled.subject, cancelled.teacher, day, number, cancelled.room, None, is_extra=True
            )
            extra.change = PlannedChange(
                LessonChange.Kind.EXTRA, texts.EXTRA_REASON.format(date=cancelled.date), self.recorded(day, 1, rng)
            )
            self.add(extra)
            return

    # --- topics and control works ------------------------------------------------------------

    def series(self, class_key: ClassKey) -> dict[tuple[str, ClassKey | GroupKey], list[PlannedLesson]]:
        """The year's lessons of each subject of the class or group, in order (cancelled ones left out)."""
        runs: dict[tuple[str, ClassKey | GroupKey], list[PlannedLesson]] = defaultdict(list)
        for lesson in self.lessons[class_key]:
            if not lesson.is_cancelled:
                runs[(lesson.subject, lesson.target)].append(lesson)
        return runs

    def number_lessons(self) -> None:
        for class_key in self.plan.classes:
            self.lessons[class_key].sort(key=lambda x: (x.date, x.number, x.target))
            for run in self.series(class_key).values():
                for index, lesson in enumerate(run):
                    lesson.index = index

    def unit(self, lesson: PlannedLesson, index: int | None = None) -> tuple[int, str]:
        """The topic the lesson's place in the year falls on, with its number in the subject's list."""
        topics = texts.topics_for(lesson.subject, lesson.grade)
        annual = WEEKLY[(lesson.subject, lesson.grade)] * study_weeks(lesson.grade)
        position = min(len(topics) - 1, (lesson.index if index is None else index) * len(topics) // annual)
        return position, topics[position]

    def plan_control_works(self) -> None:
        """Rounds per grade level and subject: all its classes (or English groups) write on one day,
        rounds at least 2.5 weeks apart, at most 10 % of the period's hours, one a day per student,
        neither the first nor the last lesson of the class's day unless the subject has one a week."""
        rng = random.Random(f"{self.seed}:control")
        taken: dict[ClassKey, set[datetime.date]] = defaultdict(set)
        for grade in sorted({key[0] for key in self.plan.classes if key[0] >= 2}):
            classes = [key for key in self.plan.classes if key[0] == grade and self.lessons[key]]
            if classes:
                self.grade_control_works(grade, classes, taken, rng)

    def grade_control_works(self, grade: int, classes: list[ClassKey], taken: dict, rng: random.Random) -> None:
        bounds: dict[tuple[ClassKey, datetime.date], tuple[int, int]] = {}
        on_day: dict[tuple[str, ClassKey | GroupKey], dict[datetime.date, list[PlannedLesson]]] = defaultdict(dict)
        for class_key in classes:
            for lesson in self.lessons[class_key]:
                if lesson.is_cancelled:
                    continue
                low, high = bounds.get((class_key, lesson.date), (99, 0))
                bounds[(class_key, lesson.date)] = (min(low, lesson.number), max(high, lesson.number))
                if lesson.change is None:
                    on_day[(lesson.subject, lesson.target)].setdefault(lesson.date, []).append(lesson)
        order = [s for s, _, _ in SUBJECTS]
        subjects = sorted(
            {subject for subject, _ in on_day if subject not in NO_CONTROL_WORKS},
            key=lambda subject: (-WEEKLY[(subject, grade)], order.index(subject)),
        )
        periods = self.periods(grade)
        year_days = sum((p.ends_on - p.starts_on).days + 1 for p in periods)
        horizon = self.horizon(grade)
        tests: Counter = Counter()
        for subject in subjects:
            weekly = WEEKLY[(subject, grade)]
            units = [key for key in on_day if key[0] == subject]
            last: datetime.date | None = None
            for period in periods:
                if horizon is None or period.starts_on > horizon:
                    break
                span = (period.ends_on - period.starts_on).days + 1
                hours = weekly * study_weeks(grade) * span / year_days
                count = min(int(CONTROL_SHARE * hours), 1 + (span - 14) // CONTROL_SPACING)
                reach = max(6, int(span / count / 2) - 1) if count else 0  # days around a round's centre
                for round_ in range(count):
                    kind = self.control_kind(subject, grade, period, round_, count)
                    center = period.starts_on + datetime.timedelta(days=(round_ + 0.5) * span / count)
                    if kind == ControlWork.Kind.DIAGNOSTIC:
                        center = period.starts_on + 8 * DAY

                    days = sorted(
                        {
                            day
                            for key in units
                            for day in on_day[key]
                            if period.starts_on <= day <= period.ends_on
                            and abs((day - center).days) <= reach
                            and (last is None or (day - last).days >= CONTROL_SPACING)
                        }
                    )
                    scored = [(day, self.writing(units, day, weekly, on_day, bounds, taken)) for day in days]
                    scored = [(day, found) for day, found in scored if found]
                    if not scored:
                        continue
                    day, found = min(scored, key=lambda item: (-len(item[1]), abs((item[0] - center).days)))
                    for key, lesson in found:
                        if kind == ControlWork.Kind.TEST:
                            tests[key] += 1
                        _, topic = self.unit(lesson)
                        planned_on = max(period.starts_on - 3 * DAY, self.calendar.starts_on - 7 * DAY)
                        work = PlannedControlWork(
                            lesson.target,
                            subject,
                            lesson,
                            kind,
                            texts.control_topic(kind, subject, topic, tests[key]),
                            self.evening(min(planned_on, self.today), rng),
                        )
                        lesson.control = work
                        self.control_works.append(work)
                        taken[lesson.class_key].add(day)
                    last = day

    @staticmethod
    def writing(units, day, weekly, on_day, bounds, taken) -> list[tuple]:
        """(unit, lesson) for the classes or groups that can write a control work that day: a lesson of
        the subject neither first nor last in the class's day (unless one a week), no other work that day."""
        found = []
        for key in units:
            class_key = key[1][:2]
            if day in taken[class_key] or day not in on_day[key]:
                continue
            low, high = bounds[(class_key, day)]
            lesson = next((x for x in on_day[key][day] if weekly == 1 or low < x.number < high), None)
            if lesson is not None:
                found.append((key, lesson))
        return found

    @staticmethod
    def control_kind(subject: str, grade: int, period, round_: int, count: int) -> str:
        Kind = ControlWork.Kind
        if round_ == 0 and period.number == 1 and subject in ("Русский язык", MATHS, "Алгебра", ENGLISH):
            return Kind.DIAGNOSTIC
        if round_ == 0 and period.number == 4 and 4 <= grade <= 8 and subject in ("Русский язык", MATHS, "Алгебра"):
            return Kind.VPR
        if subject == "Русский язык" and grade <= 9 and round_ % 2 == 0:
            return Kind.DICTATION
        if subject == "Литература" and round_ == count - 1:
            return Kind.ESSAY
        return Kind.TEST

    def plan_topics(self) -> None:
        rng = random.Random(f"{self.seed}:topics")
        taken = random.Random(f"{self.seed}:attendance")  # its own draws: the topics stay as they were
        for class_key in self.plan.classes:
            for run in self.series(class_key).values():
                labs = 0
                for lesson in run:
                    if lesson.date >= self.today:  # today's lessons are the teachers' to fill in
                        break
                    if not lesson.is_cancelled:
                        lesson.attendance_taken_at = self.taken_at(lesson, taken)
                    labs += self.topic(lesson, rng, labs)
                    late = lesson.date < self.today and rng.random() < 0.03
                    if late:
                        day = min(lesson.date + rng.randint(1, 3) * DAY, self.today)
                        lesson.topic_entered_at = self.evening(day, rng)
                    else:
                        lesson.topic_entered_at = self.at(lesson.date, lesson.number, rng.randint(5, 40))

    def topic(self, lesson: PlannedLesson, rng: random.Random, labs: int) -> int:
        """Set the lesson's topic and type; 1 if it is a laboratory or practical work."""
        Kind = Lesson.Kind
        subject = lesson.subject
        position, topic = self.unit(lesson)
        first = lesson.index == 0 or self.unit(lesson, lesson.index - 1)[0] != position
        last = self.unit(lesson, lesson.index + 1)[0] != position
        if lesson.control is not None:
            lesson.topic, lesson.kind = lesson.control.topic, Kind.CONTROL
        elif lesson.index == 0 and subject in ("Физика", "Химия", "Физическая культура", "Технология", "Информатика"):
            lesson.topic, lesson.kind = f"Инструктаж по технике безопасности. {topic}", Kind.NEW_MATERIAL
        elif subject in texts.LABS and not first and rng.random() < 0.12:
            lesson.topic, lesson.kind = f"{texts.LABS[subject]} № {labs + 1}. {topic}", Kind.LAB
            return 1
        elif subject in ("Окружающий мир", "Биология", "География") and rng.random() < 0.02:
            lesson.topic, lesson.kind = f"Экскурсия. {topic}", Kind.EXCURSION
        elif first:
            lesson.topic, lesson.kind = topic, Kind.NEW_MATERIAL
        elif last and rng.random() < 0.5:
            lesson.topic, lesson.kind = f"Обобщение по теме {texts.quoted(topic)}", Kind.REVIEW
        elif rng.random() < 0.5:
            lesson.topic, lesson.kind = texts.practice_topic(subject, topic, rng), Kind.PRACTICE
        else:
            lesson.topic, lesson.kind = topic, Kind.COMBINED
        return 0

    def build(self) -> JournalPlan:
        self.plan_lessons()
        self.plan_changes()
        self.number_lessons()
        self.plan_control_works()
        self.plan_topics()
        self.on_date.clear()  # only the planning needed them: a big school's memory goes to its marks
        self.on_slot.clear()
        return JournalPlan(self.entries, self.lessons, self.control_works, self.today, self)


def plan_journal(
    *, plan: SchoolPlan, calendar: SchoolCalendar, today: datetime.date, seed: int, zone: datetime.tzinfo
) -> JournalPlan:
    """The demo school's journal up to ``today``, for one seed: the same arguments give the same journal."""
    return _JournalPlanner(plan=plan, calendar=calendar, today=today, seed=seed, zone=zone).build()
