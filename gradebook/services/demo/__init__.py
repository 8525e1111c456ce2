"""The demo school, МОУ «Победненская школа»: a whole school year of people to try ediary on.

``demo_school_seed`` builds it once, deterministically for a seed and a day, in one
transaction; when the school already exists it changes nothing. Only the eight demo logins
below can sign in; every other person has a profile without a login.
"""

import datetime
from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone

from gradebook import signals
from gradebook.models import School

from .build import Counts, write_calendar, write_curriculum, write_logins, write_people
from .dates import school_calendar, school_year_start_for
from .finals import FinalsCounts, write_finals
from .journal import JournalCounts, write_journal
from .plan import MAX_STUDENTS, MIN_STUDENTS, school_plan

__all__ = [
    "DEMO_LOGINS",
    "DEMO_PASSWORD",
    "MAX_STUDENTS",
    "MIN_STUDENTS",
    "DemoLogin",
    "DemoSeedError",
    "DemoSeedResult",
    "demo_school_seed",
]

SCHOOL_NAME = "МОУ «Победненская школа»"
SCHOOL_SHORT_NAME = "Победненская школа"
SCHOOL_ADDRESS = "Московская область, с. Победное, ул. Школьная, д. 1"
DEMO_PASSWORD = "ediary-demo"


@dataclass(frozen=True)
class DemoLogin:
    key: str  # the plan's name for it, and the username when free
    role: str
    is_staff: bool = False  # the Django admin opens for it

    @property
    def email(self) -> str:
        return f"{self.key}@school.test"


DEMO_LOGINS = (
    DemoLogin("admin", "administrator (director)", is_staff=True),
    DemoLogin("staff", "staff (secretary)", is_staff=True),
    DemoLogin("teacher", "teacher: mathematics in 5А and 6Б"),
    DemoLogin("classteacher", "class teacher of 5А (Russian and literature in 5А, 5Б)"),
    DemoLogin("parent", "parent of two: a student of 5А (student@) and one of 8В"),
    DemoLogin("parent2", "parent of one child in 5А"),
    DemoLogin("student", "student of 5А"),
    DemoLogin("teacherparent", "teacher of history (9–11) and parent of a child in 3Б"),
)


class DemoSeedError(Exception):
    """The demo school cannot be built here (its logins are taken, or a bad size was asked)."""


@dataclass(frozen=True)
class DemoSeedResult:
    school: School
    created: bool
    year_title: str = ""
    counts: Counts | None = None
    journal: JournalCounts | None = None
    finals: FinalsCounts | None = None


def _usernames() -> dict[str, str]:
    """The demo logins' usernames: the part before the @, or the whole email if that name is taken."""
    User = get_user_model()
    emails = [login.email for login in DEMO_LOGINS]
    taken_emails = {
        email.lower()
        for model in (User, EmailAddress)
        for email in model.objects.annotate(email_lower=Lower("email"))
        .filter(email_lower__in=emails)
        .values_list("email", flat=True)
    }
    if taken_emails:
        raise DemoSeedError(f"These demo logins belong to other users already: {', '.join(sorted(taken_emails))}.")
    taken = set(
        User.objects.filter(username__in=[login.key for login in DEMO_LOGINS]).values_list("username", flat=True)
    )
    return {login.key: login.email if login.key in taken else login.key for login in DEMO_LOGINS}


@transaction.atomic
def demo_school_seed(
    *, seed: int = 1, today: datetime.date | None = None, students: int | None = None
) -> DemoSeedResult:
    """Build the demo school for the school year of ``today`` (in summer, the coming one), its
    journal filled up to ``today`` (``journal.py``: timetable, lessons, marks, attendance, …) and the
    finals of the periods over by then (``finals.py``: deferrals, exam results, a student at risk).

    ``students`` scales the school for benchmarks (that many students over more classes); by
    default each class has 22–28. If the school exists already, nothing is changed.
    """
    if students is not None and not MIN_STUDENTS <= students <= MAX_STUDENTS:
        raise DemoSeedError(f"The demo school takes {MIN_STUDENTS} to {MAX_STUDENTS} students, not {students}.")
    existing = School.objects.filter(name=SCHOOL_NAME).first()
    if existing is not None:
        return DemoSeedResult(school=existing, created=False)
    today = today or timezone.localdate()
    calendar = school_calendar(school_year_start_for(today))
    plan = school_plan(seed=seed, year_start=calendar.starts_on, students=students)
    usernames = _usernames()
    school = School.objects.create(
        name=SCHOOL_NAME, short_name=SCHOOL_SHORT_NAME, address=SCHOOL_ADDRESS, time_zone="Europe/Moscow"
    )
    year = write_calendar(school=school, calendar=calendar)
    subjects = write_curriculum(school=school, year=year)
    users = write_logins(DEMO_LOGINS, usernames=usernames, password_hash=make_password(DEMO_PASSWORD))
    people = write_people(plan=plan, school=school, year=year, subjects=subjects, users=users)
    journal = write_journal(
        plan=plan,
        calendar=calendar,
        today=today,
        seed=seed,
        school=school,
        year=year,
        subjects=subjects,
        users=users,
        people=people,
    )
    finals = write_finals(
        plan=plan, today=today, seed=seed, school=school, year=year, subjects=subjects, users=users, people=people
    )
    signals.demo_school_seeded.send(sender=School, school=school, year=year, today=today, seed=seed)
    return DemoSeedResult(
        school=school,
        created=True,
        year_title=calendar.title,
        counts=people.counts,
        journal=journal,
        finals=finals,
    )
