"""The family's side: a guardian's children and a student's page."""

from django.shortcuts import render
from django.utils import timezone

from .. import access
from ..selectors import portal as selectors


@access.require_role(access.GUARDIAN)
def children(request):
    today = timezone.localdate()
    kids = selectors.students_with_class(access.children_of(request.user, today), today)
    shown = set(
        access.students_visible_to(request.user, today).filter(pk__in=[k.pk for k in kids]).values_list("pk", flat=True)
    )
    cards = [
        {"student": kid, "class_unit": selectors.current_class(kid), "consent_needed": kid.pk not in shown}
        for kid in kids
    ]
    return render(request, "gradebook/children_list.html", {"cards": cards})


def student_detail(request, public_id):
    student, shown = access.get_family_student(request.user, public_id, log_as="gradebook:student-detail")
    if not shown:
        return render(request, "gradebook/consent_required.html", {"student": student})
    overview = selectors.student_overview(student, timezone.localdate())
    return render(request, "gradebook/student_detail.html", {"overview": overview, "student": student})
