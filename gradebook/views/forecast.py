"""The class teacher's view of a class's forecast: students × subjects, the alerts marked."""

from django.shortcuts import render
from django.utils import timezone

from .. import access
from ..selectors.forecast import class_forecast as class_forecast_of

FORECAST_ROLES = (access.TEACHER, access.CLASS_TEACHER, access.ADMINISTRATOR, access.STAFF)


@access.require_role(*FORECAST_ROLES)
def class_forecast(request, public_id):
    class_unit = access.get_forecast_class(request.user, public_id)
    today = timezone.localdate(timezone=class_unit.school_year.school.zone)
    forecast = class_forecast_of(class_unit=class_unit, period_public_id=request.GET.get("period"), today=today)
    # Marks of each student shown: personal data, logged per student.
    access.log_personal_data_access(request.user, [row.student for row in forecast.rows], "gradebook:class-forecast")
    return render(request, "gradebook/class_forecast.html", {"class_unit": class_unit, "forecast": forecast})
