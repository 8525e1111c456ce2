"""Finals: a journal's finals page (the teacher sets a column of finals, the engine's proposal pre-filled,
and publishes them) and the administrator's report on how fast finals reach families."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import access
from ..forms.finals import FinalsForm, PublicationFilterForm
from ..models import ClassUnit
from ..selectors import finals as selectors
from ..services import finals as services
from .journal import JOURNAL_ROLES


def _finals_url(owner, subject, column_key: str) -> str:
    url = reverse(
        "gradebook:journal-finals", kwargs={"owner_public_id": owner.public_id, "subject_public_id": subject.public_id}
    )
    return f"{url}?column={column_key}"


def _column_of(owner) -> dict:
    return {"class_unit": owner, "study_group": None} if isinstance(owner, ClassUnit) else {"study_group": owner}


def _record(request, form, sheet, owner, subject) -> bool:
    """Record the form's column all or nothing; the refused rows' messages go to their fields."""
    column = sheet.column
    try:
        finals = services.finals_record(
            by=request.user,
            entries=form.cleaned_data["entries"],
            subject=subject,
            kind=column.kind,
            publish=form.cleaned_data["publish"],
            school_year=owner.school_year,
            period=column.period,
            exam=column.exam,
            scale=form.cleaned_data["scale"],
            **_column_of(owner),
        )
    except ValidationError as failure:
        for public_id, refusals in failure.message_dict.items():
            form.add_error(f"final-{public_id}", refusals)
        return False
    if form.cleaned_data["publish"]:
        messages.success(
            request, _("Saved and published: families see %(count)s results now.") % {"count": len(finals)}
        )
    else:
        messages.success(
            request,
            _("Saved %(count)s results. Families see them once you publish them, at the latest 24 hours after.")
            % {"count": len(finals)},
        )
    return True


@access.require_role(*JOURNAL_ROLES)
def journal_finals(request, owner_public_id, subject_public_id):
    """One column of a journal's finals: read by whoever reads the journal, set by its teacher or an
    administrator. A POST saves every row or none (``action=publish`` confirms the recorded ones)."""
    owner, subject = access.get_visible_journal(request.user, owner_public_id, subject_public_id)
    can_edit = access.can_set_finals(request.user, subject=subject, **_column_of(owner))
    now = timezone.now()
    sheet = selectors.finals_sheet(
        owner=owner,
        subject=subject,
        column_key=request.GET.get("column"),
        today=timezone.localdate(),
        now=now,
        deferrers=access.deferrals_managed_by(request.user),
    )
    url = _finals_url(owner, subject, sheet.column.key)
    form = FinalsForm(sheet=sheet, initial={"scale": sheet.scale}) if can_edit else None
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        if request.POST.get("action") == "publish":
            waiting = selectors.column_finals(owner, subject, sheet.column, [row.student for row in sheet.rows])
            count = services.finals_publish(finals=waiting.awaiting_publication(now), by=request.user)
            messages.success(request, _("Published %(count)s results: families see them now.") % {"count": count})
            return redirect(url)
        form = FinalsForm(request.POST, sheet=sheet)
        if form.is_valid() and _record(request, form, sheet, owner, subject):
            return redirect(url)
        for row in sheet.rows:
            row.typed = form.data.get(row.field_name, "")
            row.errors = form.errors.get(row.field_name, [])
    journal_url = reverse(
        "gradebook:journal", kwargs={"owner_public_id": owner.public_id, "subject_public_id": subject.public_id}
    )
    context = {"sheet": sheet, "form": form, "can_edit": can_edit, "journal_url": journal_url, "action_url": url}
    return render(request, "gradebook/finals_sheet.html", context)


@access.require_role(access.ADMINISTRATOR)
def finals_publication(request):
    """How fast finals reached families (a chart and its numbers), what still awaits publication, and
    what passed 24 hours without the sweep stamping it, for the schools the user administers."""
    today, now = timezone.localdate(), timezone.now()
    form = PublicationFilterForm(
        request.GET or None,
        periods=selectors.report_periods(access.periods_managed_by(request.user), today),
        show_school=access.schools_administered_by(request.user).count() > 1,
    )
    period = form.cleaned_data["period"] if form.is_valid() else None
    finals = selectors.finals_of_period(access.finals_administered_by(request.user), period, today)
    report = selectors.publication_report(finals, now)
    return render(request, "gradebook/publication_report.html", {"form": form, "period": period, "report": report})
