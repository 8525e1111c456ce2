"""Deferrals (отсрочка): the class teacher of the student's class or an administrator records one and
extends it; their list shows the open ones, the overdue first."""

import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import access
from ..forms.finals import DeferralExtendForm, DeferralForm, StudentPickForm
from ..selectors import finals as selectors
from ..services import finals as services

DEFERRAL_ROLES = (access.CLASS_TEACHER, access.ADMINISTRATOR)
# The due date the extension form suggests: two weeks after the current one.
EXTENSION_STEP = datetime.timedelta(days=14)


def _day(day: datetime.date) -> str:
    """As Russian schools write dates, whatever the language: 05.11.2026."""
    return f"{day:%d.%m.%Y}"


@access.require_role(*DEFERRAL_ROLES)
def deferral_list(request):
    """The open deferrals the user keeps (overdue ones first) and a picker to defer another final."""
    today = timezone.localdate()
    picker = StudentPickForm(request.GET)
    if picker.is_valid():
        student = access.get_deferrable_student(request.user, picker.cleaned_data["student"])
        return redirect("gradebook:deferral-create", public_id=student.public_id)
    lines = selectors.deferral_lines(access.deferrals_visible_to(request.user), today)
    access.log_personal_data_access(request.user, [line.deferral.student for line in lines], "gradebook:deferral-list")
    context = {
        "lines": lines,
        "overdue_count": sum(line.overdue for line in lines),
        "classes": selectors.deferrable_students(access.deferrals_managed_by(request.user), today),
    }
    return render(request, "gradebook/deferral_list.html", context)


@access.require_role(*DEFERRAL_ROLES)
def deferral_create(request, public_id):
    student = access.get_deferrable_student(request.user, public_id, log_as="gradebook:deferral-create")
    today = timezone.localdate()
    form = DeferralForm(
        request.POST or None,
        subjects=selectors.deferral_subjects(student),
        periods=selectors.deferral_periods(student, today),
        initial={key: request.GET[key] for key in ("subject", "period") if key in request.GET},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            deferral = services.deferral_record(
                by=request.user,
                student=student,
                subject=data["subject"],
                period=data["period"],
                reason=data["reason"],
                due_on=data["due_on"],
            )
        except ValidationError as failure:
            form.add_error(None, failure.messages)
        else:
            messages.success(
                request,
                _("The %(subject)s final of %(student)s is deferred until %(date)s.")
                % {"subject": deferral.subject, "student": student.short_name, "date": _day(deferral.due_on)},
            )
            return redirect("gradebook:deferral-list")
    return render(request, "gradebook/deferral_form.html", {"student": student, "form": form})


@access.require_role(*DEFERRAL_ROLES)
def deferral_extend(request, public_id):
    deferral = access.get_manageable_deferral(request.user, public_id)
    access.log_personal_data_access(request.user, deferral.student, "gradebook:deferral-extend")
    form = DeferralExtendForm(request.POST or None, initial={"due_on": deferral.due_on + EXTENSION_STEP})
    if request.method == "POST" and form.is_valid():
        try:
            deferral = services.deferral_extend(
                by=request.user,
                deferral=deferral,
                due_on=form.cleaned_data["due_on"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as failure:
            form.add_error(None, failure.messages)
        else:
            messages.success(request, _("The deferral is extended until %(date)s.") % {"date": _day(deferral.due_on)})
            return redirect("gradebook:deferral-list")
    extensions = deferral.extensions.order_by("created_at", "pk")
    return render(
        request, "gradebook/deferral_extend.html", {"deferral": deferral, "form": form, "extensions": extensions}
    )
