"""The registry: each decision of a legal representative (or a student of 14+) about electronic delivery.

Append-only. A record is never edited or deleted (PostgreSQL triggers refuse UPDATE and DELETE;
on SQLite the model layer refuses them); a correction is a new record that supersedes, and a
withdrawal is a new record too. The latest record of a person for a child is their decision.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gradebook.models import Guardian, School, Student
from gradebook.models.base import AppendOnlyModel, AppendOnlyQuerySet

from .documents import ConsentDocument


class Decision(models.TextChoices):
    CONSENT = "consent", _("consent")
    REFUSAL = "refusal", _("refusal")
    UNABLE = "unable", _("declared unable to use electronic access")
    WITHDRAWAL = "withdrawal", _("withdrawal of consent")


class Form(models.TextChoices):
    PAPER = "paper", _("paper application")
    ELECTRONIC = "electronic", _("electronic document with an electronic signature")


def scan_path(record, filename: str) -> str:
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"consent/{record.school.public_id}/{record.student.public_id}/{record.public_id}.{extension}"


class ConsentRecordQuerySet(AppendOnlyQuerySet):
    def latest_first(self):
        return self.order_by("-created_at", "-pk")


class ConsentRecord(AppendOnlyModel):
    public_id = models.UUIDField(_("public id"), default=uuid.uuid4, unique=True, editable=False)
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+", verbose_name=_("school"))
    student = models.ForeignKey(
        Student, on_delete=models.PROTECT, related_name="consent_records", verbose_name=_("student")
    )
    guardian = models.ForeignKey(
        Guardian,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="consent_records",
        verbose_name=_("legal representative"),
        help_text=_("Empty when the student (aged 14 or more) decides for their own cabinet."),
    )
    decision = models.CharField(_("decision"), max_length=12, choices=Decision.choices)
    document = models.ForeignKey(
        ConsentDocument, on_delete=models.PROTECT, related_name="records", verbose_name=_("document version")
    )
    form = models.CharField(_("form"), max_length=12, choices=Form.choices)
    paper_number = models.CharField(_("application number"), max_length=50, blank=True)
    paper_date = models.DateField(_("application date"), null=True, blank=True)
    signature_reference = models.CharField(
        _("signature reference"), max_length=255, blank=True, help_text=_("The electronic signature's identifier.")
    )
    scan = models.FileField(_("scanned document"), upload_to=scan_path, blank=True, max_length=255)
    signed_on = models.DateField(_("signed on"))
    note = models.CharField(_("note"), max_length=255, blank=True)
    supersedes = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="superseded_by",
        verbose_name=_("corrects"),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
        help_text=_("Empty for a record that arrived from the external portal."),
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True, db_index=True)

    objects = ConsentRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("consent record")
        verbose_name_plural = _("consent records")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["student", "guardian", "-created_at"], name="consent_pair_latest")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(form="paper") | (~Q(paper_number="") & Q(paper_date__isnull=False)),
                name="consentrecord_paper_has_number_and_date",
                violation_error_message=_("A paper application needs its number and date."),
            ),
            models.CheckConstraint(
                condition=~Q(form="electronic") | ~Q(signature_reference=""),
                name="consentrecord_electronic_has_signature",
                violation_error_message=_("An electronic document needs its signature reference."),
            ),
            models.CheckConstraint(condition=Q(decision__in=Decision.values), name="consentrecord_decision_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.get_decision_display()} — {self.student} ({self.signed_on:%d.%m.%Y})"

    @property
    def is_consent(self) -> bool:
        return self.decision == Decision.CONSENT
