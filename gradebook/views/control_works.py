"""Control works: the teacher's planner and list, and the administrator's schedule with its warnings."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .. import access
from ..forms.control_works import ControlWorkForm, ScheduleFilterForm
from ..models import ReportingPeriod
from ..selectors import control_works as selectors
from ..services import control_works as services

# Teachers plan for their assignments; an administrator plans for any class of their school.
PLANNER_ROLES = (access.TEACHER, access.CLASS_TEACHER, access.ADMINISTRATOR)
PAGE_SIZE = 50


@access.require_role(*PLANNER_ROLES)
def control_work_list(request):
    past = request.GET.get("past") == "1"
    works = selectors.control_work_list(
        access.control_works_editable_by(request.user), today=timezone.localdate(), past=past
    )
    page = Paginator(works, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "gradebook/control_work_list.html", {"page": page, "past": past})


def _save(request, form, control_work=None):
    """Plan or move the work; None when the service refuses (its reason goes to the form)."""
    data = form.cleaned_data
    fields = {"date": data["date"], "number": data.get("number"), "topic": data["topic"], "kind": data["kind"]}
    try:
        if control_work is None:
            return services.control_work_plan(**form.chosen, **fields, by=request.user)
        return services.control_work_update(control_work=control_work, **fields, by=request.user)
    except ValidationError as error:
        form.add_error(None, error.messages)
        return None


@access.require_role(*PLANNER_ROLES)
def control_work_create(request):
    form = ControlWorkForm(request.POST or None, assignments=access.control_work_assignments_for(request.user))
    if request.method == "POST" and form.is_valid() and form.ready:
        work = _save(request, form)
        if work is not None:
            messages.success(
                request,
                _("The control work is planned: %(work)s, %(date)s.")
                % {"work": selectors.work_label(work), "date": formats.date_format(work.date, "SHORT_DATE_FORMAT")},
            )
            return redirect("gradebook:control-work-list")
    return render(request, "gradebook/control_work_form.html", {"form": form, "control_work": None})


@access.require_role(*PLANNER_ROLES)
def control_work_edit(request, public_id):
    work = access.get_editable_control_work(request.user, public_id)
    form = ControlWorkForm(request.POST or None, control_work=work)
    if request.method == "POST" and form.is_valid() and form.ready:
        work = _save(request, form, control_work=work)
        if work is not None:
            messages.success(request, _("The control work is changed."))
            return redirect("gradebook:control-work-list")
    return render(request, "gradebook/control_work_form.html", {"form": form, "control_work": work})


@access.require_role(*PLANNER_ROLES)
@require_POST
def control_work_cancel(request, public_id):
    work = access.get_editable_control_work(request.user, public_id)
    label = selectors.work_label(work)
    services.control_work_cancel(control_work=work, by=request.user)
    messages.success(request, _("The control work is cancelled: %(work)s.") % {"work": label})
    return redirect("gradebook:control-work-list")


def _default_period(periods, today):
    """The period running today (a quarter or half-year before the year, the widest grade range
    first); else the latest one."""
    running = [period for period in periods if period.starts_on <= today <= period.ends_on]
    running.sort(key=lambda p: (p.kind == ReportingPeriod.Kind.YEAR, p.min_grade - p.max_grade, p.starts_on))
    if running:
        return running[0]
    return max(periods, key=lambda p: p.starts_on, default=None)


@access.require_role(access.ADMINISTRATOR, access.STAFF)
def control_work_schedule(request):
    """The period's control works per grade level and class, with the warnings next to each work."""
    periods = access.reporting_periods_served_by(request.user).select_related("school_year__school")
    periods = periods.order_by("-school_year__starts_on", "school_year__school__short_name", "min_grade", "starts_on")
    listed = list(periods)
    data = request.GET.copy()
    if not data.get("period"):
        default = _default_period(listed, timezone.localdate())
        if default is None:
            return render(request, "gradebook/control_work_schedule.html", {"form": None, "schedule": None})
        data["period"] = str(default.public_id)
    show_school = len({period.school_year.school_id for period in listed}) > 1
    form = ScheduleFilterForm(data, periods=periods, show_school=show_school)
    if not form.is_valid():
        if "period" in form.errors:
            raise Http404  # not a period of a school the user serves: the same answer as a missing one
        data["grade"] = ""
        form = ScheduleFilterForm(data, periods=periods, show_school=show_school)
        form.is_valid()
    period = form.cleaned_data["period"]
    schedule = selectors.control_work_schedule(period, form.cleaned_data.get("grade"))
    context = {"form": form, "schedule": schedule, "can_plan": access.ADMINISTRATOR in access.roles_of(request.user)}
    return render(request, "gradebook/control_work_schedule.html", context)
