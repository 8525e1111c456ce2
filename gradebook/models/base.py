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


class AppendOnlyError(Exception):
    """Raised when code tries to change or delete a row of an append-only table."""


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError(f"{self.model._meta.verbose_name_plural} are append-only.")

    def delete(self):
        raise AppendOnlyError(f"{self.model._meta.verbose_name_plural} are append-only and never deleted.")


class AppendOnlyModel(models.Model):
    """Rows that are written once and never changed: registries, logs, histories.

    The model layer refuses to save an existing row, to delete one, and the queryset's
    ``update``/``delete``; on PostgreSQL a trigger refuses UPDATE and DELETE whoever asks
    (``gradebook.db.append_only_trigger``, added by each table's migration).
    """

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError(f"{self._meta.verbose_name_plural} are append-only: add a new row instead.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(f"{self._meta.verbose_name_plural} are append-only and never deleted.")
