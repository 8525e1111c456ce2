"""The demo school's calendar: which school year, its reporting periods and its holidays.

The school year row runs 1 September – 31 August (summer included, as the factories do); the
study year, the «year» reporting period, runs 1 September – 26 May. Holidays follow the federal
calendar's habits: autumn from the last Saturday of October's fourth week, winter from
31 December to the second Sunday of January, spring from the Saturday of March's fourth week,
and grade 1's extra week in February; together the in-year holidays last at least 30 days.
"""

import datetime
from dataclasses import dataclass

from gradebook.models import ReportingPeriod

STUDY_YEAR_END = (5, 26)  # 26 May
MIN_IN_YEAR_HOLIDAY_DAYS = 30
DAY = datetime.timedelta(days=1)


def school_year_start_for(today: datetime.date) -> datetime.date:
    """The 1 September that starts the school year of ``today``: in summer, the coming one."""
    year = today.year if today.month >= 6 else today.year - 1
    return datetime.date(year, 9, 1)


def _saturday_between(first: datetime.date, last: datetime.date) -> datetime.date:
    day = first
    while day.weekday() != 5:
        day += DAY
    assert day <= last
    return day


def _sunday_on_or_after(day: datetime.date) -> datetime.date:
    return day + datetime.timedelta(days=(6 - day.weekday()) % 7)


@dataclass(frozen=True)
class Span:
    name: str
    starts_on: datetime.date
    ends_on: datetime.date
    min_grade: int = 1
    max_grade: int = 11

    @property
    def days(self) -> int:
        return (self.ends_on - self.starts_on).days + 1


@dataclass(frozen=True)
class Period:
    kind: str
    number: int
    starts_on: datetime.date
    ends_on: datetime.date
    min_grade: int
    max_grade: int


@dataclass(frozen=True)
class SchoolCalendar:
    title: str
    starts_on: datetime.date
    ends_on: datetime.date
    study_ends_on: datetime.date
    periods: tuple[Period, ...]
    holidays: tuple[Span, ...]


def school_calendar(starts_on: datetime.date) -> SchoolCalendar:
    """The calendar of the school year that starts on ``starts_on`` (a 1 September)."""
    y = starts_on.year
    study_ends_on = datetime.date(y + 1, *STUDY_YEAR_END)
    autumn_start = _saturday_between(datetime.date(y, 10, 24), datetime.date(y, 10, 30))
    autumn = Span("Осенние каникулы", autumn_start, autumn_start + datetime.timedelta(days=9))  # Sat … Mon
    winter = Span("Зимние каникулы", datetime.date(y, 12, 31), _sunday_on_or_after(datetime.date(y + 1, 1, 8)))
    spring_start = _saturday_between(datetime.date(y + 1, 3, 21), datetime.date(y + 1, 3, 27))
    spring_days = max(9, MIN_IN_YEAR_HOLIDAY_DAYS - autumn.days - winter.days)
    spring = Span("Весенние каникулы", spring_start, spring_start + datetime.timedelta(days=spring_days - 1))
    february_start = _saturday_between(datetime.date(y + 1, 2, 7), datetime.date(y + 1, 2, 13))
    february = Span(
        "Дополнительные каникулы для первоклассников",
        february_start,
        february_start + datetime.timedelta(days=8),
        min_grade=1,
        max_grade=1,
    )
    summer = Span("Летние каникулы", study_ends_on + DAY, datetime.date(y + 1, 8, 31))

    quarter, half_year, year = (
        ReportingPeriod.Kind.QUARTER,
        ReportingPeriod.Kind.HALF_YEAR,
        ReportingPeriod.Kind.YEAR,
    )
    terms = [  # the study between holidays
        (starts_on, autumn.starts_on - DAY),
        (autumn.ends_on + DAY, winter.starts_on - DAY),
        (winter.ends_on + DAY, spring.starts_on - DAY),
        (spring.ends_on + DAY, study_ends_on),
    ]
    periods = [Period(quarter, n, start, end, 1, 9) for n, (start, end) in enumerate(terms, start=1)]
    periods += [
        Period(half_year, 1, starts_on, winter.starts_on - DAY, 10, 11),
        Period(half_year, 2, winter.ends_on + DAY, study_ends_on, 10, 11),
        Period(year, 1, starts_on, study_ends_on, 1, 11),
    ]
    return SchoolCalendar(
        title=f"{y}/{y + 1}",
        starts_on=starts_on,
        ends_on=datetime.date(y + 1, 8, 31),
        study_ends_on=study_ends_on,
        periods=tuple(periods),
        holidays=(autumn, winter, february, spring, summer),
    )
