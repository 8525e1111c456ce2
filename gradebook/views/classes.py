"""The teachers' side: their classes and a class's roster and teachers."""

from django.shortcuts import render
from django.utils import timezone

from .. import access
from ..selectors import portal as selectors

CLASS_ROLES = (access.TEACHER, access.CLASS_TEACHER, access.ADMINISTRATOR, access.STAFF)


@access.require_role(*CLASS_ROLES)
def class_list(request):
    today = timezone.localdate()
    classes = selectors.classes_with_counts(access.classes_visible_to(request.user, today), today)
    return render(request, "gradebook/class_list.html", {"classes": classes})


@access.require_role(*CLASS_ROLES)
def class_detail(request, public_id):
    class_unit = access.get_visible_class(request.user, public_id)
    today = timezone.localdate()
    students = selectors.class_roster(class_unit, today)
    # The roster names each student's guardians: personal data, logged per student shown.
    access.log_personal_data_access(request.user, students, "gradebook:class-detail")
    context = {
        "class_unit": class_unit,
        "students": students,
        "assignments": selectors.class_teachers(class_unit, today),
        "can_read_summary": access.can_read_summary(request.user, class_unit),
    }
    return render(request, "gradebook/class_detail.html", context)
