"""The administration's side: the overview of the schools the user serves."""

from django.shortcuts import render
from django.utils import timezone

from .. import access
from ..selectors import portal as selectors


@access.require_role(access.ADMINISTRATOR, access.STAFF)
def school_overview(request):
    summaries = selectors.school_summaries(access.schools_served_by(request.user), timezone.localdate())
    return render(request, "gradebook/school_overview.html", {"summaries": summaries})
