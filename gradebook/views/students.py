"""The family's side: a guardian's children and a student's page."""

from django.shortcuts import render
from django.utils import timezone

from .. import access
from ..selectors import portal as selectors


@access.require_role(access.GUARDIAN)
def children(request):
    today = timezone.localdate()
    kids = selectors.students_with_class(access.children_of(request.user, today), today)
    cards = [{"student": kid, "class_unit": selectors.current_class(kid)} for kid in kids]
    return render(request, "gradebook/children_list.html", {"cards": cards})


def student_detail(request, public_id):
    student = access.get_visible_student(request.user, public_id)
    overview = selectors.student_overview(student, timezone.localdate())
    return render(request, "gradebook/student_detail.html", {"overview": overview, "student": student})
