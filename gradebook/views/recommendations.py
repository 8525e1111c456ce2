"""A teacher's recommendations to their students and families: writing one, and the list of their own."""

import uuid

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import access
from ..forms.recommendations import RecommendationForm, with_class_label
from ..services import recommendations as services

TEACHER_ROLES = (access.TEACHER, access.CLASS_TEACHER)
PAGE_SIZE = 50


@access.require_role(*TEACHER_ROLES)
def recommendation_create(request):
    """``?student=<public id>`` preselects one of the teacher's students (404 for anyone else)."""
    today = timezone.localdate()
    students = access.students_taught_by(request.user, today)
    initial = {}
    if request.GET.get("student"):
        try:
            public_id = uuid.UUID(request.GET["student"])
        except ValueError as error:
            raise Http404 from error
        initial["student"] = get_object_or_404(students, public_id=public_id)
    form = RecommendationForm(
        request.POST or None,
        initial=initial,
        students=with_class_label(students, today),
        subjects=access.subjects_taught_by(request.user, today).order_by("name"),
    )
    if request.method == "POST" and form.is_valid():
        student = form.cleaned_data["student"]
        teacher = access.teacher_profile_of(request.user, student.school_id)
        if teacher is None:
            raise PermissionDenied
        try:
            services.recommendation_write(
                student=student,
                teacher=teacher,
                text=form.cleaned_data["text"],
                subject=form.cleaned_data["subject"],
                by=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(
                request, _("The recommendation to %(student)s is written.") % {"student": student.full_name}
            )
            return redirect("gradebook:recommendation-list")
    return render(request, "gradebook/recommendation_form.html", {"form": form, "student": initial.get("student")})


@access.require_role(*TEACHER_ROLES)
def recommendation_list(request):
    """The teacher's own recommendations, newest first."""
    recommendations = (
        access.recommendations_written_by(request.user)
        .select_related("student", "subject")
        .order_by("-created_at", "-pk")
    )
    page = Paginator(recommendations, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "gradebook/recommendation_list.html", {"page": page})
