"""The demo school's people, planned in memory from one seeded random generator.

Nothing here touches the database: the same seed and school year give the same plan, which
``build`` then writes. The demo logins are pinned to named places (the maths teacher of 5А
and 6Б, the class teacher of 5А, the parent of children in 5А and 8В …).
"""

import datetime
import random
from dataclasses import dataclass, field

from gradebook.models import Guardianship

from . import names
from .curriculum import ENGLISH, ENGLISH_GROUPS_FROM_GRADE, MEN_SHARE, PRIMARY, SPECIALTIES, SUBJECTS, specialty_of

ClassKey = tuple[int, str]  # (5, "А")
GroupKey = tuple[int, str, int]  # (5, "А", 1): English, group 1 of 5А

LETTERS = "АБВГДЕЖЗИКЛМНОПРСТУФХЦЧШЭЮЯ"
BASE_CLASSES: tuple[ClassKey, ...] = tuple(
    sorted([(grade, letter) for grade in range(1, 12) for letter in "АБ"] + [(8, "В")])
)
CLASS_SIZE = (22, 28)  # the realistic school: each class between these
SCALED_CLASS_SIZE = 27  # with --students: classes added per grade level past this
MIN_STUDENTS = 3 * len(BASE_CLASSES)
MAX_STUDENTS = 200_000
TEACHER_MAX_LOAD = 26  # hours a week (1.4 of the 18-hour rate)
SIBLING_SHARE = 0.08

Relation = Guardianship.Relation

# The demo logins' places. Students: (class, position in the class) → (family, login).
STUDENT_SLOTS = {
    ((5, "А"), 0): ("parent", "student"),
    ((8, "В"), 0): ("parent", None),
    ((5, "А"), 1): ("parent2", None),
    ((3, "Б"), 0): ("teacherparent", None),
}
# Families with a login: who of the parents holds it.
FAMILY_LOGINS = {"parent": Relation.MOTHER, "parent2": Relation.FATHER, "teacherparent": Relation.MOTHER}
# Teachers with a login: (specialty, class) → login; these teachers teach nothing else.
TEACHER_PINS = {
    ("maths", (5, "А")): "teacher",
    ("maths", (6, "Б")): "teacher",
    ("russian", (5, "А")): "classteacher",
    ("russian", (5, "Б")): "classteacher",
    **{("history", (grade, letter)): "teacherparent" for grade in (9, 10, 11) for letter in "АБ"},
}
CLASS_TEACHER_PINS = {(5, "А"): "classteacher"}
NEVER_CLASS_TEACHER = {"teacher", "teacherparent"}  # their roles stay exactly as the logins table says


@dataclass
class Person:
    name: names.Name
    birth_date: datetime.date
    login: str | None = None


@dataclass
class Family:
    surname: str  # masculine form
    father: str  # the father's first name: the children's patronymic
    guardians: list[tuple[Person, str]] = field(default_factory=list)  # (person, relation)


@dataclass
class Student:
    person: Person
    class_key: ClassKey
    family: Family


@dataclass
class Employee:
    person: Person
    position: str
    is_teacher: bool = True
    is_administrator: bool = False
    is_staff_member: bool = False
    specialty: str = ""
    load: int = 0
    # (subject, class or group); a class teacher's class
    teaches: list[tuple[str, ClassKey | GroupKey]] = field(default_factory=list)
    leads: ClassKey | None = None


@dataclass
class SchoolPlan:
    classes: list[ClassKey]
    students: list[Student]
    families: list[Family]
    employees: list[Employee]
    english_groups: dict[GroupKey, list[Student]]


def letter(index: int) -> str:
    """А, Б, … Я, then А1, Б1, … for a benchmark school with many classes per grade level."""
    base, lap = LETTERS[index % len(LETTERS)], index // len(LETTERS)
    return f"{base}{lap}" if lap else base


def class_keys(students: int | None) -> list[ClassKey]:
    if students is None or students <= len(BASE_CLASSES) * CLASS_SIZE[1]:
        return list(BASE_CLASSES)
    per_grade = -(-students // (11 * SCALED_CLASS_SIZE))
    return [(grade, letter(i)) for grade in range(1, 12) for i in range(per_grade)]


def _years_before(day: datetime.date, rng: random.Random, low: int, high: int) -> datetime.date:
    return day - datetime.timedelta(days=rng.randint(low * 365, high * 365))


class _Planner:
    def __init__(self, *, seed: int, year_start: datetime.date, students: int | None):
        if students is not None and not MIN_STUDENTS <= students <= MAX_STUDENTS:
            raise ValueError(f"The demo school takes {MIN_STUDENTS} to {MAX_STUDENTS} students.")
        self.rng = random.Random(seed)
        self.year_start = year_start
        self.classes = class_keys(students)
        if students is None:
            self.sizes = [self.rng.randint(*CLASS_SIZE) for _ in self.classes]
        else:
            base, extra = divmod(students, len(self.classes))
            self.sizes = [base + (i < extra) for i in range(len(self.classes))]
        self.families: list[Family] = []
        self.students: list[Student] = []
        self.employees: list[Employee] = []
        self.login_families: dict[str, Family] = {}

    # --- families and students ---------------------------------------------------------

    def birth_date(self, grade: int) -> datetime.date:
        """Seven on 1 September of grade 1, give or take: aged grade+5 or grade+6 then."""
        window_start = datetime.date(self.year_start.year - grade - 7, 12, 1)
        return window_start + datetime.timedelta(days=self.rng.randrange(365))

    def new_family(self, child_birth: datetime.date, login: str | None = None) -> Family:
        rng = self.rng
        family = Family(surname=rng.choice(names.SURNAMES), father=rng.choice(names.MEN))
        if login:
            shape = "both"
        else:
            roll = rng.random()
            shape = "both" if roll < 0.78 else "mother" if roll < 0.94 else "father" if roll < 0.97 else "grandmother"
        mother_born = _years_before(child_birth, rng, 24, 38)
        if shape in ("both", "mother"):
            surname = family.surname if rng.random() < 0.9 else rng.choice(names.SURNAMES)
            mother = names.random_adult(rng, male=False, born=mother_born.year, surname=surname)
            family.guardians.append((Person(mother, mother_born), Relation.MOTHER))
        if shape in ("both", "father"):
            father = names.name_for(
                rng, male=True, surname=family.surname, father=rng.choice(names.ELDERS), first_names=[family.father]
            )
            family.guardians.append((Person(father, _years_before(mother_born, rng, -2, 6)), Relation.FATHER))
        if shape == "grandmother":
            born = _years_before(mother_born, rng, 22, 30)
            grandmother = names.random_adult(rng, male=False, born=born.year, surname=family.surname)
            family.guardians.append((Person(grandmother, born), Relation.GUARDIAN))
        if login:
            for person, relation in family.guardians:
                if relation == FAMILY_LOGINS[login]:
                    person.login = login
            self.login_families[login] = family
        self.families.append(family)
        return family

    def plan_students(self) -> None:
        rng = self.rng
        open_families: dict[int, list[Family]] = {grade: [] for grade in range(1, 12)}  # one child, by grade
        for class_key, size in zip(self.classes, self.sizes, strict=True):
            grade = class_key[0]
            for position in range(size):
                born = self.birth_date(grade)
                family_login, student_login = STUDENT_SLOTS.get((class_key, position), (None, None))
                elder_grades = [g for g in range(max(1, grade - 4), grade - 1) if open_families[g]]
                if family_login:
                    family = self.login_families.get(family_login) or self.new_family(born, family_login)
                elif elder_grades and rng.random() < SIBLING_SHARE:
                    candidates = open_families[rng.choice(elder_grades)]
                    family = candidates.pop(rng.randrange(len(candidates)))
                else:
                    family = self.new_family(born)
                    open_families[grade].append(family)
                male = rng.random() < 0.5
                name = names.name_for(
                    rng,
                    male=male,
                    surname=family.surname,
                    father=family.father,
                    first_names=names.BOYS if male else names.GIRLS,
                )
                self.students.append(Student(Person(name, born, student_login), class_key, family))

    # --- teachers ----------------------------------------------------------------------

    def new_teacher(self, specialty: str, person: Person | None = None) -> Employee:
        rng = self.rng
        if person is None:
            male = rng.random() < MEN_SHARE.get(specialty, 0.15)
            born = datetime.date(1962, 1, 1) + datetime.timedelta(days=rng.randrange(38 * 365))
            person = Person(names.random_adult(rng, male=male, born=born.year), born)
        teacher = Employee(person=person, position=SPECIALTIES[specialty][0], specialty=specialty)
        self.employees.append(teacher)
        return teacher

    def teaching_units(self) -> dict[tuple[str, ClassKey | GroupKey], tuple[list[str], int]]:
        """What each class (or English group) learns, gathered by the specialty that teaches it."""
        units: dict[tuple[str, ClassKey | GroupKey], tuple[list[str], int]] = {}
        for class_key in self.classes:
            grade = class_key[0]
            for subject, _, hours in SUBJECTS:
                if not hours[grade - 1]:
                    continue
                specialty = specialty_of(subject, grade)
                if subject == ENGLISH and grade >= ENGLISH_GROUPS_FROM_GRADE:
                    targets = [(*class_key, 1), (*class_key, 2)]
                else:
                    targets = [class_key]
                for target in targets:
                    subjects, total = units.get((specialty, target), ([], 0))
                    units[(specialty, target)] = ([*subjects, subject], total + hours[grade - 1])
        return units

    def plan_teachers(self) -> None:
        pinned: dict[str, Employee] = {}
        for specialty, login in dict.fromkeys((s, login) for (s, _), login in TEACHER_PINS.items()):
            family = self.login_families.get(login)
            person = next((p for p, _ in family.guardians if p.login == login), None) if family else None
            pinned[login] = self.new_teacher(specialty, person)
            pinned[login].person.login = login
        current: dict[str, Employee] = {}
        for (specialty, target), (subjects, hours) in self.teaching_units().items():
            login = TEACHER_PINS.get((specialty, target[:2]))
            teacher = pinned[login] if login else current.get(specialty)
            if teacher is None or (not login and teacher.load + hours > TEACHER_MAX_LOAD):
                teacher = current[specialty] = self.new_teacher(specialty)
            teacher.load += hours
            teacher.teaches += [(subject, target) for subject in subjects]
        self.plan_class_teachers(pinned)

    def plan_class_teachers(self, pinned: dict[str, Employee]) -> None:
        teachers_of: dict[ClassKey, list[Employee]] = {}
        for teacher in self.employees:
            for _, target in teacher.teaches:
                class_teachers = teachers_of.setdefault(target[:2], [])
                if teacher not in class_teachers:
                    class_teachers.append(teacher)
        for class_key, login in CLASS_TEACHER_PINS.items():
            pinned[login].leads = class_key
        free = (t for t in self.employees if t.person.login not in NEVER_CLASS_TEACHER)
        for class_key in self.classes:
            if class_key in CLASS_TEACHER_PINS:
                continue
            if class_key[0] <= 4:  # the primary teacher leads the class
                candidates = [t for t in teachers_of[class_key] if t.specialty == PRIMARY]
            else:
                candidates = [
                    t for t in teachers_of[class_key] if t.leads is None and t.person.login not in NEVER_CLASS_TEACHER
                ]
            if candidates:
                self.rng.choice(candidates).leads = class_key
            else:
                next(t for t in free if t.leads is None).leads = class_key

    def plan_administration(self) -> None:
        rng = self.rng

        def adult(login: str | None = None) -> Person:
            born = datetime.date(1965, 1, 1) + datetime.timedelta(days=rng.randrange(30 * 365))
            return Person(names.random_adult(rng, male=rng.random() < 0.3, born=born.year), born, login)

        self.employees += [
            Employee(adult("admin"), "Директор", is_teacher=False, is_administrator=True),
            Employee(adult(), "Заместитель директора по учебной работе", is_teacher=False, is_administrator=True),
            Employee(adult("staff"), "Секретарь", is_teacher=False, is_staff_member=True),
        ]

    def plan(self) -> SchoolPlan:
        self.plan_students()
        self.plan_teachers()
        self.plan_administration()
        english_groups: dict[GroupKey, list[Student]] = {}
        by_class: dict[ClassKey, list[Student]] = {}
        for student in self.students:
            by_class.setdefault(student.class_key, []).append(student)
        for class_key, members in by_class.items():
            if class_key[0] >= ENGLISH_GROUPS_FROM_GRADE:
                alphabetical = sorted(members, key=lambda s: (s.person.name.surname, s.person.name.name))
                half = (len(alphabetical) + 1) // 2
                english_groups[(*class_key, 1)] = alphabetical[:half]
                english_groups[(*class_key, 2)] = alphabetical[half:]
        return SchoolPlan(self.classes, self.students, self.families, self.employees, english_groups)


def school_plan(*, seed: int, year_start: datetime.date, students: int | None = None) -> SchoolPlan:
    """The whole demo school for one seed and school year; ``students`` scales it for benchmarks."""
    return _Planner(seed=seed, year_start=year_start, students=students).plan()
