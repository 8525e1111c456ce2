"""The administrator's timetable: the bell schedule, each class's weekly grid, generating the dated
lessons, and the day's changes to lessons (substitution, move, cancellation, extra lesson).

The school's administrators edit (``access.can_manage_timetable``); its staff read the bell schedule,
the timetables and the day's changes.
"""

from __future__ import annotations

import datetime
import uuid

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from .. import access
from ..forms import timetable as forms
from ..models import LessonChange, ReportingPeriod, School
from ..selectors import timetable as selectors
from ..services import lesson_changes as change_services
from ..services import timetable as services

READERS = (access.ADMINISTRATOR, access.STAFF)

# kind (as in the URL) → its form, the page's title, the message once recorded
CHANGE_KINDS = {
    LessonChange.Kind.SUBSTITUTION: (
        forms.SubstitutionForm,
        gettext_lazy("Substitute the teacher"),
        gettext_lazy("The substitution is recorded."),
    ),
    LessonChange.Kind.MOVE: (forms.MoveForm, gettext_lazy("Move the lesson"), gettext_lazy("The move is recorded.")),
    LessonChange.Kind.CANCELLATION: (
        forms.CancellationForm,
        gettext_lazy("Cancel the lesson"),
        gettext_lazy("The lesson is cancelled."),
    ),
    LessonChange.Kind.EXTRA: (
        forms.ExtraLessonForm,
        gettext_lazy("Add an extra lesson"),
        gettext_lazy("The extra lesson is added."),
    ),
}


def add_service_error(form, error: ValidationError) -> None:
    """Show a service's refusal on the form: on the field it names when the form has one, else above."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _uuid(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(value) if value else None
    except ValueError:
        raise Http404 from None


def _school(request) -> School:
    """The school the page is about: ``?school=`` among those the user serves, else the first of them."""
    schools = access.schools_served_by(request.user).order_by("name")
    chosen = _uuid(request.GET.get("school"))
    school = get_object_or_404(schools, public_id=chosen) if chosen else schools.first()
    if school is None:
        raise PermissionDenied
    return school


def _today(school: School):
    return timezone.localdate(timezone=school.zone)


# --- The bell schedule and the list of timetables ----------------------------------------------


def _school_year(request, school):
    years = selectors.school_years_of(school)
    chosen = _uuid(request.GET.get("year"))
    if chosen:
        year = next((year for year in years if year.public_id == chosen), None)
        if year is None:
            raise Http404
    else:
        year = selectors.school_year_on(years, _today(school))
    return year, years


@access.require_role(*READERS)
def bell_schedule(request):
    """The bell schedule of each shift; an administrator edits one shift at a time."""
    school = _school(request)
    year, years = _school_year(request, school)
    can_edit = access.can_manage_timetable(request.user, school)
    try:
        shift = int(request.GET.get("shift", 1))
    except ValueError:
        shift = 1
    shift = shift if shift in services.SHIFTS else 1
    schedule = selectors.bell_schedule(year)
    formset, refused = None, []
    if can_edit and year is not None:
        formset = forms.bell_period_formset(
            request.POST if request.method == "POST" else None, periods=schedule.get(shift, [])
        )
    if request.method == "POST":
        if formset is None:
            raise PermissionDenied
        if formset.is_valid():
            try:
                services.bell_period_set(school_year=year, shift=shift, periods=formset.periods(), by=request.user)
            except ValidationError as error:
                refused = error.messages
            else:
                messages.success(request, _("The bell schedule of shift %(shift)s is saved.") % {"shift": shift})
                query = urlencode({"school": school.public_id, "year": year.public_id, "shift": shift})
                return redirect(f"{reverse('gradebook:bell-schedule')}?{query}")
    context = {
        "school": school,
        "year": year,
        "years": years,
        "shift": shift,
        "shifts": services.SHIFTS,
        "schedule": sorted(schedule.items()),
        "formset": formset,
        "refused": refused,
        "can_edit": can_edit,
    }
    return render(request, "gradebook/timetable_bells.html", context)


@access.require_role(*READERS)
def timetable_list(request):
    """The year's classes, each with a link to its weekly timetable."""
    school = _school(request)
    year, years = _school_year(request, school)
    lines = selectors.timetable_classes(year) if year else []
    context = {"school": school, "year": year, "years": years, "lines": lines}
    return render(request, "gradebook/timetable_list.html", context)


# --- A class's timetable ------------------------------------------------------------------------


def _grid_url(class_unit, **query) -> str:
    url = reverse("gradebook:timetable-class", kwargs={"public_id": class_unit.public_id})
    return f"{url}?{urlencode(query)}" if query else url


def _warn_unassigned(request, entry, class_unit) -> None:
    selectors.mark_assignments([entry], class_unit)
    if not entry.has_assignment:
        messages.warning(
            request,
            _(
                "%(teacher)s has no teaching assignment for %(subject)s in %(unit)s: add one, or their "
                "journal will not list these lessons."
            )
            % {
                "teacher": entry.teacher.short_name,
                "subject": entry.subject,
                "unit": entry.class_unit or entry.study_group,
            },
        )


@access.require_role(*READERS)
def timetable_class(request, public_id):
    """A class's weekly grid (its subgroups' entries too); an administrator adds, edits and removes entries."""
    class_unit = get_object_or_404(
        access.classes_visible_to(request.user).select_related("school_year__school"), public_id=public_id
    )
    school = class_unit.school_year.school
    can_edit = access.can_manage_timetable(request.user, school)
    entries = selectors.class_entries(class_unit).select_related("subject", "teacher", "study_group")
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        entry = None
        if request.POST.get("entry"):
            try:
                entry = get_object_or_404(entries, pk=int(request.POST["entry"]))
            except ValueError:
                raise Http404 from None
        if entry is not None and request.POST.get("action") == "delete":
            try:
                removed = services.timetable_entry_delete(entry=entry, by=request.user)
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(
                    request,
                    ngettext(
                        "The entry is removed, with %(count)s lesson that had no records.",
                        "The entry is removed, with %(count)s lessons that had no records.",
                        removed,
                    )
                    % {"count": removed},
                )
            return redirect(_grid_url(class_unit))
        form = forms.TimetableEntryForm(request.POST, class_unit=class_unit)
        if form.is_valid():
            try:
                if entry is None:
                    saved = services.timetable_entry_create(**form.service_arguments(), by=request.user)
                else:
                    saved = services.timetable_entry_update(entry=entry, **form.service_arguments(), by=request.user)
            except ValidationError as error:
                add_service_error(form, error)
            else:
                messages.success(request, _("The timetable is saved."))
                _warn_unassigned(request, saved, class_unit)
                return redirect(_grid_url(class_unit))
        editing = entry
    else:
        editing = None
        if request.GET.get("edit"):
            try:
                editing = get_object_or_404(entries, pk=int(request.GET["edit"]))
            except ValueError:
                raise Http404 from None
        if editing is not None:
            form = forms.TimetableEntryForm(class_unit=class_unit, entry=editing)
        else:  # "add" from an empty cell of the grid fills in its day and number
            initial = {name: request.GET[name] for name in ("weekday", "number") if request.GET.get(name)}
            form = forms.TimetableEntryForm(class_unit=class_unit, initial=initial)
    context = {
        "class_unit": class_unit,
        "school": school,
        "grid": selectors.timetable_grid(class_unit),
        "can_edit": can_edit,
        "form": form if can_edit else None,
        "editing": editing,
    }
    return render(request, "gradebook/timetable_class.html", context)


@access.require_role(access.ADMINISTRATOR)
def lessons_generate(request, public_id):
    """Make the class's dated lessons (its subgroups' too) for a chosen period, and show the counts."""
    class_unit = get_object_or_404(
        access.classes_visible_to(request.user).select_related("school_year__school"), public_id=public_id
    )
    if not access.can_manage_timetable(request.user, class_unit.school_year.school):
        raise PermissionDenied
    periods = ReportingPeriod.objects.filter(
        school_year_id=class_unit.school_year_id,
        min_grade__lte=class_unit.grade_level,
        max_grade__gte=class_unit.grade_level,
        closed_at__isnull=True,
    ).order_by("starts_on", "kind")
    form = forms.LessonsGenerateForm(request.POST or None, periods=periods)
    result = None
    if request.method == "POST" and form.is_valid():
        try:
            result = services.lessons_generate(
                period=form.cleaned_data["period"], class_unit=class_unit, by=request.user
            )
        except ValidationError as error:
            add_service_error(form, error)
    context = {"class_unit": class_unit, "form": form, "result": result, "has_periods": periods.exists()}
    return render(request, "gradebook/timetable_generate.html", context)


# --- The day's changes ----------------------------------------------------------------------------


@access.require_role(*READERS)
def lesson_changes(request):
    """The school's changes of a day and its lessons, with the links that record a change."""
    school = _school(request)
    today = _today(school)
    year = selectors.school_year_on(selectors.school_years_of(school), today)
    classes = access.classes_visible_to(request.user).filter(school_year=year).order_by("grade_level", "letter")
    form = forms.ChangesFilterForm(request.GET or None, classes=classes)
    filters = form.cleaned_data if form.is_valid() else {}
    day = filters.get("date") or today
    class_unit = filters.get("class_unit")
    context = {
        "school": school,
        "year": year,
        "form": form,
        "day": day,
        "previous_day": day - datetime.timedelta(days=1),
        "next_day": day + datetime.timedelta(days=1),
        "class_unit": class_unit,
        "changes": selectors.day_changes(school, day, class_unit),
        "lessons": selectors.day_lessons(school, day, class_unit),
        "can_edit": access.can_manage_timetable(request.user, school),
    }
    return render(request, "gradebook/lesson_change_list.html", context)


@access.require_role(access.ADMINISTRATOR)
def lesson_change_create(request, lesson_public_id, kind):
    """Record a substitution, a move, a cancellation, or an extra lesson for the lesson's class or group."""
    if kind not in CHANGE_KINDS:
        raise Http404
    lesson = access.get_changeable_lesson(request.user, lesson_public_id)
    form_class, title, done = CHANGE_KINDS[kind]
    form = form_class(request.POST or None, lesson=lesson)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if kind == LessonChange.Kind.SUBSTITUTION:
                change = change_services.lesson_substitute(lesson=lesson, by=request.user, **data)
            elif kind == LessonChange.Kind.MOVE:
                change = change_services.lesson_move(lesson=lesson, by=request.user, **data)
            elif kind == LessonChange.Kind.CANCELLATION:
                change = change_services.lesson_cancel(lesson=lesson, by=request.user, **data)
            else:
                change = change_services.lesson_add_extra(
                    class_unit=lesson.class_unit, study_group=lesson.study_group, by=request.user, **data
                )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, done)
            query = urlencode({"school": lesson.school.public_id, "date": change.lesson.date.isoformat()})
            return redirect(f"{reverse('gradebook:lesson-changes')}?{query}")
    context = {
        "lesson": lesson,
        "kind": kind,
        "title": title,
        "form": form,
        "history": lesson.changes.select_related("old_teacher", "recorded_by").order_by("created_at", "pk"),
    }
    return render(request, "gradebook/lesson_change_form.html", context)
