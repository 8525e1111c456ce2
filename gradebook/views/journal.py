"""The teacher's journal: the list of journals, the grid with its cells edited in place (htmx), a
lesson's panel (topic, type, homework and files); the administrator's history and periods."""

import uuid

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .. import access
from ..forms.journal import JournalCellForm, LessonPanelForm
from ..selectors import journal as selectors
from ..services import attendance as attendance_services
from ..services import homework as homework_services
from ..services import journal as journal_services
from ..services.homework import CONTENT_TYPES

JOURNAL_ROLES = (access.TEACHER, access.CLASS_TEACHER, access.ADMINISTRATOR, access.STAFF)
GRID = "gradebook/journal_grid.html"
PANEL = "gradebook/journal_lesson.html"


def _journal_url(lesson, period_public_id=None) -> str:
    owner = selectors.lesson_owner(lesson)
    url = reverse(
        "gradebook:journal",
        kwargs={"owner_public_id": owner.public_id, "subject_public_id": lesson.subject.public_id},
    )
    return f"{url}?period={period_public_id}" if period_public_id else url


# --- Journals and the grid ------------------------------------------------------------------


@access.require_role(*JOURNAL_ROLES)
def journal_list(request):
    today = timezone.localdate()
    user = request.user
    roles = access.roles_of(user)
    classes = []
    picked = None
    if {access.CLASS_TEACHER, access.ADMINISTRATOR, access.STAFF} & roles.names:
        classes = list(selectors.pickable_classes(user, today))
        wanted = request.GET.get("class")
        picked = next((c for c in classes if str(c.public_id) == wanted), None)
        if picked is None and not wanted:
            picked = next((c for c in classes if c.class_teacher_id and c.class_teacher.user_id == user.pk), None)
    context = {
        "own": selectors.own_journals(user, today),
        "substitutions": selectors.substituted_journals(user, today),
        "classes": classes,
        "picked": picked,
        "class_journals": selectors.class_journals(user, picked, today) if picked else [],
    }
    return render(request, "gradebook/journal_list.html", context)


@access.require_role(*JOURNAL_ROLES)
def journal(request, owner_public_id, subject_public_id):
    owner, subject = access.get_visible_journal(request.user, owner_public_id, subject_public_id)
    grid = selectors.journal_grid(
        user=request.user,
        owner=owner,
        subject=subject,
        period_public_id=request.GET.get("period"),
        today=timezone.localdate(),
    )
    # journal.js puts the lesson's and the student's public ids in place of these two.
    cell_url = reverse(
        "gradebook:journal-cell",
        kwargs={"lesson_public_id": uuid.UUID(int=0), "student_public_id": uuid.UUID(int=(1 << 128) - 1)},
    )
    can_see_history = access.can_read_journal_history(request.user, subject.school_id)
    return render(request, GRID, {"grid": grid, "cell_url": cell_url, "can_see_history": can_see_history})


@require_POST
@access.require_role(*JOURNAL_ROLES)
def journal_cell(request, lesson_public_id, student_public_id):
    """Save one cell as typed; answer with the cell (and the row's average, out of band), or with the
    cell and its error and status 422, nothing changed."""
    lesson = access.get_editable_lesson(request.user, lesson_public_id)
    student = selectors.get_lesson_student(lesson, student_public_id)
    codes = [code.code for code in selectors.codes_for_lesson(lesson)]
    form = JournalCellForm(request.POST, codes=codes, work_types=selectors.work_types_for(lesson))
    error = ""
    if form.is_valid():
        try:
            journal_services.journal_cell_set(
                lesson=lesson,
                student=student,
                marks=form.cleaned_data["marks"],
                code=form.cleaned_data["code"],
                work_type=form.cleaned_data["work_type"],
                by=request.user,
            )
        except ValidationError as failure:
            error = " ".join(failure.messages)
    else:
        error = " ".join(message for messages_ in form.errors.values() for message in messages_)
    period = request.POST.get("period") or None
    if not request.htmx and not error:
        return redirect(_journal_url(lesson, period))
    cell = selectors.journal_cell(lesson, student, can_edit=True)
    if error:
        cell.error, cell.typed = error, request.POST.get("value", "")
    figures = selectors.row_figures(request.user, lesson, student, period, today=timezone.localdate())
    context = {"cell": cell, "oob": True, "average": figures.average, "forecast": figures.forecast}
    return render(request, f"{GRID}#cell", context, status=422 if error else 200)


# --- A lesson's panel: topic, type, homework ----------------------------------------------------


def _panel_response(request, lesson, *, can_edit, form=None, saved=False, status=200):
    """The lesson's panel: the partial for htmx (into the grid's dialog), else the whole page."""
    panel = selectors.lesson_panel(lesson, can_edit=can_edit)
    if form is None and can_edit:
        homework = panel.homework.text if panel.homework else ""
        initial = {"topic": panel.lesson.topic, "kind": panel.lesson.kind, "homework": homework}
        form = LessonPanelForm(initial={**initial, "attendance_taken": panel.lesson.attendance_taken_at is not None})
    context = {
        "panel": panel,
        "form": form,
        "saved": saved,
        "can_see_history": access.can_read_journal_history(request.user, lesson.school_id),
    }
    template = f"{PANEL}#panel" if request.htmx else PANEL
    return render(request, template, context, status=status)


@access.require_role(*JOURNAL_ROLES)
def journal_lesson(request, public_id):
    lesson = access.get_visible_lesson(request.user, public_id)
    can_edit = access.can_edit_lesson(request.user, lesson)
    if request.method != "POST":
        return _panel_response(request, lesson, can_edit=can_edit)
    if not can_edit:
        raise PermissionDenied
    form = LessonPanelForm(request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        try:
            journal_services.lesson_topic_set(lesson=lesson, topic=data["topic"], kind=data["kind"], by=request.user)
            if not lesson.is_cancelled:
                attendance_services.attendance_taken(lesson=lesson, taken=data["attendance_taken"], by=request.user)
            if data["homework"].strip() or data["files"] or selectors.lesson_homework(lesson) is not None:
                homework_services.homework_set(
                    lesson=lesson, text=data["homework"], files=data["files"], by=request.user
                )
        except ValidationError as failure:
            form.add_error(None, failure)
    if form.errors:
        return _panel_response(request, lesson, can_edit=True, form=form, status=422)
    if not request.htmx:
        messages.success(request, _("The lesson is saved."))
        return redirect("gradebook:journal-lesson", public_id=lesson.public_id)
    return _panel_response(request, lesson, can_edit=True, saved=True)


@access.require_role(*JOURNAL_ROLES)
def journal_homework_file(request, public_id):
    """A homework file, to those who read the lesson's journal; never a public media URL."""
    homework_file = access.get_journal_homework_file(request.user, public_id)
    extension = homework_file.name.rsplit(".", 1)[-1].lower() if "." in homework_file.name else ""
    try:
        handle = homework_file.file.open("rb")
    except FileNotFoundError as missing:
        raise Http404 from missing
    content_type = CONTENT_TYPES.get(extension)
    response = FileResponse(
        handle,
        content_type=content_type or "application/octet-stream",
        as_attachment=content_type is None,
        filename=homework_file.name,
    )
    patch_cache_control(response, private=True, no_store=True)
    return response


@require_POST
@access.require_role(*JOURNAL_ROLES)
def journal_homework_file_remove(request, public_id):
    homework_file = access.get_journal_homework_file(request.user, public_id)
    lesson = homework_file.homework.lesson
    if not access.can_edit_lesson(request.user, lesson):
        raise PermissionDenied
    homework_services.homework_file_remove(file=homework_file, by=request.user)
    if not request.htmx:
        messages.success(request, _("The file is removed."))
        return redirect("gradebook:journal-lesson", public_id=lesson.public_id)
    return _panel_response(request, lesson, can_edit=True)


# --- The administrator's history and periods ------------------------------------------------------


@access.require_role(access.ADMINISTRATOR)
def lesson_history(request, public_id):
    lesson = access.get_history_lesson(request.user, public_id)
    changes = access.journal_history_visible_to(request.user).filter(lesson=lesson)
    page, lines = selectors.history_page(changes, request.GET.get("page"))
    context = {"lesson": lesson, "page": page, "lines": lines, "journal_url": _journal_url(lesson)}
    return render(request, "gradebook/journal_lesson_history.html", context)


@access.require_role(access.ADMINISTRATOR)
def student_history(request, public_id):
    student = access.get_history_student(request.user, public_id, log_as="gradebook:student-history")
    changes = access.journal_history_visible_to(request.user).filter(student=student)
    page, lines = selectors.history_page(changes, request.GET.get("page"))
    return render(request, "gradebook/journal_student_history.html", {"student": student, "page": page, "lines": lines})


@access.require_role(access.ADMINISTRATOR)
def period_list(request):
    periods = selectors.managed_periods(request.user, timezone.localdate())
    return render(request, "gradebook/journal_period_list.html", {"periods": periods})


@require_POST
@access.require_role(access.ADMINISTRATOR)
def period_toggle(request, public_id):
    period = access.get_managed_period(request.user, public_id)
    action = request.POST.get("action") or ("reopen" if period.is_closed else "close")
    try:
        if action == "reopen":
            journal_services.reporting_period_reopen(period=period, by=request.user)
            messages.success(request, _("%(period)s is reopened: teachers may record again.") % {"period": period})
        else:
            journal_services.reporting_period_close(period=period, by=request.user)
            messages.success(request, _("%(period)s is closed: its journal is locked.") % {"period": period})
    except ValidationError as failure:
        messages.error(request, " ".join(failure.messages))
    return redirect("gradebook:period-list")
