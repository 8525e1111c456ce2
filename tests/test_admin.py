"""The Django admin: every queryset, choice and permission scoped to the schools a user administers.

School A is the world's school (``world.admin`` administers it); school B is ``world.other_school``.
Each test that is about "not yours" checks the other school's row explicitly.
"""

import datetime

import pytest
from django.apps import apps
from django.contrib import admin
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from gradebook import models
from gradebook.admin.base import SchoolScoped, SchoolScopedAdmin

from . import factories as f

GRADEBOOK_ADMINS = {
    model: model_admin for model, model_admin in admin.site._registry.items() if model._meta.app_label == "gradebook"
}


def url(model, action: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{action}", args=args)


def _staff(employee):
    employee.user.is_staff = True
    employee.user.save(update_fields=["is_staff"])
    return employee.user


@pytest.fixture
def admin_client_a(world, client):
    """The administrator of school A, on the admin site."""
    client.force_login(_staff(world.admin))
    return client


@pytest.fixture
def superuser_client(db):
    client = Client()
    client.force_login(f.UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def _grading(year):
    grading = models.GradingSettings.objects.create(school_year=year)
    code = models.AttendanceCode.objects.create(grading=grading, code="н", name="absent")
    return grading, code


def _school_rows(school, year, student, guardian, employee, class_unit, membership, guardianship, assignment):
    """One row of every gradebook model for a school."""
    subject = f.SubjectFactory(school=school, name="Математика")
    group = f.StudyGroupFactory(school_year=year)
    grading, code = _grading(year)
    login = student.user or f.UserFactory()
    return {
        models.School: school,
        models.SchoolYear: year,
        models.ReportingPeriod: f.ReportingPeriodFactory(school_year=year),
        models.Holiday: f.HolidayFactory(school_year=year),
        models.Student: student,
        models.Guardian: guardian,
        models.Employee: employee,
        models.Guardianship: guardianship,
        models.ClassUnit: class_unit,
        models.ClassMembership: membership,
        models.StudyGroup: group,
        models.StudyGroupMembership: f.StudyGroupMembershipFactory(group=group, student=student),
        models.Subject: subject,
        models.WorkType: f.WorkTypeFactory(school=school),
        models.CurriculumLine: f.CurriculumLineFactory(school_year=year, subject=subject),
        models.TeachingAssignment: assignment,
        models.GradingSettings: grading,
        models.AttendanceCode: code,
        models.Activation: models.Activation.objects.create(
            user=login,
            school=school,
            channel=models.Activation.Channel.EMAIL,
            secret_hash=f"{school.pk:064d}",
            expires_at=timezone.now() + datetime.timedelta(days=14),
        ),
    }


@pytest.fixture
def rows(world):
    """``{model: (row of school A, row of school B)}`` for every gradebook model."""
    a = _school_rows(
        world.school,
        world.year,
        world.student,
        world.parent,
        world.teacher,
        world.class_5a,
        world.student.class_memberships.get(),
        world.guardianship,
        world.teacher.assignments.get(),
    )
    b_student = world.other_school_student
    b_membership = b_student.class_memberships.select_related("class_unit__school_year").get()
    b_guardian = f.GuardianFactory(school=world.other_school, surname="Чужова")
    b_teacher = f.EmployeeFactory(school=world.other_school, surname="Чужой")
    b = _school_rows(
        world.other_school,
        b_membership.class_unit.school_year,
        b_student,
        b_guardian,
        b_teacher,
        b_membership.class_unit,
        b_membership,
        f.GuardianshipFactory(guardian=b_guardian, student=b_student),
        f.TeachingAssignmentFactory(
            teacher=b_teacher,
            subject=f.SubjectFactory(school=world.other_school, name="Математика"),
            class_unit=b_membership.class_unit,
        ),
    )
    return {model: (a[model], b[model]) for model in a}


def _listed_pks(response) -> set:
    assert response.status_code == 200
    return {obj.pk for obj in response.context["cl"].result_list}


# --- The registry ----------------------------------------------------------------------------


def _resolves_to_school(model, path: str) -> bool:
    if path == "pk":
        return model is models.School
    for part in path.split("__"):
        model = model._meta.get_field(part).related_model
        if model is None:
            return False
    return model is models.School


# Not in the admin site: the append-only access log has nothing to edit; administrators read it
# on the portal (gradebook:access-log), scoped by the same policy. The journal (timetable, lessons,
# marks, attendance, homework, control works, recommendations, history) is written only through
# its services, which keep the history and announce each change: the portal's pages edit it. So are
# finals and deferrals (the 24-hour publication and its announcement live in the services).
NOT_IN_ADMIN = {
    models.PersonalDataAccess,
    models.BellPeriod,
    models.TimetableEntry,
    models.Lesson,
    models.LessonChange,
    models.Mark,
    models.Attendance,
    models.Homework,
    models.HomeworkFile,
    models.ControlWork,
    models.Recommendation,
    models.JournalChange,
    models.FinalMark,
    models.FinalMarkChange,
    models.Deferral,
    models.DeferralExtension,
}


def test_every_gradebook_model_is_registered():
    assert set(apps.get_app_config("gradebook").get_models()) - NOT_IN_ADMIN == set(GRADEBOOK_ADMINS)


@pytest.mark.parametrize("model", GRADEBOOK_ADMINS, ids=lambda m: m.__name__)
def test_every_admin_and_inline_declares_its_path_to_the_school(model):
    model_admin = GRADEBOOK_ADMINS[model]
    assert isinstance(model_admin, SchoolScopedAdmin)
    assert model_admin.school_path
    assert _resolves_to_school(model, model_admin.school_path)
    for inline in model_admin.inlines:
        assert issubclass(inline, SchoolScoped), inline
        assert inline.school_path, inline
        assert _resolves_to_school(inline.model, inline.school_path), inline


def test_the_fixture_covers_every_registered_model(rows):
    assert set(rows) == set(GRADEBOOK_ADMINS)


# --- Who gets in ------------------------------------------------------------------------------


def test_site_titles_are_translated_strings():
    with translation.override("en"):
        assert str(admin.site.site_header) == "ediary administration"
        assert str(admin.site.site_title) == "ediary administration"
    with translation.override("ru"):
        assert str(admin.site.site_header) != "ediary administration"


def test_a_parent_without_is_staff_is_sent_to_the_admin_login(world, client):
    client.force_login(world.parent.user)
    for path in (reverse("admin:index"), url(models.Student, "changelist")):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))


def test_anonymous_is_sent_to_a_login_page(db, client):
    response = client.get(url(models.Student, "changelist"))
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_staff_without_an_administrator_profile_sees_no_school_data(world, client):
    """is_staff opens the site; only the access policy opens the school's data."""
    client.force_login(_staff(world.staff))
    assert client.get(url(models.Student, "changelist")).status_code == 403
    assert client.get(url(models.Student, "change", world.student.pk)).status_code == 403
    index = client.get(reverse("admin:index"))
    assert index.status_code == 200
    assert not [app for app in index.context["app_list"] if app["app_label"] == "gradebook"]


def test_a_school_administrator_sees_the_gradebook_without_model_permissions(world, admin_client_a):
    assert not world.admin.user.user_permissions.exists()
    index = admin_client_a.get(reverse("admin:index"))
    apps_shown = {app["app_label"]: app for app in index.context["app_list"]}
    assert set(apps_shown) == {"gradebook", "consent", "notifications"}  # the school's data: not logins, not groups
    shown = {entry["object_name"] for entry in apps_shown["gradebook"]["models"]}
    assert shown == {model.__name__ for model in GRADEBOOK_ADMINS}


def test_an_inactive_administrator_profile_opens_nothing(world, admin_client_a):
    models.Employee.objects.filter(pk=world.admin.pk).update(is_active=False)
    assert admin_client_a.get(url(models.Student, "changelist")).status_code == 403


def test_logins_are_for_superusers_only(world, admin_client_a, superuser_client):
    user_model = type(world.admin.user)
    assert admin_client_a.get(url(user_model, "changelist")).status_code == 403
    assert admin_client_a.get(url(user_model, "change", world.parent.user.pk)).status_code == 403
    assert superuser_client.get(url(user_model, "changelist")).status_code == 200
    assert superuser_client.get(url(user_model, "change", world.parent.user.pk)).status_code == 200
    assert superuser_client.get(url(user_model, "add")).status_code == 200


def test_a_superuser_adds_a_login(superuser_client):
    response = superuser_client.post(
        url(models.Student.user.field.related_model, "add"),
        {"username": "newlogin", "email": "new@school.test", "usable_password": "false"},
    )
    assert response.status_code == 302
    assert models.Student.user.field.related_model.objects.filter(username="newlogin").exists()


# --- Scoping: lists, pages, choices ---------------------------------------------------------


@pytest.mark.parametrize("model", GRADEBOOK_ADMINS, ids=lambda m: m.__name__)
def test_changelist_shows_only_the_administrators_school(model, rows, admin_client_a):
    mine, theirs = rows[model]
    listed = _listed_pks(admin_client_a.get(url(model, "changelist")))
    assert mine.pk in listed
    assert theirs.pk not in listed


@pytest.mark.parametrize("model", GRADEBOOK_ADMINS, ids=lambda m: m.__name__)
def test_a_superuser_sees_both_schools(model, rows, superuser_client):
    listed = _listed_pks(superuser_client.get(url(model, "changelist")))
    assert {obj.pk for obj in rows[model]} <= listed


@pytest.mark.parametrize("model", GRADEBOOK_ADMINS, ids=lambda m: m.__name__)
def test_another_schools_object_cannot_be_opened_or_changed(model, rows, admin_client_a):
    """Django's admin answers a missing object with a redirect to the index: the same for "not yours"."""
    theirs = rows[model][1]
    before = model.objects.filter(pk=theirs.pk).values().get()
    for action in ("change", "history", "delete"):
        response = admin_client_a.get(url(model, action, theirs.pk))
        if model is models.School and action == "delete":
            assert response.status_code == 403  # no school is the administrator's to delete
            continue
        assert response.status_code == 302, action
        assert response["Location"] == reverse("admin:index"), action
    response = admin_client_a.post(url(model, "change", theirs.pk), {"name": "Захвачено", "surname": "Захвачено"})
    assert response.status_code == 302
    response = admin_client_a.post(url(model, "delete", theirs.pk), {"post": "yes"})
    assert response.status_code in (302, 403)
    assert model.objects.filter(pk=theirs.pk).values().get() == before


@pytest.mark.parametrize("model", GRADEBOOK_ADMINS, ids=lambda m: m.__name__)
def test_own_objects_open_with_their_forms_and_inlines(model, rows, admin_client_a):
    response = admin_client_a.get(url(model, "change", rows[model][0].pk))
    assert response.status_code == 200
    assert response.context["has_change_permission"]


def _school_b_rows(rows) -> dict:
    return {model: theirs for model, (_mine, theirs) in rows.items()}


def _choice_fields(response):
    """Every foreign-key choice field of the page: the main form's and the inlines' empty forms."""
    forms = [response.context["adminform"].form]
    forms += [inline.formset.empty_form for inline in response.context["inline_admin_formsets"]]
    for form in forms:
        for name, field in form.fields.items():
            # An inline row's hidden id: Django's formset matches it against the inline's own (scoped)
            # rows and ignores an id from elsewhere, so its unscoped choices open nothing.
            if name == form._meta.model._meta.pk.name:
                continue
            if getattr(field, "queryset", None) is not None:
                yield form, name, field


@pytest.mark.parametrize("model", GRADEBOOK_ADMINS, ids=lambda m: m.__name__)
def test_form_choices_exclude_another_schools_rows(model, rows, admin_client_a):
    """The add form (the change form where nothing is added here): no choice of school B."""
    page = url(model, "add") if model not in (models.School, models.Activation) else None
    response = admin_client_a.get(page or url(model, "change", rows[model][0].pk))
    assert response.status_code == 200
    theirs = _school_b_rows(rows)
    for form, name, field in _choice_fields(response):
        related = field.queryset.model
        if related in theirs:
            pks = set(field.queryset.values_list("pk", flat=True))
            assert theirs[related].pk not in pks, (type(form).__name__, name)
            assert rows[related][0].pk in pks, (type(form).__name__, name)


def test_class_choices_of_a_new_membership(world, rows, admin_client_a):
    response = admin_client_a.get(url(models.ClassMembership, "add"))
    classes = response.context["adminform"].form.fields["class_unit"].queryset
    assert world.class_5a in classes
    assert world.class_6b in classes
    assert rows[models.ClassUnit][1] not in classes


def test_a_record_cannot_be_attached_to_another_schools_class(world, rows, admin_client_a):
    theirs = rows[models.ClassUnit][1]
    student = f.StudentFactory(school=world.school)
    response = admin_client_a.post(
        url(models.ClassMembership, "add"),
        {"student": student.pk, "class_unit": theirs.pk, "starts_on": "2025-09-01"},
    )
    assert response.status_code == 200
    assert "class_unit" in response.context["adminform"].form.errors
    assert not models.ClassMembership.objects.filter(student=student).exists()


def test_autocomplete_answers_only_with_the_administrators_school(world, rows, admin_client_a):
    response = admin_client_a.get(
        reverse("admin:autocomplete"),
        {"app_label": "gradebook", "model_name": "classmembership", "field_name": "class_unit", "term": "5"},
    )
    assert response.status_code == 200
    ids = {int(result["id"]) for result in response.json()["results"]}
    assert ids == {world.class_5a.pk}  # 5А here; school B's 5th class is not offered
    response = admin_client_a.get(
        reverse("admin:autocomplete"),
        {"app_label": "gradebook", "model_name": "guardianship", "field_name": "student", "term": ""},
    )
    ids = {int(result["id"]) for result in response.json()["results"]}
    assert world.student.pk in ids
    assert world.other_school_student.pk not in ids


def test_logins_offered_to_a_profile_are_those_of_the_school(world, admin_client_a):
    response = admin_client_a.get(url(models.Student, "change", world.student.pk))
    logins = response.context["adminform"].form.fields["user"].queryset
    assert world.parent.user in logins
    assert world.student.user in logins
    assert world.other_school_admin.user not in logins


def test_inlines_list_the_objects_rows(world, admin_client_a):
    response = admin_client_a.get(url(models.Student, "change", world.student.pk))
    inlines = {inline.opts.model: inline.formset for inline in response.context["inline_admin_formsets"]}
    assert [form.instance for form in inlines[models.Guardianship].forms] == [world.guardianship]
    assert [form.instance.class_unit for form in inlines[models.ClassMembership].forms] == [world.class_5a]


def test_an_administrator_changes_their_own_school_data(world, rows, admin_client_a):
    subject = rows[models.Subject][0]
    response = admin_client_a.post(
        url(models.Subject, "change", subject.pk), {"school": world.school.pk, "name": "Алгебра", "short_name": ""}
    )
    assert response.status_code == 302
    subject.refresh_from_db()
    assert subject.name == "Алгебра"


def test_an_administrator_cannot_move_a_record_to_another_school(world, rows, admin_client_a):
    subject = rows[models.Subject][0]
    response = admin_client_a.post(
        url(models.Subject, "change", subject.pk), {"school": world.other_school.pk, "name": "Алгебра"}
    )
    assert response.status_code == 200
    assert "school" in response.context["adminform"].form.errors
    subject.refresh_from_db()
    assert subject.school == world.school


def test_an_administrator_deletes_their_own_unprotected_rows(rows, admin_client_a):
    holiday = rows[models.Holiday][0]
    response = admin_client_a.post(url(models.Holiday, "delete", holiday.pk), {"post": "yes"})
    assert response.status_code == 302
    assert not models.Holiday.objects.filter(pk=holiday.pk).exists()


@pytest.mark.parametrize("model", GRADEBOOK_ADMINS, ids=lambda m: m.__name__)
def test_a_superuser_opens_both_schools_objects(model, rows, superuser_client):
    for obj in rows[model]:
        assert superuser_client.get(url(model, "change", obj.pk)).status_code == 200


def test_a_new_record_defaults_to_the_administrators_only_school(world, admin_client_a):
    response = admin_client_a.get(url(models.Student, "add"))
    assert response.context["adminform"].form.initial["school"] == world.school.pk


def test_schools_are_edited_not_added_or_deleted_by_an_administrator(world, admin_client_a, superuser_client):
    assert admin_client_a.get(url(models.School, "change", world.school.pk)).status_code == 200
    assert admin_client_a.get(url(models.School, "add")).status_code == 403
    assert admin_client_a.get(url(models.School, "delete", world.school.pk)).status_code == 403
    assert admin_client_a.post(url(models.School, "delete", world.school.pk), {"post": "yes"}).status_code == 403
    assert models.School.objects.filter(pk=world.school.pk).exists()
    assert superuser_client.get(url(models.School, "add")).status_code == 200


def test_activations_are_not_issued_here_and_their_hash_is_not_shown(rows, admin_client_a):
    assert admin_client_a.get(url(models.Activation, "add")).status_code == 403
    mine = rows[models.Activation][0]
    response = admin_client_a.get(url(models.Activation, "change", mine.pk))
    assert mine.secret_hash not in response.content.decode()
    assert set(response.context["adminform"].form.fields) == {"revoked_at"}


def test_electronic_access_is_the_consent_registrys_to_change(world, admin_client_a):
    response = admin_client_a.get(url(models.Guardianship, "change", world.guardianship.pk))
    assert "electronic_access" not in response.context["adminform"].form.fields


def test_record_ids_and_timestamps_are_shown_read_only(world, admin_client_a):
    response = admin_client_a.get(url(models.Student, "change", world.student.pk))
    assert str(world.student.public_id) in response.content.decode()
    assert not {"public_id", "created_at", "updated_at"} & set(response.context["adminform"].form.fields)


# --- Search and filters ---------------------------------------------------------------------------


def test_people_are_found_by_surname(world, admin_client_a):
    listed = _listed_pks(admin_client_a.get(url(models.Student, "changelist"), {"q": "Ученикова"}))
    assert listed == {world.student.pk}
    response = admin_client_a.get(url(models.Student, "changelist"))
    assert response.context["cl"].search_help_text


def test_search_does_not_reach_into_another_school(world, rows, admin_client_a):
    listed = _listed_pks(admin_client_a.get(url(models.Employee, "changelist"), {"q": "Чужой"}))
    assert listed == set()


def test_classes_are_found_by_their_name(world, admin_client_a):
    listed = _listed_pks(admin_client_a.get(url(models.ClassUnit, "changelist"), {"q": "6б"}))
    assert listed == {world.class_6b.pk}


def test_students_filter_by_the_grade_level_of_their_class_today(world, admin_client_a):
    listed = _listed_pks(admin_client_a.get(url(models.Student, "changelist"), {"grade_level": "5"}))
    assert listed == {world.student.pk}


def test_employees_filter_by_role(world, admin_client_a):
    listed = _listed_pks(admin_client_a.get(url(models.Employee, "changelist"), {"is_administrator__exact": "1"}))
    assert listed == {world.admin.pk}


def test_related_filters_offer_only_the_administrators_rows(world, rows, admin_client_a):
    next_year = f.SchoolYearFactory(school=world.school, starts_on=world.year.ends_on + datetime.timedelta(days=1))
    f.ClassUnitFactory(school_year=next_year, grade_level=6)
    response = admin_client_a.get(url(models.ClassUnit, "changelist"))
    (years,) = [
        spec for spec in response.context["cl"].filter_specs if spec.title == models.SchoolYear._meta.verbose_name
    ]
    assert {pk for pk, _title in years.lookup_choices} == {world.year.pk, next_year.pk}


def test_lists_show_each_students_class_and_each_classs_size(world, admin_client_a):
    response = admin_client_a.get(url(models.Student, "changelist"))
    classes = {obj.pk: obj.current_class_label for obj in response.context["cl"].result_list}
    assert classes[world.student.pk] == "5А"
    response = admin_client_a.get(url(models.ClassUnit, "changelist"))
    sizes = {obj.pk: obj.current_students for obj in response.context["cl"].result_list}
    assert sizes == {world.class_5a.pk: 1, world.class_6b.pk: 1}


# --- Query budgets --------------------------------------------------------------------------------


@pytest.fixture
def big_school(world):
    """30 more students in school A, each in a class with a guardian, a group and a login."""
    group = f.StudyGroupFactory(school_year=world.year)
    for n in range(30):
        student = f.StudentFactory(school=world.school, user=f.UserFactory(), surname=f"Ученик{n}")
        f.ClassMembershipFactory(student=student, class_unit=world.class_5a if n % 2 else world.class_6b)
        f.GuardianshipFactory(guardian=f.GuardianFactory(school=world.school, user=f.UserFactory()), student=student)
        f.StudyGroupMembershipFactory(group=group, student=student)
        f.EmployeeFactory(school=world.school)
        f.TeachingAssignmentFactory(
            teacher=world.teacher,
            subject=f.SubjectFactory(school=world.school, name=f"Предмет {n}"),
            class_unit=world.class_5a,
        )
    return world


@pytest.mark.parametrize("model", GRADEBOOK_ADMINS, ids=lambda m: m.__name__)
def test_changelist_queries_do_not_grow_with_the_rows(
    model, rows, big_school, admin_client_a, django_assert_max_num_queries
):
    with django_assert_max_num_queries(14):
        response = admin_client_a.get(url(model, "changelist"))
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) >= 1


def test_a_student_changelist_of_thirty_lists_them_all(big_school, admin_client_a):
    listed = _listed_pks(admin_client_a.get(url(models.Student, "changelist")))
    assert len(listed) == models.Student.objects.filter(school=big_school.school).count() >= 32
