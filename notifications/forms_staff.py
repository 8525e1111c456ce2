from django import forms
from django.utils.translation import gettext_lazy as _


class GuardianSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Guardian's surname (and name)"),
        required=False,
        max_length=100,
        help_text=_("For example: Иванова, or Иванова Мария."),
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
