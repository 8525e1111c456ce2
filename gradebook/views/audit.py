"""The administrator's view of who opened which student's personal data."""

from django.shortcuts import render

from .. import access
from ..forms.audit import AccessLogFilterForm
from ..selectors import audit as selectors


@access.require_role(access.ADMINISTRATOR)
def access_log(request):
    form = AccessLogFilterForm(request.GET or None, viewers=access.access_log_viewers_for(request.user))
    entries = access.access_log_visible_to(request.user)
    filters = form.cleaned_data if form.is_valid() else {}
    if form.is_bound and not form.is_valid():
        entries = entries.none()  # a filter that names nobody shows nothing, not everything
    student = None
    if filters.get("student"):
        student = access.students_visible_to(request.user).filter(public_id=filters["student"]).first()
        entries = entries.filter(student__public_id=filters["student"])
    if filters.get("viewer"):
        entries = entries.filter(viewer_id=filters["viewer"].user_id)
    page, lines = selectors.access_log_page(entries, request.GET.get("page"))
    context = {"form": form, "page": page, "lines": lines, "student": student}
    return render(request, "gradebook/access_log.html", context)
