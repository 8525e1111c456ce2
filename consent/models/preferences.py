"""How a guardian wants to be told about a child: channels and rhythm, or paper on a written application."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gradebook.models import Guardian, Student


class Rhythm(models.TextChoices):
    IMMEDIATE = "immediate", _("alerts as they happen")
    DAILY = "daily", _("daily digest")
    WEEKLY = "weekly", _("weekly digest")


class DeliveryPreference(models.Model):
    guardian = models.ForeignKey(
        Guardian, on_delete=models.PROTECT, related_name="delivery_preferences", verbose_name=_("guardian")
    )
    student = models.ForeignKey(
        Student, on_delete=models.PROTECT, related_name="delivery_preferences", verbose_name=_("student")
    )
    cabinet = models.BooleanField(_("in the cabinet"), default=True)
    email = models.BooleanField(_("by email"), default=True)
    sms = models.BooleanField(_("by SMS"), default=False)
    rhythm = models.CharField(_("rhythm"), max_length=10, choices=Rhythm.choices, default=Rhythm.DAILY)
    paper = models.BooleanField(
        _("on paper"), default=False, help_text=_("A weekly paper extract, asked for in a written application.")
    )
    paper_application_number = models.CharField(_("application number"), max_length=50, blank=True)
    paper_application_date = models.DateField(_("application date"), null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("delivery preference")
        verbose_name_plural = _("delivery preferences")
        constraints = [
            models.UniqueConstraint(fields=["guardian", "student"], name="deliverypreference_unique_pair"),
            models.CheckConstraint(
                condition=Q(paper=False) | (~Q(paper_application_number="") & Q(paper_application_date__isnull=False)),
                name="deliverypreference_paper_has_application",
                violation_error_message=_(
                    "Paper delivery is recorded from a written application: its number and date."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.guardian} → {self.student}"
