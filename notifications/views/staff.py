"""The staff's delivery pages: the school's counts, permanent failures and bouncing addresses (with a
way to each family's log), and a family's log of every alert, email and SMS.

Administrators and staff only (``require_role``: 403 for everyone else); a guardian outside the user's
schools is a 404 (``get_served_guardian``)."""

from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from gradebook import access

from ..forms_staff import GuardianSearchForm
from ..selectors import delivery_log as selectors

STAFF_ROLES = (access.ADMINISTRATOR, access.STAFF)
PAGE_SIZE = 25
MESSAGES, ALERTS = "messages", "alerts"


@access.require_role(*STAFF_ROLES)
@never_cache
def school_report(request):
    schools = access.schools_served_by(request.user)
    form = GuardianSearchForm(request.GET or None)
    query = form.cleaned_data["q"].strip() if form.is_valid() else ""
    failures = Paginator(selectors.permanent_failures(schools), PAGE_SIZE).get_page(request.GET.get("page"))
    bouncing = list(selectors.bouncing_emails(schools)[: selectors.BOUNCING_SHOWN + 1])
    context = {
        "form": form,
        "query": query,
        "found": selectors.guardian_search(access.people_visible_to(request.user, "guardian"), query),
        "message_counts": selectors.message_counts(schools),
        "alert_counts": selectors.alert_counts(schools),
        "page": failures,
        "bouncing": bouncing[: selectors.BOUNCING_SHOWN],
        "more_bouncing": len(bouncing) > selectors.BOUNCING_SHOWN,
        "show_school": schools.count() > 1,
    }
    return render(request, "notifications/school_report.html", context)


@access.require_role(*STAFF_ROLES)
@never_cache
def family_log(request, public_id):
    """One guardian's deliveries: emails and SMS (``?show=messages``, the default) or cabinet alerts."""
    guardian = access.get_served_guardian(request.user, public_id)
    children = list(access.guardian_children_visible_to(request.user, guardian))
    access.log_personal_data_access(request.user, children, "notifications:family-log")
    show = ALERTS if request.GET.get("show") == ALERTS else MESSAGES
    rows = selectors.family_notifications(guardian) if show == ALERTS else selectors.family_messages(guardian)
    context = {
        "guardian": guardian,
        "children": children,
        "show": show,
        "page": Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page")),
    }
    return render(request, "notifications/family_log.html", context)
