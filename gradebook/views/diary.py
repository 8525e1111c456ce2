"""The family diary, for a parent per child and for a student: the week, marks, the forecast, finals,
the timetable, control works, holidays, recommendations, and homework files.

Every page goes through ``access.get_family_student``: a family without a valid consent gets the
page that explains how to give it, anyone else outside the student's circle a 404; teachers and
the school's staff who may see the student open the same pages, and their openings are logged.
"""

import functools
import mimetypes

from django import forms
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .. import access
from ..selectors import diary
from ..services.forecast import PeriodProgress

RECOMMENDATIONS_PER_PAGE = 20
MIN_YEAR, MAX_YEAR = 2000, 2100  # the week's links step a week either way: keep far from date.min/max


def family_page(url_name: str):
    """Open the student of ``public_id`` for a diary page (logged as ``url_name``), or explain consent."""

    def decorator(view):
        @functools.wraps(view)
        def wrapper(request, public_id, **kwargs):
            student, shown = access.get_family_student(request.user, public_id, log_as=url_name)
            if not shown:
                return render(request, "gradebook/consent_required.html", {"student": student})
            return view(request, student, **kwargs)

        return wrapper

    return decorator


def _today(student):
    """Today in the student's school's time zone."""
    return timezone.localdate(timezone=student.school.zone)


class WeekForm(forms.Form):
    """``?date=YYYY-MM-DD``: any day of the week to show (this week when missing or wrong)."""

    date = forms.DateField(required=False, input_formats=["%Y-%m-%d"])

    def clean_date(self):
        day = self.cleaned_data["date"]
        if day is not None and not MIN_YEAR <= day.year <= MAX_YEAR:
            raise forms.ValidationError(_("Choose a date between 2000 and 2100."), code="out_of_range")
        return day


def _page(request, template: str, student, tab: str, class_unit, **context):
    return render(
        request, f"gradebook/{template}", {"student": student, "tab": tab, "class_unit": class_unit, **context}
    )


@family_page("gradebook:diary-week")
def week(request, student):
    today = _today(student)
    form = WeekForm(request.GET)
    day = (form.cleaned_data["date"] if form.is_valid() else None) or today
    the_week = diary.week_for(student, day, today=today)
    return _page(request, "diary_week.html", student, "week", the_week.class_unit, week=the_week)


def _periods(student, public_id):
    """The standing today, the grade level's periods and the chosen one (404 for an unknown id)."""
    today = _today(student)
    standing = diary.standing_of(diary.enrolment_for(student, today), today)
    periods = diary.periods_of(standing)
    period, found = diary.pick_period(periods, public_id, today)
    if not found:
        raise Http404
    return today, standing, periods, period


def _has_marks(standing) -> bool:
    return standing.class_unit.has_marks if standing.class_unit else True


@family_page("gradebook:diary-marks")
def marks(request, student):
    today, standing, periods, period = _periods(student, request.GET.get("period"))
    has_marks = _has_marks(standing)
    lines = diary.forecasts_of_period(student, period, today) if period and has_marks else []
    return _page(
        request,
        "diary_marks.html",
        student,
        "marks",
        standing.class_unit,
        periods=periods,
        period=period,
        lines=lines,
        has_marks=has_marks,
    )


@family_page("gradebook:diary-forecast")
def forecast(request, student):
    """Where each subject of the period is heading, the subjects at risk first."""
    today, standing, periods, period = _periods(student, request.GET.get("period"))
    has_marks = _has_marks(standing)
    items = diary.risks_first(diary.forecasts_of_period(student, period, today)) if period and has_marks else []
    return _page(
        request,
        "diary_forecast.html",
        student,
        "forecast",
        standing.class_unit,
        periods=periods,
        period=period,
        items=items,
        progress=PeriodProgress.of(period.starts_on, period.ends_on, today) if period else None,
        has_marks=has_marks,
    )


@family_page("gradebook:diary-finals")
def finals(request, student):
    """The finals of the current school year that the 24-hour rule has published, and open deferrals."""
    today = _today(student)
    standing = diary.standing_of(diary.enrolment_for(student, today), today)
    table = None
    if standing.school_year is not None:
        table = diary.finals_for_year(student, standing.school_year, diary.periods_of(standing), timezone.now())
    return _page(
        request,
        "diary_finals.html",
        student,
        "finals",
        standing.class_unit,
        table=table,
        school_year=standing.school_year,
    )


@family_page("gradebook:diary-timetable")
def timetable(request, student):
    today = _today(student)
    enrolment = diary.enrolment_for(student, today)
    standing = diary.standing_of(enrolment, today)
    days = diary.timetable_for(enrolment, standing, today)
    return _page(request, "diary_timetable.html", student, "timetable", standing.class_unit, days=days, today=today)


@family_page("gradebook:diary-control-works")
def control_works(request, student):
    today, standing, periods, period = _periods(student, request.GET.get("period"))
    works = diary.control_works_for(student, period) if period else []
    return _page(
        request,
        "diary_control_works.html",
        student,
        "control-works",
        standing.class_unit,
        periods=periods,
        period=period,
        works=works,
        today=today,
    )


@family_page("gradebook:diary-holidays")
def holidays(request, student):
    today = _today(student)
    standing = diary.standing_of(diary.enrolment_for(student, today), today)
    calendar = diary.calendar_for(standing)
    return _page(
        request,
        "diary_holidays.html",
        student,
        "holidays",
        standing.class_unit,
        calendar=calendar,
        school_year=standing.school_year,
        today=today,
    )


@family_page("gradebook:diary-recommendations")
def recommendations(request, student):
    today = _today(student)
    standing = diary.standing_of(diary.enrolment_for(student, today), today)
    page = Paginator(diary.recommendations_for(student), RECOMMENDATIONS_PER_PAGE).get_page(request.GET.get("page"))
    return _page(request, "diary_recommendations.html", student, "recommendations", standing.class_unit, page=page)


@family_page("gradebook:homework-file")
def homework_file(request, student, file_public_id):
    """A homework file of one of the student's lessons, as a download; never a public media URL."""
    file = access.get_student_homework_file(student, file_public_id)
    try:
        handle = file.file.open("rb")
    except FileNotFoundError as missing:
        raise Http404 from missing
    content_type = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
    response = FileResponse(handle, content_type=content_type, as_attachment=True, filename=file.name)
    response["Cache-Control"] = "private"
    response["X-Content-Type-Options"] = "nosniff"
    return response
