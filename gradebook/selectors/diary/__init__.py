"""What the family diary's pages show, for a student the access policy has let through.

Split by page: ``enrolment`` (where the student studies: the ground of every page), ``week``,
``marks``, ``calendar`` (timetable, control works, holidays, recommendations). Every page reads in
a number of queries that does not grow with the number of lessons and marks.
"""

from .calendar import calendar_for, control_works_for, recommendations_for, timetable_for
from .enrolment import Enrolment, Standing, enrolment_for, periods_of, pick_period, standing_of
from .marks import SubjectMarks, marks_for_period
from .week import Day, LessonEntry, MovedAway, Week, monday_of, week_for

__all__ = [
    "Day",
    "Enrolment",
    "LessonEntry",
    "MovedAway",
    "Standing",
    "SubjectMarks",
    "Week",
    "calendar_for",
    "control_works_for",
    "enrolment_for",
    "marks_for_period",
    "monday_of",
    "periods_of",
    "pick_period",
    "recommendations_for",
    "standing_of",
    "timetable_for",
    "week_for",
]
