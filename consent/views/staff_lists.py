"""The staff's consent lists: students without a decision, families on paper, withdrawals and their
data-destruction deadlines. Paginated; each page reads in a constant number of queries."""

from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache

from gradebook import access

from .. import selectors
from .staff import PAGE_SIZE, STAFF_ROLES


@access.require_role(*STAFF_ROLES)
@never_cache
def undecided(request):
    today = timezone.localdate()
    students = selectors.undecided_students(access.people_visible_to(request.user, "student"), today)
    page = Paginator(students, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = selectors.family_rows(page.object_list, today)
    access.log_personal_data_access(request.user, [row.student for row in rows], "consent:undecided")
    context = {"page": page, "rows": rows}
    return render(request, "consent/staff_undecided.html", context)


@access.require_role(*STAFF_ROLES)
@never_cache
def paper(request):
    today = timezone.localdate()
    rows = selectors.paper_families(access.people_visible_to(request.user, "student"), today)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = selectors.with_classes(list(page.object_list), today)
    access.log_personal_data_access(
        request.user, {row.guardianship.student_id: row.guardianship.student for row in rows}.values(), "consent:paper"
    )
    context = {"page": page, "rows": rows}
    return render(request, "consent/staff_paper.html", context)


@access.require_role(*STAFF_ROLES)
@never_cache
def withdrawals(request):
    today = timezone.localdate()
    records = selectors.withdrawals_in_effect(access.people_visible_to(request.user, "student"))
    page = Paginator(records, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = selectors.withdrawal_rows(page.object_list, today)
    access.log_personal_data_access(
        request.user, {row.record.student_id: row.record.student for row in rows}.values(), "consent:withdrawals"
    )
    context = {
        "page": page,
        "rows": rows,
        "overdue": records.filter(created_at__lt=selectors.overdue_since(today)).count(),
        "days": selectors.DESTRUCTION_DAYS,
    }
    return render(request, "consent/staff_withdrawals.html", context)
