"""Reading confirmations: the family's week page (confirm "I have read this week's diary"), the one-click
link of the weekly digest (no login: the signed token), and the class teacher's overview."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_variables
from django.views.decorators.http import require_http_methods

from gradebook import access

from ..forms_reading import WeekConfirmForm
from ..selectors import reading as selectors
from ..services.read_confirmations import monday_of, read_confirm, read_confirm_request


@access.require_role(access.GUARDIAN)
@never_cache
@require_http_methods(["GET", "POST"])
def week_confirm(request, public_id):
    """This week and the last for one of the parent's children: confirmed or not, with a button each."""
    link = access.get_own_child_link(request.user, public_id)
    this_week = monday_of(timezone.localdate())
    weeks = [this_week, this_week - datetime.timedelta(weeks=1)]
    form = WeekConfirmForm(request.POST or None, weeks=weeks)
    if request.method == "POST" and form.is_valid():
        read_confirm(
            guardian=link.guardian, student=link.student, week_start=form.cleaned_data["week"], user=request.user
        )
        messages.success(request, _("Thank you: the week's reading is confirmed."))
        return redirect("notifications:week-confirm", public_id=link.student.public_id)
    confirmations = selectors.confirmations_of(link.guardian, link.student, weeks)
    rows = [
        {"week_start": week, "week_end": week + datetime.timedelta(days=5), "confirmation": confirmations.get(week)}
        for week in weeks
    ]
    return render(
        request,
        "notifications/week_confirm.html",
        {"student": link.student, "rows": rows, "form": form},
        status=400 if form.errors else 200,
    )


@login_not_required
@never_cache
@sensitive_variables("token")
@require_http_methods(["GET", "POST"])
def read_confirm_link(request, token):
    """The weekly digest's link, possibly opened on another device: no login needed. A GET only shows a
    button (mail scanners that open links confirm nothing); the POST confirms, once. It records the
    guardian's own login as who confirmed (none for a parent told only by email), whoever is signed in
    on the device."""
    wanted = read_confirm_request(token)
    if wanted is None:
        return render(request, "notifications/read_confirm.html", {"problem": "invalid"}, status=400)
    if not access.guardian_reads_child(wanted.guardian, wanted.student):
        return render(request, "notifications/read_confirm.html", {"problem": "no_access"}, status=400)
    context = {
        "school": wanted.student.school,
        "child_name": wanted.student.name,
        "week_start": wanted.week_start,
        "week_end": wanted.week_start + datetime.timedelta(days=6),
    }
    if request.method == "POST":
        confirmation = read_confirm(
            guardian=wanted.guardian, student=wanted.student, week_start=wanted.week_start, user=wanted.guardian.user
        )
        return render(
            request, "notifications/read_confirm.html", {**context, "done": True, "confirmation": confirmation}
        )
    context["confirmation"] = selectors.confirmations_of(wanted.guardian, wanted.student, [wanted.week_start]).get(
        wanted.week_start
    )
    return render(request, "notifications/read_confirm.html", context)


@access.require_role(access.CLASS_TEACHER, access.ADMINISTRATOR)
def reading_classes(request):
    """The classes whose families' reading the user follows."""
    classes = access.reading_classes_visible_to(request.user).select_related("school_year__school")
    classes = classes.order_by("school_year__school__name", "-school_year__starts_on", "grade_level", "letter")
    return render(request, "notifications/reading_classes.html", {"classes": classes})


@access.require_role(access.CLASS_TEACHER, access.ADMINISTRATOR)
def class_reading(request, public_id):
    """Per family of the class: which of the last weeks were confirmed; the families silent for two weeks."""
    class_unit = access.get_reading_class(request.user, public_id)
    reading = selectors.class_reading(class_unit=class_unit, today=timezone.localdate(), now=timezone.now())
    students = {family.student.pk: family.student for family in reading.families}
    access.log_personal_data_access(request.user, students.values(), "notifications:class-reading")
    return render(request, "notifications/class_reading.html", {"class_unit": class_unit, "reading": reading})
