"""The register's forms: handing over (when, to whom), not delivered (why), and a week to download."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class HandOverForm(forms.Form):
    on = forms.DateField(label=_("Handed over on"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    to = forms.CharField(label=_("To whom"), max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"on": timezone.localdate()})
        super().__init__(*args, **kwargs)


class NotDeliveredForm(forms.Form):
    reason = forms.CharField(label=_("Why not delivered"), max_length=255, required=False)


class WeekForm(forms.Form):
    """Any day of the week (its Monday is taken)."""

    week = forms.DateField(
        label=_("Week (any day of it)"),
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"required": _("Choose a week."), "invalid": _("Enter a date as YYYY-MM-DD.")},
    )

    def clean_week(self) -> datetime.date:
        day = self.cleaned_data["week"]
        return day - datetime.timedelta(days=day.weekday())
