"""What the family diary's pages show, for a student the access policy has let through.

Split by page: ``enrolment`` (where the student studies: the ground of every page), ``week``,
``marks``, ``forecast``, ``finals``, ``calendar`` (timetable, control works, holidays, recommendations).
Every page reads in a number of queries that does not grow with the number of lessons and marks.
"""

from .calendar import calendar_for, control_works_for, recommendations_for, timetable_for
from .enrolment import Enrolment, Standing, enrolment_for, periods_of, pick_period, standing_of
from .finals import FinalsTable, finals_for_year
from .forecast import SubjectForecast, forecasts_of_period, risks_first
from .marks import SubjectMarks, marks_for_period
from .week import Day, LessonEntry, MovedAway, Week, monday_of, week_for

__all__ = [
    "Day",
    "Enrolment",
    "FinalsTable",
    "LessonEntry",
    "MovedAway",
    "Standing",
    "SubjectForecast",
    "SubjectMarks",
    "Week",
    "calendar_for",
    "control_works_for",
    "enrolment_for",
    "finals_for_year",
    "forecasts_of_period",
    "marks_for_period",
    "monday_of",
    "periods_of",
    "pick_period",
    "recommendations_for",
    "risks_first",
    "standing_of",
    "timetable_for",
    "week_for",
]
