"""The administrator's view of the journal's timeliness: per teacher, what was entered late."""

import datetime

from django import forms
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .. import access
from ..selectors import timeliness as selectors

# A wider range would read too much of the hot tables at once.
MAX_DAYS = 120


class TimelinessFilterForm(forms.Form):
    """The range of days (``?from=&to=``, up to yesterday) and, for the drill-down, one teacher."""

    teacher = forms.UUIDField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, today: datetime.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        # "from" is a Python keyword: these fields are added by name.
        self.fields["from"] = forms.DateField(
            label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
        )
        self.fields["to"] = forms.DateField(
            label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
        )
        self.order_fields(["from", "to", "teacher"])

    def clean(self):
        cleaned = super().clean()
        default_start, yesterday = selectors.default_range(self.today)
        start = cleaned.get("from") or default_start
        end = min(cleaned.get("to") or yesterday, yesterday)
        if start > end:
            self.add_error("from", _("The range starts after it ends (the last day is yesterday at the latest)."))
        elif (end - start).days >= MAX_DAYS:
            self.add_error("from", _("Choose at most %(days)s days.") % {"days": MAX_DAYS})
        cleaned["start"], cleaned["end"] = start, end
        return cleaned


@access.require_role(access.ADMINISTRATOR, access.STAFF)
def timeliness(request):
    today = timezone.localdate()
    form = TimelinessFilterForm(request.GET, today=today)
    valid = form.is_valid()
    if "teacher" in form.errors:
        raise Http404
    if not valid:
        return render(request, "gradebook/timeliness_report.html", {"form": form, "rows": None})
    start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    context = {"form": form, "start": start, "end": end}
    if form.cleaned_data.get("teacher"):
        teacher = get_object_or_404(
            access.people_visible_to(request.user, "employee"), public_id=form.cleaned_data["teacher"]
        )
        context["detail"] = selectors.timeliness_detail(teacher, start, end, today)
        return render(request, "gradebook/timeliness_teacher.html", context)
    context["rows"] = selectors.timeliness_rows(access.schools_served_by(request.user), start, end, today)
    return render(request, "gradebook/timeliness_report.html", context)
