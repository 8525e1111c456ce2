"""What a family reads about each journal event: the cabinet's title and text (also the email's), a short
SMS and the page that shows it. Called inside ``translation.override`` of the family's language.

An SMS names the child by first name only, never a surname, a teacher or a comment, and fits in two
segments (``alerts.sms_fit``). Dates are day and month: families read them within days.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from gradebook.models import ControlWork, FinalMark, Lesson, LessonChange, Mark, Recommendation, Student

from .services.alerts import Alert, sms_fit

TEXT_LENGTH = 600


def _day(value) -> str:
    return f"{value:%d.%m}"


def _page(name: str, student: Student, day=None) -> str:
    url = reverse(f"gradebook:{name}", args=[student.public_id])
    return f"{url}?date={day:%Y-%m-%d}" if day else url


def absence(*, key: str, student: Student, lesson: Lesson) -> Alert:
    facts = {"name": student.name, "date": _day(lesson.date), "number": lesson.number, "subject": lesson.subject.name}
    return Alert(
        student=student,
        key=key,
        title=_("%(name)s: marked absent today") % facts,
        text=_(
            "On %(date)s %(name)s was marked absent from lesson %(number)s (%(subject)s). "
            "If you do not know why, contact the class teacher."
        )
        % facts,
        sms=sms_fit(_("%(name)s was marked absent from lesson %(number)s (%(subject)s) on %(date)s.") % facts),
        url=_page("diary-week", student, lesson.date),
    )


def mark(*, key: str, student: Student, mark: Mark, previous: str) -> Alert:
    facts = {
        "name": student.name,
        "value": mark.value,
        "previous": previous,
        "subject": mark.lesson.subject.name,
        "work_type": mark.work_type.name,
        "date": _day(mark.date),
    }
    if previous:
        title = _("%(name)s: mark in %(subject)s changed to %(value)s") % facts
        text = _("%(subject)s, %(date)s: %(value)s (%(work_type)s) instead of %(previous)s.") % facts
        sms = _("%(name)s: mark in %(subject)s of %(date)s changed from %(previous)s to %(value)s.") % facts
    else:
        title = _("%(name)s: new mark %(value)s in %(subject)s") % facts
        text = _("%(subject)s, %(date)s: %(value)s (%(work_type)s).") % facts
        sms = _("%(name)s: %(value)s in %(subject)s (%(work_type)s), %(date)s.") % facts
    if mark.comment:
        text = f"{text} «{mark.comment}»"
    return Alert(student=student, key=key, title=title, text=text, sms=sms_fit(sms), url=_page("diary-marks", student))


def homework(*, key: str, student: Student, lesson: Lesson, text: str) -> Alert:
    facts = {"name": student.name, "subject": lesson.subject.name, "date": _day(lesson.date)}
    return Alert(
        student=student,
        key=key,
        title=_("%(name)s: homework in %(subject)s") % facts,
        text=(_("Lesson of %(date)s:") % facts) + " " + Truncator(text or "—").chars(TEXT_LENGTH),
        sms=sms_fit(_("%(name)s: new homework in %(subject)s (lesson of %(date)s). Details in the diary.") % facts),
        url=_page("diary-week", student, lesson.date),
    )


def _change_text(lesson: Lesson, change: LessonChange) -> str:
    facts = {
        "subject": lesson.subject.name,
        "date": _day(lesson.date),
        "number": lesson.number,
        "room": lesson.room,
        "old_date": _day(change.old_date) if change.old_date else "",
        "old_number": change.old_number,
    }
    if change.kind == LessonChange.Kind.SUBSTITUTION:
        return _("%(subject)s, %(date)s, lesson %(number)s: another teacher substitutes.") % facts
    if change.kind == LessonChange.Kind.CANCELLATION:
        return _("%(subject)s, %(date)s, lesson %(number)s: cancelled.") % facts
    if change.kind == LessonChange.Kind.EXTRA:
        return _("Extra lesson: %(subject)s, %(date)s, lesson %(number)s.") % facts
    if (change.old_date, change.old_number) == (lesson.date, lesson.number):
        return _("%(subject)s, %(date)s, lesson %(number)s: moved to room %(room)s.") % facts
    return _("%(subject)s: lesson %(old_number)s of %(old_date)s is moved to lesson %(number)s of %(date)s.") % facts


def lesson_change(*, key: str, student: Student, lesson: Lesson, change: LessonChange) -> Alert:
    what = _change_text(lesson, change)
    facts = {"name": student.name, "date": _day(lesson.date)}
    return Alert(
        student=student,
        key=key,
        title=_("%(name)s: timetable change on %(date)s") % facts,
        text=what,
        sms=sms_fit(f"{student.name}: {what}"),
        url=_page("diary-week", student, lesson.date),
    )


def control_work(*, key: str, student: Student, work: ControlWork) -> Alert:
    facts = {
        "name": student.name,
        "kind": work.get_kind_display(),
        "subject": work.subject.name,
        "date": _day(work.date),
        "number": work.number,
        "topic": work.topic,
    }
    when = (
        _("%(kind)s in %(subject)s on %(date)s, lesson %(number)s.") % facts
        if work.number
        else _("%(kind)s in %(subject)s on %(date)s.") % facts
    )
    return Alert(
        student=student,
        key=key,
        title=_("%(name)s: %(kind)s in %(subject)s on %(date)s") % facts,
        text=f"{when} " + _("Topic: %(topic)s.") % facts,
        sms=sms_fit(f"{student.name}: {when}"),
        url=_page("diary-control-works", student),
    )


def recommendation(*, key: str, student: Student, recommendation: Recommendation) -> Alert:
    facts = {"name": student.name, "subject": recommendation.subject.name if recommendation.subject else ""}
    title = (
        _("%(name)s: a teacher's recommendation in %(subject)s") % facts
        if recommendation.subject
        else _("%(name)s: a teacher's recommendation") % facts
    )
    return Alert(
        student=student,
        key=key,
        title=title,
        text=Truncator(recommendation.text).chars(TEXT_LENGTH),
        sms=sms_fit(_("%(name)s: a teacher wrote a recommendation. Read it in the diary.") % facts),
        url=_page("diary-recommendations", student),
    )


def _final_what(final: FinalMark) -> str:
    if final.kind == FinalMark.Kind.PERIOD:
        return _("final for %(period)s") % {"period": final.period}
    if final.kind == FinalMark.Kind.EXAM:
        return _("%(exam)s result") % {"exam": final.get_exam_display()}
    return str(final.get_kind_display())


def final(*, key: str, student: Student, final: FinalMark) -> Alert:
    facts = {"name": student.name, "what": _final_what(final), "subject": final.subject.name, "value": final.shown}
    line = _("%(name)s: %(what)s in %(subject)s — %(value)s") % facts
    return Alert(
        student=student,
        key=key,
        title=line,
        text=_("%(what)s in %(subject)s: %(value)s.") % facts,
        sms=sms_fit(f"{line}."),
        url=_page("diary-finals", student),
    )


def forecast_risk(*, key: str, student: Student, subject, period, forecast) -> Alert:
    facts = {
        "name": student.name,
        "subject": subject.name,
        "period": period,
        "projected": forecast.projected,
        "average": forecast.average_shown or "—",
        "takes": forecast.what_it_takes,
    }
    return Alert(
        student=student,
        key=key,
        title=_("%(name)s: %(subject)s at risk for %(period)s") % facts,
        text=_("The forecast for %(period)s in %(subject)s is %(projected)s (average %(average)s): %(takes)s.") % facts,
        sms=sms_fit(_("%(name)s: the forecast for %(period)s in %(subject)s is %(projected)s. See the diary.") % facts),
        url=_page("diary-forecast", student),
    )
