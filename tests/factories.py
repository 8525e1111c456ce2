"""factory_boy factories for ediary's models."""

import datetime

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from consent.models import ConsentDocument
from gradebook import models


def this_school_year_start() -> datetime.date:
    today = timezone.localdate()
    year = today.year if today.month >= 9 else today.year - 1
    return datetime.date(year, 9, 1)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.test")
    password = factory.django.Password("secret-pass-42")


class SchoolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.School

    name = factory.Sequence(lambda n: f"МОУ «Школа № {n + 1}»")
    short_name = factory.Sequence(lambda n: f"Школа № {n + 1}")


class SchoolYearFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.SchoolYear

    school = factory.SubFactory(SchoolFactory)
    starts_on = factory.LazyFunction(this_school_year_start)
    ends_on = factory.LazyAttribute(lambda o: datetime.date(o.starts_on.year + 1, 8, 31))
    title = factory.LazyAttribute(lambda o: f"{o.starts_on.year}/{o.starts_on.year + 1}")


class ReportingPeriodFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.ReportingPeriod

    school_year = factory.SubFactory(SchoolYearFactory)
    kind = models.ReportingPeriod.Kind.QUARTER
    number = 1
    starts_on = factory.LazyAttribute(lambda o: o.school_year.starts_on)
    ends_on = factory.LazyAttribute(lambda o: o.school_year.starts_on + datetime.timedelta(weeks=8))


class HolidayFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Holiday

    school_year = factory.SubFactory(SchoolYearFactory)
    name = "Осенние каникулы"
    starts_on = factory.LazyAttribute(lambda o: o.school_year.starts_on + datetime.timedelta(weeks=8))
    ends_on = factory.LazyAttribute(lambda o: o.starts_on + datetime.timedelta(days=8))


class PersonFactory(factory.django.DjangoModelFactory):
    school = factory.SubFactory(SchoolFactory)
    surname = factory.Iterator(["Иванов", "Петров", "Смирнов", "Кузнецов", "Соколов"])
    name = factory.Iterator(["Алексей", "Мария", "Дмитрий", "Анна", "Иван"])
    patronymic = factory.Iterator(["Сергеевич", "Андреевна", "Игоревич", "Павловна", ""])
    user = None


class StudentFactory(PersonFactory):
    class Meta:
        model = models.Student

    birth_date = datetime.date(2015, 3, 14)


class GuardianFactory(PersonFactory):
    class Meta:
        model = models.Guardian


class EmployeeFactory(PersonFactory):
    class Meta:
        model = models.Employee

    is_teacher = True


class ClassUnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.ClassUnit

    school_year = factory.SubFactory(SchoolYearFactory)
    grade_level = 5
    letter = factory.Iterator(["А", "Б", "В", "Г"])
    class_teacher = None


class ClassMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.ClassMembership

    student = factory.SubFactory(StudentFactory)
    class_unit = factory.SubFactory(ClassUnitFactory)
    starts_on = factory.LazyAttribute(lambda o: o.class_unit.school_year.starts_on)


class GuardianshipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Guardianship

    guardian = factory.SubFactory(GuardianFactory)
    student = factory.SubFactory(StudentFactory)
    relation = models.Guardianship.Relation.MOTHER
    starts_on = datetime.date(2015, 3, 14)


class SubjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Subject
        django_get_or_create = ("school", "name")

    school = factory.SubFactory(SchoolFactory)
    name = "Математика"


class StudyGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.StudyGroup

    school_year = factory.SubFactory(SchoolYearFactory)
    name = factory.Sequence(lambda n: f"Английский язык, группа {n + 1}")
    class_unit = None
    kind = models.StudyGroup.Kind.STREAM


class StudyGroupMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.StudyGroupMembership

    group = factory.SubFactory(StudyGroupFactory)
    student = factory.SubFactory(StudentFactory)
    starts_on = factory.LazyAttribute(lambda o: o.group.school_year.starts_on)


class TeachingAssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.TeachingAssignment

    teacher = factory.SubFactory(EmployeeFactory)
    subject = factory.SubFactory(SubjectFactory)
    class_unit = factory.SubFactory(ClassUnitFactory)
    study_group = None
    starts_on = factory.LazyAttribute(lambda o: (o.class_unit or o.study_group).school_year.starts_on)


class WorkTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.WorkType
        django_get_or_create = ("school", "name")

    school = factory.SubFactory(SchoolFactory)
    name = "Ответ на уроке"


class CurriculumLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.CurriculumLine

    school_year = factory.SubFactory(SchoolYearFactory)
    subject = factory.SubFactory(SubjectFactory)
    grade_level = 5
    planned_hours = 170


class ConsentDocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ConsentDocument
        django_get_or_create = ("school", "version")

    school = factory.SubFactory(SchoolFactory)
    version = 1
    effective_from = datetime.date(2025, 9, 1)
    operator = factory.LazyAttribute(lambda o: o.school.name)
    purpose = "Информирование законных представителей о ходе обучения в электронной форме"
    data_list = "ФИО, класс, отметки, посещаемость, домашние задания, контактные данные"
    third_parties = "SMS-шлюз, почтовый сервис, городской портал"
    actions = "Сбор, запись, хранение, передача, удаление"
    term = "До окончания обучения или до отзыва согласия"
    withdrawal = "Письменное заявление в канцелярию школы"


def record_decision(guardian, student, decision="consent", signed_on=None, **extra):
    """A decision through the registry's own service, so that the access flags follow it."""
    from consent.services.records import consent_record

    ConsentDocumentFactory(school=student.school)
    return consent_record(
        student=student,
        guardian=guardian,
        decision=decision,
        form=extra.pop("form", "paper"),
        paper_number=extra.pop("paper_number", "17"),
        paper_date=extra.pop("paper_date", timezone.localdate()),
        signed_on=signed_on or timezone.localdate(),
        **extra,
    )


class LessonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Lesson

    class_unit = factory.SubFactory(ClassUnitFactory)
    study_group = None
    school = factory.LazyAttribute(lambda o: (o.class_unit or o.study_group).school_year.school)
    subject = factory.SubFactory(SubjectFactory, school=factory.SelfAttribute("..school"))
    teacher = factory.SubFactory(EmployeeFactory, school=factory.SelfAttribute("..school"))
    date = factory.LazyFunction(timezone.localdate)
    number = 1


# --- The journal: bells, timetable, lesson changes, marks, attendance, homework, control works,
# recommendations (the family diary's tests build on them).


def _bell_start(number: int) -> datetime.time:
    """Lesson 1 at 8:30, 45 minutes each with 10-minute breaks (lesson 0 at 7:35)."""
    minutes = 8 * 60 + 30 + (number - 1) * 55
    return datetime.time(minutes // 60, minutes % 60)


def _bell_end(number: int) -> datetime.time:
    minutes = 8 * 60 + 30 + (number - 1) * 55 + 45
    return datetime.time(minutes // 60, minutes % 60)


class BellPeriodFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.BellPeriod
        django_get_or_create = ("school_year", "shift", "number")

    school_year = factory.SubFactory(SchoolYearFactory)
    shift = 1
    number = 1
    starts_at = factory.LazyAttribute(lambda o: _bell_start(o.number))
    ends_at = factory.LazyAttribute(lambda o: _bell_end(o.number))


class TimetableEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.TimetableEntry

    class_unit = factory.SubFactory(ClassUnitFactory)
    study_group = None
    school_year = factory.LazyAttribute(lambda o: (o.class_unit or o.study_group).school_year)
    subject = factory.SubFactory(SubjectFactory, school=factory.SelfAttribute("..school_year.school"))
    teacher = factory.SubFactory(EmployeeFactory, school=factory.SelfAttribute("..school_year.school"))
    weekday = 1
    number = 1
    starts_on = factory.LazyAttribute(lambda o: o.school_year.starts_on)


class LessonChangeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.LessonChange

    lesson = factory.SubFactory(LessonFactory)
    school = factory.LazyAttribute(lambda o: o.lesson.school)
    kind = models.LessonChange.Kind.SUBSTITUTION
    reason = "Курсы повышения квалификации"
    recorded_by = factory.SubFactory(UserFactory)


class MarkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Mark

    lesson = factory.SubFactory(LessonFactory)
    school = factory.LazyAttribute(lambda o: o.lesson.school)
    student = factory.SubFactory(StudentFactory, school=factory.SelfAttribute("..school"))
    subject = factory.LazyAttribute(lambda o: o.lesson.subject)
    date = factory.LazyAttribute(lambda o: o.lesson.date)
    value = 5
    work_type = factory.SubFactory(WorkTypeFactory, school=factory.SelfAttribute("..school"))
    weight = factory.LazyAttribute(lambda o: o.work_type.weight)
    recorded_by = factory.SubFactory(UserFactory)


class AttendanceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Attendance

    lesson = factory.SubFactory(LessonFactory)
    school = factory.LazyAttribute(lambda o: o.lesson.school)
    student = factory.SubFactory(StudentFactory, school=factory.SelfAttribute("..school"))
    date = factory.LazyAttribute(lambda o: o.lesson.date)
    code = "н"
    recorded_by = factory.SubFactory(UserFactory)


class HomeworkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Homework

    lesson = factory.SubFactory(LessonFactory)
    school = factory.LazyAttribute(lambda o: o.lesson.school)
    text = "§ 12, упражнения 3–5"
    recorded_by = factory.SubFactory(UserFactory)


class HomeworkFileFactory(factory.django.DjangoModelFactory):
    """A small PDF written to the storage (point MEDIA_ROOT at a temporary directory in the test)."""

    class Meta:
        model = models.HomeworkFile

    homework = factory.SubFactory(HomeworkFactory)
    name = "задание.pdf"
    file = factory.django.FileField(filename="task.pdf", data=b"%PDF-1.4\n%%EOF\n")
    size = 15


class ControlWorkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.ControlWork

    class_unit = factory.SubFactory(ClassUnitFactory)
    study_group = None
    school = factory.LazyAttribute(lambda o: (o.class_unit or o.study_group).school_year.school)
    subject = factory.SubFactory(SubjectFactory, school=factory.SelfAttribute("..school"))
    lesson = None
    date = factory.LazyFunction(timezone.localdate)
    number = 2
    topic = "Обыкновенные дроби"
    kind = models.ControlWork.Kind.TEST
    created_by = factory.SubFactory(UserFactory)


class RecommendationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Recommendation

    student = factory.SubFactory(StudentFactory)
    school = factory.LazyAttribute(lambda o: o.student.school)
    teacher = factory.SubFactory(EmployeeFactory, school=factory.SelfAttribute("..school"))
    subject = None
    text = "Повторить таблицу умножения на 7 и 8."


# --- Finals and deferrals.


class FinalMarkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.FinalMark

    period = factory.SubFactory(ReportingPeriodFactory)
    school_year = factory.LazyAttribute(lambda o: o.period.school_year if o.period else SchoolYearFactory())
    school = factory.LazyAttribute(lambda o: o.school_year.school)
    student = factory.SubFactory(StudentFactory, school=factory.SelfAttribute("..school"))
    subject = factory.SubFactory(SubjectFactory, school=factory.SelfAttribute("..school"))
    kind = "period"
    value = "5"
    recorded_by = factory.SubFactory(UserFactory)
    recorded_at = factory.LazyFunction(timezone.now)


class DeferralFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Deferral

    period = factory.SubFactory(ReportingPeriodFactory)
    school = factory.LazyAttribute(lambda o: o.period.school_year.school)
    student = factory.SubFactory(StudentFactory, school=factory.SelfAttribute("..school"))
    subject = factory.SubFactory(SubjectFactory, school=factory.SelfAttribute("..school"))
    reason = "Болезнь"
    due_on = factory.LazyAttribute(lambda o: o.period.ends_on + datetime.timedelta(days=14))
    recorded_by = factory.SubFactory(UserFactory)
