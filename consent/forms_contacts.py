"""Forms of the contact and delivery pages. They parse input; the services decide what is valid."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import ContactPoint, Rhythm


def add_service_errors(form: forms.Form, error: ValidationError, fields: dict | None = None) -> None:
    """Put a service's ``ValidationError`` on the form: on the field it names (``fields`` maps a
    service's key to the form's field), otherwise on the form as a whole."""
    fields = fields or {}
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for key, errors in error.error_dict.items():
        name = fields.get(key, key)
        form.add_error(name if name in form.fields else None, errors)


class GuardianChoiceMixin:
    """A choice of the guardian profile, shown only to a parent known in several schools."""

    def _set_guardians(self, guardians):
        guardians = list(guardians)
        if len(guardians) > 1:
            self.fields["guardian"] = forms.TypedChoiceField(
                label=_("School"),
                choices=[(g.pk, g.school.short_name or g.school.name) for g in guardians],
                coerce=int,
            )
        self.guardians = {g.pk: g for g in guardians}

    def chosen_guardian(self):
        if "guardian" in self.fields:
            return self.guardians[self.cleaned_data["guardian"]]
        return next(iter(self.guardians.values()))


class EmailAddForm(GuardianChoiceMixin, forms.Form):
    email = forms.CharField(
        label=_("Email address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        help_text=_("We send a link to this address: open it to confirm the address."),
    )

    def __init__(self, *args, guardians, **kwargs):
        super().__init__(*args, **kwargs)
        self._set_guardians(guardians)


class PhoneAddForm(GuardianChoiceMixin, forms.Form):
    phone = forms.CharField(
        label=_("Mobile phone number"),
        max_length=40,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
        help_text=_("For example 8 916 123-45-67. We send a code by SMS to confirm the number."),
    )

    def __init__(self, *args, guardians, **kwargs):
        super().__init__(*args, **kwargs)
        self._set_guardians(guardians)


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code from the SMS"),
        max_length=12,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "size": 8, "autofocus": True}
        ),
    )


class WrittenContactForm(forms.Form):
    """A contact from the guardian's written application, entered by staff."""

    kind = forms.ChoiceField(
        label=_("Kind"), choices=ContactPoint.Kind.choices, widget=forms.RadioSelect, initial=ContactPoint.Kind.PHONE
    )
    value = forms.CharField(
        label=_("Email address or phone number"),
        max_length=254,
        help_text=_("As written in the application. A phone number may start with 8 or +7."),
    )
    document_number = forms.CharField(label=_("Application number"), max_length=50, required=False)
    document_date = forms.DateField(
        label=_("Application date"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["document_date"].widget.attrs["max"] = timezone.localdate().isoformat()


class PreferenceForm(forms.Form):
    """Channels and rhythm for one child."""

    cabinet = forms.BooleanField(label=_("In the cabinet"), required=False)
    email = forms.BooleanField(label=_("By email"), required=False)
    sms = forms.BooleanField(label=_("By SMS"), required=False)
    rhythm = forms.ChoiceField(label=_("How often"), choices=Rhythm.choices, widget=forms.RadioSelect)


class PaperPreferenceForm(forms.Form):
    paper = forms.BooleanField(label=_("A weekly paper extract"), required=False)
    application_number = forms.CharField(label=_("Application number"), max_length=50, required=False)
    application_date = forms.DateField(
        label=_("Application date"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["application_date"].widget.attrs["max"] = timezone.localdate().isoformat()
