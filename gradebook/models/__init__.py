from .accounts import Activation
from .audit import PersonalDataAccess
from .classes import ClassMembership, ClassUnit, StudyGroup, StudyGroupMembership
from .curriculum import AttendanceCode, CurriculumLine, GradingSettings, Subject, TeachingAssignment, WorkType
from .finals import Deferral, DeferralExtension, FinalMark, FinalMarkChange
from .journal import Attendance, ControlWork, Homework, HomeworkFile, JournalChange, Mark, Recommendation
from .people import Employee, Guardian, Guardianship, Student
from .school import Holiday, ReportingPeriod, School, SchoolYear
from .timetable import BellPeriod, Lesson, LessonChange, TimetableEntry

__all__ = [
    "Activation",
    "Attendance",
    "AttendanceCode",
    "BellPeriod",
    "ClassMembership",
    "ClassUnit",
    "ControlWork",
    "CurriculumLine",
    "Deferral",
    "DeferralExtension",
    "Employee",
    "FinalMark",
    "FinalMarkChange",
    "GradingSettings",
    "Guardian",
    "Guardianship",
    "Holiday",
    "Homework",
    "HomeworkFile",
    "JournalChange",
    "Lesson",
    "LessonChange",
    "Mark",
    "PersonalDataAccess",
    "Recommendation",
    "ReportingPeriod",
    "School",
    "SchoolYear",
    "Student",
    "StudyGroup",
    "StudyGroupMembership",
    "Subject",
    "TeachingAssignment",
    "TimetableEntry",
    "WorkType",
]
