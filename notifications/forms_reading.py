"""The family's confirmation of a week's reading: which of the weeks offered."""

from django import forms
from django.utils.translation import gettext_lazy as _


class WeekConfirmForm(forms.Form):
    week = forms.DateField(label=_("Week from"), widget=forms.HiddenInput)

    def __init__(self, *args, weeks, **kwargs):
        super().__init__(*args, **kwargs)
        self.weeks = weeks

    def clean_week(self):
        week = self.cleaned_data["week"]
        if week not in self.weeks:
            raise forms.ValidationError(_("Only this week and the last one can be confirmed."))
        return week
