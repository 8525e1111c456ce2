"""A guardian's email addresses and phone numbers, each with where it came from and whether it was verified."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField

from gradebook.models import Guardian


class Provenance(models.TextChoices):
    WRITTEN = "written", _("written application")
    ELECTRONIC = "electronic", _("electronic document with an electronic signature")
    SELF = "self", _("entered by the parent")


class ContactQuerySet(models.QuerySet):
    def active(self):
        return self.filter(removed_at__isnull=True, anonymised_at__isnull=True)

    def verified(self):
        return self.active().filter(verified_at__isnull=False)

    def deliverable(self):
        """Verified and not bouncing: where notifications may send."""
        return self.verified().filter(bouncing_at__isnull=True)


class ContactPoint(models.Model):
    class Kind(models.TextChoices):
        EMAIL = "email", _("email")
        PHONE = "phone", _("phone")

    guardian = models.ForeignKey(
        Guardian, on_delete=models.PROTECT, related_name="contacts", verbose_name=_("guardian")
    )
    kind = models.CharField(_("kind"), max_length=5, choices=Kind.choices)
    email = models.EmailField(_("email"), blank=True)
    phone = PhoneNumberField(_("phone"), blank=True)
    provenance = models.CharField(_("provenance"), max_length=10, choices=Provenance.choices)
    document_number = models.CharField(_("application number"), max_length=50, blank=True)
    document_date = models.DateField(_("application date"), null=True, blank=True)
    signature_reference = models.CharField(_("signature reference"), max_length=255, blank=True)
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("added by"),
    )
    removed_at = models.DateTimeField(_("removed at"), null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("removed by"),
    )
    anonymised_at = models.DateTimeField(_("anonymised at"), null=True, blank=True)
    bouncing_at = models.DateTimeField(
        _("bouncing since"),
        null=True,
        blank=True,
        help_text=_("The mail server refused an email to this address; verifying it again clears the flag."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ContactQuerySet.as_manager()

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["kind", "created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(anonymised_at__isnull=False)
                | (Q(kind="email") & ~Q(email="") & Q(phone=""))
                | (Q(kind="phone") & ~Q(phone="") & Q(email="")),
                name="contact_value_matches_kind",
                violation_error_message=_("An email contact holds an address; a phone contact holds a number."),
            ),
            models.CheckConstraint(
                condition=~Q(provenance="written") | (~Q(document_number="") & Q(document_date__isnull=False)),
                name="contact_written_has_number_and_date",
                violation_error_message=_("A written application needs its number and date."),
            ),
            models.CheckConstraint(
                condition=~Q(provenance="electronic") | ~Q(signature_reference=""),
                name="contact_electronic_has_signature",
                violation_error_message=_("An electronic document needs its signature reference."),
            ),
        ]

    def __str__(self) -> str:
        return self.value or str(_("(anonymised)"))

    @property
    def value(self) -> str:
        return self.email if self.kind == self.Kind.EMAIL else (str(self.phone) if self.phone else "")

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None

    @property
    def awaits_verification(self) -> bool:
        """Never verified, or bouncing since: its owner confirms it (again) before anything is sent there."""
        return self.verified_at is None or self.bouncing_at is not None


class ContactEvent(models.Model):
    """The history of a contact: added, verified, removed, anonymised; who and when."""

    class Action(models.TextChoices):
        ADDED = "added", _("added")
        VERIFIED = "verified", _("verified")
        REMOVED = "removed", _("removed")
        ANONYMISED = "anonymised", _("anonymised")

    contact = models.ForeignKey(ContactPoint, on_delete=models.PROTECT, related_name="events")
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    value = models.CharField(_("value"), max_length=255, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    created_at = models.DateTimeField(_("at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("contact event")
        verbose_name_plural = _("contact history")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.created_at:%d.%m.%Y %H:%M}"


class ContactVerification(models.Model):
    """A pending verification: an emailed link or a code sent by SMS. Only a keyed hash is kept."""

    contact = models.ForeignKey(ContactPoint, on_delete=models.CASCADE, related_name="verifications")
    secret_hash = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField(_("expires at"))
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("contact verification")
        verbose_name_plural = _("contact verifications")

    def __str__(self) -> str:
        return f"{self.contact_id} ({self.expires_at:%d.%m.%Y %H:%M})"
