"""The filter of the personal data access log: one student (by public id) or one viewer."""

from django import forms
from django.utils.translation import gettext_lazy as _


class AccessLogFilterForm(forms.Form):
    student = forms.UUIDField(required=False, widget=forms.HiddenInput)
    viewer = forms.ModelChoiceField(
        label=_("Who opened"),
        queryset=None,
        required=False,
        to_field_name="public_id",
        empty_label=_("Everyone"),
    )

    def __init__(self, *args, viewers, **kwargs):
        """``viewers``: the employees the administrator may filter by (from the access policy)."""
        super().__init__(*args, **kwargs)
        self.fields["viewer"].queryset = viewers
