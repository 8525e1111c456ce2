"""The consent text a school asks families to sign, in numbered versions."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gradebook.models import School


class ConsentDocumentQuerySet(models.QuerySet):
    def current_for(self, school, on=None):
        """The version in force for a school on a day: the newest one already in effect."""
        on = on or timezone.localdate()
        return self.filter(school=school, effective_from__lte=on).order_by("-version").first()


class ConsentDocument(models.Model):
    """A version of the consent to processing personal data for electronic delivery (152-ФЗ).

    A separate document: since 1 September 2025 consent may not be bundled with other texts.
    """

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+", verbose_name=_("school"))
    version = models.PositiveSmallIntegerField(_("version"))
    effective_from = models.DateField(_("in effect from"))
    operator = models.TextField(_("operator"), help_text=_("The school: name, address, INN/OGRN."))
    purpose = models.TextField(_("purpose of processing"))
    data_list = models.TextField(_("personal data processed"))
    third_parties = models.TextField(
        _("third parties"), help_text=_("Who else processes the data: the SMS gateway, the e-mail service, the portal.")
    )
    actions = models.TextField(_("actions and methods"))
    term = models.TextField(_("term"))
    withdrawal = models.TextField(_("how to withdraw"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ConsentDocumentQuerySet.as_manager()

    class Meta:
        verbose_name = _("consent document")
        verbose_name_plural = _("consent documents")
        ordering = ["school", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["school", "version"], name="consentdocument_unique_version"),
            models.CheckConstraint(condition=Q(version__gte=1), name="consentdocument_version_positive"),
        ]

    def __str__(self) -> str:
        return _("Consent, version %(version)s") % {"version": self.version}
