"""The log of who opened which student's personal data (152-ФЗ): one narrow row per opening.

Append-only, like the consent registry: PostgreSQL triggers refuse UPDATE and DELETE (migration
0003); on any database the model layer refuses to save an existing row, to delete one, and the
queryset's ``update``/``delete``. Rows hold ids only: no names, no addresses.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .base import AppendOnlyModel
from .people import Student
from .school import School


class PersonalDataAccess(AppendOnlyModel):
    """A viewer (staff, administrator, teacher) opened a page with a student's personal data."""

    # The composite indexes below lead with these columns: no separate foreign-key indexes.
    viewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        verbose_name=_("viewer"),
    )
    student = models.ForeignKey(
        Student, on_delete=models.PROTECT, related_name="+", db_index=False, verbose_name=_("student")
    )
    school = models.ForeignKey(
        School,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        verbose_name=_("school"),
        help_text=_("The student's school, copied so that the log can be partitioned by school."),
    )
    what = models.CharField(
        _("what was opened"), max_length=64, help_text=_("The page's URL name, e.g. gradebook:student-detail.")
    )
    created_at = models.DateTimeField(_("opened at"), auto_now_add=True)

    class Meta:
        verbose_name = _("personal data access")
        verbose_name_plural = _("personal data access log")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["student", "created_at"], name="pdaccess_student_time"),
            models.Index(fields=["viewer", "created_at"], name="pdaccess_viewer_time"),
            # The administrator's unfiltered view: the latest rows of their school.
            models.Index(fields=["school", "created_at"], name="pdaccess_school_time"),
        ]

    def __str__(self) -> str:
        return f"{self.what} {self.created_at:%d.%m.%Y %H:%M}"
