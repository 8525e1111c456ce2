from django import forms
from django.utils.translation import gettext_lazy as _

from .addresses import validate_webhook_url
from .models import ApiClient


class ApiClientIssueForm(forms.Form):
    name = forms.CharField(label=_("Name of the external system"), max_length=200)
    scope = forms.ChoiceField(label=_("Scope"), choices=ApiClient.Scope.choices, initial=ApiClient.Scope.READ)
    school = forms.ModelChoiceField(label=_("School"), queryset=None, empty_label=None)

    def __init__(self, *args, schools, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = schools

    def clean(self):
        data = super().clean()
        name, school = data.get("name", "").strip(), data.get("school")
        if name and school and ApiClient.objects.filter(school=school, name=name).exists():
            self.add_error("name", _("The school already has a client of this name."))
        return data


class WebhookForm(forms.Form):
    webhook_url = forms.CharField(label=_("Webhook address"), max_length=200, required=False)
    webhook_secret = forms.CharField(
        label=_("Webhook secret"),
        required=False,
        max_length=128,
        widget=forms.PasswordInput,
        help_text=_("Leave empty to keep the current secret (a new one is made when there is none)."),
    )

    def clean_webhook_url(self):
        """An address (empty clears it) that is https and not internal (``exchange.addresses``)."""
        url = self.cleaned_data["webhook_url"].strip()
        if url:
            validate_webhook_url(url)
        return url
