"""Forms of the staff's consent pages.

The registry is append-only, so there is no ModelForm: ``ConsentRecordForm`` parses the input and
the view hands it to ``services.records.consent_record``, whose checks come back as errors of the
fields with the same names (``form.add_error(None, error)``).
"""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import ConsentRecord, Decision, Form
from .validators import validate_scan

SELF = "self"
DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
SCAN_TYPES = ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"


class FamilySearchForm(forms.Form):
    q = forms.CharField(
        label=_("Surname, name or class"),
        required=False,
        max_length=100,
        help_text=_("For example: Иванова, or Иванова 5А, or 5А."),
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )


class ConsentRecordForm(forms.Form):
    """One decision of one person for one child: who, what, on which document, signed when."""

    guardian = forms.ChoiceField(label=_("Who decides"), widget=forms.RadioSelect)
    decision = forms.ChoiceField(label=_("Decision"), choices=Decision.choices, widget=forms.RadioSelect)
    form = forms.ChoiceField(
        label=_("The signed document"), choices=Form.choices, widget=forms.RadioSelect, initial=Form.PAPER
    )
    paper_number = forms.CharField(
        label=_("Application number"),
        required=False,
        max_length=50,
        help_text=_("For a paper application: its number in the school's register."),
    )
    paper_date = forms.DateField(
        label=_("Application date"), required=False, widget=DATE_WIDGET, help_text=_("For a paper application.")
    )
    signature_reference = forms.CharField(
        label=_("Signature reference"),
        required=False,
        max_length=255,
        help_text=_("For an electronic document: the identifier of its electronic signature."),
    )
    signed_on = forms.DateField(label=_("Signed on"), widget=DATE_WIDGET)
    scan = forms.FileField(
        label=_("Scan of the signed document"),
        required=False,
        help_text=_("PDF, JPEG or PNG."),
        widget=forms.FileInput(attrs={"accept": SCAN_TYPES}),
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=255)
    supersedes = forms.ChoiceField(
        label=_("Corrects an earlier record"),
        required=False,
        help_text=_("Only to correct a mistake in an earlier record of the same person."),
    )

    def __init__(self, *args, people, records, **kwargs):
        """``people``: who may decide, as {value: (label, guardian)}: the guardians by public id, and
        ``SELF`` (guardian None) for a student of 14 or more; ``records``: the student's earlier
        records, for a correction."""
        super().__init__(*args, **kwargs)
        self._people = people
        self.fields["guardian"].choices = [(value, label) for value, (label, _person) in people.items()]
        self._records = {str(record.public_id): record for record in records}
        self.fields["supersedes"].choices = [("", _("— not a correction —"))] + [
            (key, _record_label(record)) for key, record in self._records.items()
        ]
        self.fields["signed_on"].initial = timezone.localdate
        self.fields["paper_date"].initial = timezone.localdate

    def clean_guardian(self):
        """The Guardian, or None when the student decides for themselves."""
        return self._people[self.cleaned_data["guardian"]][1]

    def clean_scan(self):
        scan = self.cleaned_data.get("scan")
        if scan:
            validate_scan(scan)
        return scan

    def clean_supersedes(self):
        key = self.cleaned_data.get("supersedes")
        return self._records.get(key) if key else None


def _record_label(record: ConsentRecord) -> str:
    who = record.guardian.short_name if record.guardian else _("the student themselves")
    return f"{record.signed_on:%d.%m.%Y} · {who} · {record.get_decision_display()}"
