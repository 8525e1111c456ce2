"""The printouts pages: the weekly batches of the user's classes (download, generate now), a batch's
register (printed, handed over, not delivered), the compliance view, a family's history, and a student's
extract of any week on demand (the family from the cabinet, the class teacher and the school's staff)."""

from __future__ import annotations

import datetime
import io

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from kombu.exceptions import OperationalError

from gradebook import access

from . import selectors
from .forms import HandOverForm, NotDeliveredForm, WeekForm
from .models import WeeklyBatch
from .services.batches import WeekOutsideYear, extract_pdf, monday_of, paper_students_of, school_year_of_week
from .services.progress import generation_finished, generation_started
from .services.register import extract_hand_over, extract_mark_printed, extract_not_delivered
from .tasks import generate_class_batch

KEEPERS = (access.CLASS_TEACHER, access.ADMINISTRATOR, access.STAFF)


def _this_week():
    return monday_of(timezone.localdate())


@access.require_role(*KEEPERS)
@require_GET
def batch_list(request):
    """This week's batch of each of the user's classes (or a button to generate it now), and earlier ones."""
    week_start = _this_week()
    context = {
        "week_start": week_start,
        "week_end": week_start + datetime.timedelta(days=6),
        "class_weeks": (class_weeks := selectors.class_weeks(request.user, week_start)),
        "refresh": any(row.generating for row in class_weeks),
        "earlier": selectors.earlier_batches(request.user, week_start),
    }
    return render(request, "printouts/batch_list.html", context)


@access.require_role(*KEEPERS)
@require_POST
def batch_generate(request, public_id):
    """Generate this week's batch of a class now (the weekly job would do it at the school's printout time).

    The rendering is a worker's job: the page says the batch is being generated and refreshes itself until it
    is there (with Celery eager, as in the demo, it is there at once)."""
    class_unit = access.get_extract_class(request.user, public_id)
    week_start = _this_week()
    try:
        school_year_of_week(class_unit.school_year.school_id, week_start)
    except WeekOutsideYear as error:
        messages.error(request, str(error))
        return redirect("printouts:batch-list")
    if not paper_students_of(class_unit, week_start):
        messages.info(
            request, _("No family of class %(class)s is informed on paper this week.") % {"class": class_unit}
        )
        return redirect("printouts:batch-list")
    generation_started(class_unit.pk, week_start)
    try:
        generate_class_batch.delay(class_unit.pk, week_start.isoformat(), request.user.pk)
    except OperationalError:
        generation_finished(class_unit.pk, week_start)
        messages.error(request, _("The extracts cannot be generated right now: try again in a few minutes."))
        return redirect("printouts:batch-list")
    batch = WeeklyBatch.objects.filter(class_unit=class_unit, week_start=week_start).first()
    if batch is None:
        messages.info(request, _("The extracts of class %(class)s are being generated.") % {"class": class_unit})
        return redirect("printouts:batch-list")
    messages.success(request, _("The extracts of class %(class)s are ready to print.") % {"class": class_unit})
    return redirect("printouts:batch-detail", pk=batch.pk)


def _batch_page(request, batch, *, errors=None, status=200):
    records = selectors.batch_records(batch)
    access.log_personal_data_access(request.user, [r.student for r in records], "printouts:batch-detail")
    rows = []
    for record in records:
        failed = errors if errors and errors["record"] == record.pk else None
        rows.append(
            {
                "record": record,
                "hand_over": failed["hand_over"] if failed and failed.get("hand_over") else HandOverForm(),
                "not_delivered": failed["not_delivered"]
                if failed and failed.get("not_delivered")
                else NotDeliveredForm(),
                "error": failed["message"] if failed else None,
            }
        )
    context = {"batch": batch, "rows": rows, "today": timezone.localdate()}
    return render(request, "printouts/batch_detail.html", context, status=status)


@access.require_role(*KEEPERS)
@require_GET
def batch_detail(request, pk):
    """A batch's register: each student's pages and status, with the forms to record what happened."""
    batch = get_object_or_404(
        selectors.batches_visible_to(request.user).select_related("class_unit__school_year"), pk=pk
    )
    return _batch_page(request, batch)


@access.require_role(*KEEPERS)
@require_GET
@never_cache
def batch_pdf(request, pk):
    batch = get_object_or_404(selectors.batches_visible_to(request.user).select_related("class_unit"), pk=pk)
    name = f"extracts-{batch.class_unit.grade_level}-{batch.week_start:%Y-%m-%d}.pdf"
    return FileResponse(batch.file.open("rb"), as_attachment=True, filename=name, content_type="application/pdf")


@access.require_role(*KEEPERS)
@require_POST
def record_update(request, pk):
    """Record what happened to one extract: ``action`` is printed, handed_over or not_delivered. Bad input:
    the register again with the message (400), nothing changed."""
    record = get_object_or_404(
        selectors.records_visible_to(request.user).select_related("batch__class_unit__school_year", "student"), pk=pk
    )
    action = request.POST.get("action")
    errors = {"record": record.pk, "message": None}
    form = None
    try:
        if action == "printed":
            record = extract_mark_printed(record=record, by=request.user)
        elif action == "handed_over":
            form = errors["hand_over"] = HandOverForm(request.POST)
            if not form.is_valid():
                return _batch_page(request, record.batch, errors=errors, status=400)
            record = extract_hand_over(
                record=record, on=form.cleaned_data["on"], to=form.cleaned_data["to"], by=request.user
            )
        elif action == "not_delivered":
            form = errors["not_delivered"] = NotDeliveredForm(request.POST)
            if not form.is_valid():
                return _batch_page(request, record.batch, errors=errors, status=400)
            record = extract_not_delivered(record=record, reason=form.cleaned_data["reason"], by=request.user)
        else:
            raise ValidationError(_("Choose what happened to the extract."))
    except ValidationError as error:
        if form is not None and hasattr(error, "error_dict"):
            for field, field_errors in error.error_dict.items():
                form.add_error(field if field in form.fields else None, field_errors)
        else:
            errors["message"] = " ".join(error.messages)
        return _batch_page(request, record.batch, errors=errors, status=400)
    messages.success(
        request,
        _("%(student)s: %(status)s.") % {"student": record.student.short_name, "status": record.get_status_display()},
    )
    return redirect("printouts:batch-detail", pk=record.batch_id)


@access.require_role(*KEEPERS)
@require_GET
def compliance(request):
    """Paper families of the user's classes without an extract handed over this week."""
    week_start = _this_week()
    form = WeekForm(request.GET or None)
    if request.GET and form.is_valid():
        week_start = form.cleaned_data["week"]
    rows = selectors.compliance_rows(request.user, week_start)
    access.log_personal_data_access(request.user, [row.student for row in rows], "printouts:compliance")
    context = {
        "rows": rows,
        "week_start": week_start,
        "week_end": week_start + datetime.timedelta(days=6),
        "form": form,
    }
    return render(request, "printouts/compliance.html", context, status=400 if form.errors else 200)


@access.require_role(*KEEPERS)
@require_GET
def student_history(request, public_id):
    """A paper family's register, week by week, and the student's extract of any week."""
    student = access.get_extract_student(request.user, public_id, log_as="printouts:student-history")
    context = {"student": student, "records": selectors.student_history(student), "form": WeekForm()}
    return render(request, "printouts/student_history.html", context)


@access.require_role(access.GUARDIAN, *KEEPERS)
@require_GET
@never_cache
def student_extract(request, public_id):
    """A student's extract of a week (``?week=`` any day of it) as a PDF: for their own parent (from the
    cabinet) and for the class teacher and the school's staff. A week outside the school year: 400."""
    student = access.get_extract_download_student(request.user, public_id, log_as="printouts:student-extract")
    form = WeekForm(request.GET)
    problem = None
    if form.is_valid():
        week_start = form.cleaned_data["week"]
        try:
            school_year_of_week(student.school_id, week_start)
        except WeekOutsideYear as error:
            problem = str(error)
        else:
            if week_start > timezone.localdate():
                problem = _("The week of %(day)s has not begun yet.") % {"day": f"{week_start:%d.%m.%Y}"}
    else:
        problem = " ".join(message for errors in form.errors.values() for message in errors)
    if problem:
        return render(request, "printouts/extract_problem.html", {"student": student, "problem": problem}, status=400)
    pdf = extract_pdf(student=student, week_start=week_start)
    name = f"extract-{week_start:%Y-%m-%d}.pdf"
    return FileResponse(io.BytesIO(pdf), as_attachment=True, filename=name, content_type="application/pdf")


@access.require_role(access.GUARDIAN)
@require_GET
def family_extracts(request):
    """The parent's children whose diary they read, each with a week to download the paper extract of."""
    children = (
        access.children_of(request.user)
        .filter(pk__in=access.students_visible_to(request.user).values("pk"))
        .order_by("surname", "name", "pk")
    )
    return render(request, "printouts/family_extracts.html", {"children": children, "form": WeekForm()})
