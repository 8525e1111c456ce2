"""What every gradebook model shares: timestamps, and a public UUID for what the exchange publishes."""

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class PublicModel(TimeStampedModel):
    """A record with a stable public UUID: URLs and the exchange use it instead of the database id."""

    public_id = models.UUIDField(_("public id"), default=uuid.uuid4, unique=True, editable=False)

    class Meta:
        abstract = True


class DateRangeQuerySet(models.QuerySet):
    """Rows with ``starts_on`` and an optional ``ends_on``: which ones hold on a day."""

    def current(self, on):
        return self.filter(starts_on__lte=on).filter(models.Q(ends_on__isnull=True) | models.Q(ends_on__gte=on))


def ends_after_start(name: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=models.Q(ends_on__isnull=True) | models.Q(ends_on__gte=models.F("starts_on")),
        name=name,
        violation_error_message=_("The end date cannot be before the start date."),
    )
