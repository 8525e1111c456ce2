"""The demo school's bell schedule and weekly timetable, planned in memory from a seeded generator.

One shift: lessons of 45 minutes from 8:30, breaks of 10 minutes and two of 20 (after the 2nd and
the 3rd lesson), lessons 1–7. Each class gets its weekly hours (``curriculum.SUBJECTS``) over five
days, 4–7 lessons a day, with no window in the class's day (in a benchmark school of thousands of
students a few classes get one: their teachers are that busy) and no teacher in two places at once.
The English subgroups (from grade 2) have their own entries: side by side when the two groups
have different teachers, otherwise one after the other, preferably at the edges of the day (one
group comes later or leaves earlier).
"""

import datetime
import random
from collections import Counter
from dataclasses import dataclass

from .curriculum import ENGLISH, ENGLISH_GROUPS_FROM_GRADE, SUBJECTS
from .plan import ClassKey, GroupKey, SchoolPlan

FIRST_LESSON = datetime.time(8, 30)
LESSON_MINUTES = 45
BREAKS = (10, 20, 20, 10, 10, 10)  # after lessons 1 … 6
LESSONS_A_DAY = 7
WEEKDAYS = 5  # Monday … Friday; a sixth day only if a class could not fit its hours in five
ATTEMPTS = 60

HEAVY = {"Математика", "Алгебра", "Геометрия", "Русский язык", "Физика", "Химия", ENGLISH}
LIGHT = {"Физическая культура", "Музыка", "Изобразительное искусство", "Технология"}
SPECIAL_ROOMS = {"pe": "Спортзал", "technology": "Мастерская", "music": "Актовый зал"}


def bell_schedule() -> tuple[tuple[datetime.time, datetime.time], ...]:
    """(starts, ends) of lessons 1 … 7."""
    times, minutes = [], FIRST_LESSON.hour * 60 + FIRST_LESSON.minute
    for number in range(LESSONS_A_DAY):
        ends = minutes + LESSON_MINUTES
        times.append((datetime.time(minutes // 60, minutes % 60), datetime.time(ends // 60, ends % 60)))
        minutes = ends + (BREAKS[number] if number < len(BREAKS) else 10)
    return tuple(times)


@dataclass(frozen=True, slots=True)
class Entry:
    """A weekly slot of a class or an English group; ``teacher`` indexes ``SchoolPlan.employees``."""

    target: ClassKey | GroupKey
    weekday: int  # 1 is Monday
    number: int
    subject: str
    teacher: int
    room: str

    @property
    def class_key(self) -> ClassKey:
        return self.target[:2]


@dataclass(frozen=True, slots=True)
class _Event:
    """What fills one slot of a class: a class lesson, both English groups side by side, or one group."""

    subject: str
    parts: tuple[tuple[ClassKey | GroupKey, int], ...]  # (target, teacher)
    single_group: bool = False

    @property
    def teachers(self) -> tuple[int, ...]:
        return tuple(teacher for _, teacher in self.parts)

    @property
    def key(self) -> tuple[str, ClassKey | GroupKey]:
        return self.subject, self.parts[0][0]


class TimetableError(Exception):
    """A class's hours could not be placed (it does not happen with the demo's curriculum)."""


def teachers_by_unit(plan: SchoolPlan) -> dict[tuple[str, ClassKey | GroupKey], int]:
    return {(subject, target): i for i, e in enumerate(plan.employees) for subject, target in e.teaches}


def rooms(plan: SchoolPlan) -> dict[int, str]:
    """Each teacher has a room of their own (the primary teacher's is their class's): no two lessons share one."""
    numbered: dict[int, str] = {}
    special: Counter = Counter()
    primary, upper = 100, 200
    for i, employee in enumerate(plan.employees):
        if not employee.is_teacher:
            continue
        if employee.specialty in SPECIAL_ROOMS:
            special[employee.specialty] += 1
            numbered[i] = f"{SPECIAL_ROOMS[employee.specialty]} {special[employee.specialty]}"
        elif employee.specialty == "primary":
            primary += 1
            numbered[i] = str(primary)
        else:
            upper += 1 if upper % 100 < 30 else 71  # thirty rooms a floor
            numbered[i] = str(upper)
    return numbered


def _events(class_key: ClassKey, teacher_of: dict) -> list[_Event]:
    grade = class_key[0]
    events: list[_Event] = []
    for subject, _, weekly in SUBJECTS:
        hours = weekly[grade - 1]
        if not hours:
            continue
        if subject == ENGLISH and grade >= ENGLISH_GROUPS_FROM_GRADE:
            groups = [(*class_key, 1), (*class_key, 2)]
            teachers = [teacher_of[(subject, group)] for group in groups]
            if teachers[0] != teachers[1]:
                events += [_Event(subject, tuple(zip(groups, teachers, strict=True)))] * hours
            else:
                events += [_Event(subject, ((group, teachers[0]),), single_group=True) for group in groups] * hours
        else:
            events += [_Event(subject, ((class_key, teacher_of[(subject, class_key)]),))] * hours
    return events


def _pairs(count: int) -> int:
    """The penalty for a subject taught ``count`` times on one day."""
    return 10 * count * (count - 1) // 2


Slot = tuple[int, int]  # (weekday, lesson number)


class _ClassPlacer:
    """Places one class's lessons in its week, around the hours its teachers give other classes.

    The hard rule (a teacher is in one place at a time) is a matching of lessons to slots, found
    with augmenting paths; swaps then improve the soft ones (a subject once a day, one English
    group at the edge of the day, heavy subjects neither first nor late).
    """

    def __init__(self, events: list[_Event], busy: set[tuple[int, int, int]], load: Counter, rng: random.Random):
        self.events, self.busy, self.load, self.rng = events, busy, load, rng
        self.days = WEEKDAYS if len(events) <= WEEKDAYS * LESSONS_A_DAY else WEEKDAYS + 1
        if len(events) > self.days * LESSONS_A_DAY:
            raise TimetableError(f"{len(events)} lessons a week do not fit in {self.days} days.")

    def days_of(self, attempt: int) -> dict[int, range]:
        """The lesson numbers of each day: as many lessons as even, from lesson 1; after a failed
        attempt, some days start later (the teachers the class shares may be free only then)."""
        base, extra = divmod(len(self.events), self.days)
        longer = set(self.rng.sample(range(1, self.days + 1), extra))
        days = {}
        for day in range(1, self.days + 1):
            length = base + (day in longer)
            latest = min(LESSONS_A_DAY - length, (attempt + 3) // 4)
            start = 1 + (self.rng.randint(0, latest) if attempt and self.rng.random() < 0.5 else 0)
            days[day] = range(start, start + length)
        return days

    def free_for(self, event: _Event, slot: Slot) -> bool:
        return all((teacher, *slot) not in self.busy for teacher in event.teachers)

    def match(self, slots: list[Slot], days: dict[int, range]) -> dict[Slot, _Event] | None:
        candidates = [[slot for slot in slots if self.free_for(event, slot)] for event in self.events]
        for event, options in zip(self.events, candidates, strict=True):
            self.rng.shuffle(options)
            if event.single_group:  # an English group's lesson first tries the day's first or last lesson
                options.sort(key=lambda slot: slot[1] not in (days[slot[0]][0], days[slot[0]][-1]))
        holder: dict[Slot, int] = {}

        def augment(index: int, seen: set) -> bool:
            for slot in candidates[index]:
                if slot in seen:
                    continue
                seen.add(slot)
                if slot not in holder or augment(holder[slot], seen):
                    holder[slot] = index
                    return True
            return False

        order = sorted(range(len(self.events)), key=lambda i: (len(candidates[i]), -self.load_of(i)))
        if not all(augment(index, set()) for index in order):
            return None
        return {slot: self.events[index] for slot, index in holder.items()}

    def load_of(self, index: int) -> int:
        return max(self.load[teacher] for teacher in self.events[index].teachers)

    @staticmethod
    def position_cost(event: _Event, slot: Slot, days: dict[int, range]) -> int:
        day, number = slot
        cost = 0
        if event.single_group and number not in (days[day][0], days[day][-1]):
            cost += 6  # the other group waits through a window
        if event.subject in HEAVY and (number == 1 or number >= 6):
            cost += 1
        if event.subject in LIGHT and number == 1:
            cost += 1
        return cost

    def improve(self, grid: dict[Slot, _Event], days: dict[int, range]) -> None:
        on_day = Counter((slot[0], event.key) for slot, event in grid.items())
        slots = sorted(grid)
        for _ in range(8):
            better = False
            for i, a in enumerate(slots):
                for b in slots[i + 1 :]:
                    ea, eb = grid[a], grid[b]
                    if ea.key == eb.key or not (self.free_for(ea, b) and self.free_for(eb, a)):
                        continue
                    delta = (
                        self.position_cost(ea, b, days)
                        + self.position_cost(eb, a, days)
                        - self.position_cost(ea, a, days)
                        - self.position_cost(eb, b, days)
                    )
                    if a[0] != b[0]:
                        for day_from, day_to, key in ((a[0], b[0], ea.key), (b[0], a[0], eb.key)):
                            delta += _pairs(on_day[(day_from, key)] - 1) - _pairs(on_day[(day_from, key)])
                            delta += _pairs(on_day[(day_to, key)] + 1) - _pairs(on_day[(day_to, key)])
                    if delta < 0:
                        grid[a], grid[b] = eb, ea
                        on_day.update({(b[0], ea.key): 1, (a[0], eb.key): 1})
                        on_day.subtract({(a[0], ea.key): 1, (b[0], eb.key): 1})
                        better = True
            if not better:
                return

    def place(self) -> dict[Slot, _Event]:
        for attempt in range(ATTEMPTS):
            days = self.days_of(attempt)
            grid = self.match([(day, number) for day, numbers in days.items() for number in numbers], days)
            if grid is not None:
                self.improve(grid, days)
                return grid
        # A benchmark school's teachers can be so busy that the class's days need a window.
        days = {day: range(1, LESSONS_A_DAY + 1) for day in range(1, self.days + 1)}
        grid = self.match([(day, number) for day, numbers in days.items() for number in numbers], days)
        if grid is None:
            raise TimetableError("No timetable found for a class.")
        return grid


def plan_timetable(plan: SchoolPlan, rng: random.Random) -> list[Entry]:
    """The weekly timetable of every class and English group."""
    teacher_of = teachers_by_unit(plan)
    room_of = rooms(plan)
    busy: set[tuple[int, int, int]] = set()  # (teacher, weekday, number)
    load: Counter = Counter()
    entries: list[Entry] = []
    weeks = {class_key: _events(class_key, teacher_of) for class_key in plan.classes}
    # The classes the demo logins show first (the best choice of slots), then the fullest weeks.
    shown = {s.class_key for s in plan.students if s.person.login or any(p.login for p, _ in s.family.guardians)}
    for class_key in sorted(plan.classes, key=lambda key: (key not in shown, -len(weeks[key]))):
        grid = _ClassPlacer(weeks[class_key], busy, load, rng).place()
        for (weekday, number), event in sorted(grid.items()):
            for target, teacher in event.parts:
                busy.add((teacher, weekday, number))
                load[teacher] += 1
                entries.append(Entry(target, weekday, number, event.subject, teacher, room_of[teacher]))
    return entries
