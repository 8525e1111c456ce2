from .accounts import Activation
from .audit import PersonalDataAccess
from .classes import ClassMembership, ClassUnit, StudyGroup, StudyGroupMembership
from .curriculum import AttendanceCode, CurriculumLine, GradingSettings, Subject, TeachingAssignment, WorkType
from .people import Employee, Guardian, Guardianship, Student
from .school import Holiday, ReportingPeriod, School, SchoolYear

__all__ = [
    "Activation",
    "AttendanceCode",
    "ClassMembership",
    "ClassUnit",
    "CurriculumLine",
    "Employee",
    "GradingSettings",
    "Guardian",
    "Guardianship",
    "Holiday",
    "PersonalDataAccess",
    "ReportingPeriod",
    "School",
    "SchoolYear",
    "Student",
    "StudyGroup",
    "StudyGroupMembership",
    "Subject",
    "TeachingAssignment",
    "WorkType",
]
