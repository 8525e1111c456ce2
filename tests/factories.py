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
