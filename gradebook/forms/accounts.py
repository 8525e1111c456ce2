"""Forms of the account pages: activating a login, inviting a person, filtering the list."""

from django import forms
from django.contrib.auth.password_validation import password_validators_help_text_html
from django.utils.translation import gettext_lazy as _

from ..services.accounts import LoginStatus


class ActivationForm(forms.Form):
    """The code from the paper (or the emailed link's secret) and the password the person chooses."""

    secret = forms.CharField(
        label=_("Activation code"),
        max_length=100,
        help_text=_("As printed on the paper from the school, for example K7M2-9QXP."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autocapitalize": "characters"}),
    )
    password = forms.CharField(
        label=_("New password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    password_confirm = forms.CharField(
        label=_("New password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["password"].help_text = password_validators_help_text_html()

    def clean(self):
        cleaned = super().clean()
        password, confirm = cleaned.get("password"), cleaned.get("password_confirm")
        if password and confirm and password != confirm:
            self.add_error("password_confirm", _("The two passwords differ."))
        return cleaned


class LinkActivationForm(ActivationForm):
    """The same, with the secret carried by the emailed link."""

    secret = forms.CharField(max_length=100, widget=forms.HiddenInput)


class InvitationForm(forms.Form):
    """Email invitation or paper code; a login name may be chosen for a person without a login."""

    EMAIL = "email"
    PAPER = "paper"

    method = forms.ChoiceField(
        label=_("How the person receives their login"),
        choices=[(EMAIL, _("An invitation link by email")), (PAPER, _("An activation code printed on paper"))],
        widget=forms.RadioSelect,
        initial=PAPER,
    )
    email = forms.EmailField(label=_("Email address"), required=False)
    username = forms.CharField(
        label=_("Login name"),
        required=False,
        max_length=30,
        help_text=_("Leave empty to make one from the surname and initials."),
    )

    def __init__(self, *args, has_login: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if has_login:
            del self.fields["username"]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("method") == self.EMAIL and not cleaned.get("email"):
            self.add_error("email", _("Enter the email address the invitation goes to."))
        return cleaned


class PersonFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Who"),
        required=False,
        choices=[("", _("Everyone")), ("student", _("Students")), ("guardian", _("Parents and guardians")),
                 ("employee", _("Employees"))],
    )  # fmt: skip
    login = forms.ChoiceField(
        label=_("Login"),
        required=False,
        choices=[("", _("Any")), ("without", _("Without login")), *LoginStatus.choices],
    )
    q = forms.CharField(label=_("Surname or login name"), required=False, max_length=100)
