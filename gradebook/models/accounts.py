"""Invitations: the school creates an account and hands its owner a link or a paper code."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .base import TimeStampedModel
from .school import School


class ActivationQuerySet(models.QuerySet):
    def usable(self):
        return self.filter(used_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now())


class Activation(TimeStampedModel):
    """One way in for a new account: an emailed link or a code printed on paper.

    Only a hash of the secret is stored; the secret itself is shown or sent once.
    """

    class Channel(models.TextChoices):
        EMAIL = "email", _("invitation by email")
        PAPER = "paper", _("activation code on paper")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="activations", verbose_name=_("user")
    )
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+", verbose_name=_("school"))
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    secret_hash = models.CharField(_("secret hash"), max_length=64, unique=True)
    expires_at = models.DateTimeField(_("expires at"))
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )

    objects = ActivationQuerySet.as_manager()

    class Meta:
        verbose_name = _("activation")
        verbose_name_plural = _("activations")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("created_at")), name="activation_expires_after_creation"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_channel_display()})"
