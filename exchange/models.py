"""What exchange keeps: the external systems' API clients (scoped to one school, read or write), the log of
their calls, tombstones of deleted records for incremental sync, and the outbox of signed webhooks."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ediary.outbox import OutboxItem
from gradebook.models import School


class ApiClient(models.Model):
    """An external system (the city portal) with a key issued by a school administrator."""

    class Scope(models.TextChoices):
        READ = "read", _("read")
        WRITE = "write", _("read and write")

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="api_clients", verbose_name=_("school"))
    name = models.CharField(_("name"), max_length=200)
    scope = models.CharField(_("scope"), max_length=5, choices=Scope.choices, default=Scope.READ)
    key_prefix = models.CharField(_("key prefix"), max_length=12, unique=True)
    key_hash = models.CharField(_("key hash"), max_length=128)
    is_active = models.BooleanField(_("active"), default=True)
    webhook_url = models.URLField(_("webhook address"), blank=True)
    webhook_secret = models.CharField(_("webhook secret"), max_length=128, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API client")
        verbose_name_plural = _("API clients")
        ordering = ["school", "name"]
        constraints = [models.UniqueConstraint(fields=["school", "name"], name="apiclient_unique_name")]

    def __str__(self) -> str:
        return self.name


class ApiCall(models.Model):
    """One call of the API: which client, which endpoint, when, the answer and how many rows it returned."""

    client = models.ForeignKey(ApiClient, on_delete=models.PROTECT, related_name="calls", verbose_name=_("client"))
    method = models.CharField(_("method"), max_length=7)
    endpoint = models.CharField(_("endpoint"), max_length=200)
    status = models.PositiveSmallIntegerField(_("status"))
    rows = models.PositiveIntegerField(_("rows"), default=0)
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("API call")
        verbose_name_plural = _("API calls")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["client", "-at"], name="apicall_client_at")]

    def __str__(self) -> str:
        return f"{self.method} {self.endpoint} {self.status}"


class Deletion(models.Model):
    """A record that was deleted (a tombstone), so that incremental sync (``updated_since``) reports it.

    ``key`` names the record as the API does: ``{"id": public id}``, or for a mark ``{"lesson_id", "student_id",
    "position"}`` and for attendance ``{"lesson_id", "student_id"}`` (those hot rows carry no UUID of their own).
    """

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+", db_index=False)
    resource = models.CharField(_("resource"), max_length=40)
    key = models.JSONField(_("key"))
    deleted_at = models.DateTimeField(_("deleted at"), auto_now_add=True)

    class Meta:
        verbose_name = _("deletion")
        verbose_name_plural = _("deletions")
        indexes = [models.Index(fields=["school", "resource", "deleted_at"], name="deletion_sync")]

    def __str__(self) -> str:
        return f"{self.resource} {self.key}"


class Webhook(OutboxItem):
    """A signed event notification to a client (final published, consent changed, lesson changed)."""

    client = models.ForeignKey(ApiClient, on_delete=models.PROTECT, related_name="webhooks", verbose_name=_("client"))
    event = models.CharField(_("event"), max_length=40)
    payload = models.JSONField(_("payload"))

    class Meta:
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.event} → {self.client}"


class ImportRun(models.Model):
    """One roster import an administrator ran, kept whatever came of it: who, when, which file, the outcome."""

    class Format(models.TextChoices):
        ONEROSTER = "oneroster", _("OneRoster 1.2 CSV")
        SIMPLE = "simple", _("simple template")

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+", db_index=False)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("imported by")
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)
    file_name = models.CharField(_("file"), max_length=255)
    format = models.CharField(_("format"), max_length=9, choices=Format.choices)
    dry_run = models.BooleanField(_("check only"), default=False)
    problems = models.PositiveIntegerField(_("problems"), default=0)
    created = models.JSONField(_("created"), default=dict, help_text=_("Records created, by kind."))
    updated = models.JSONField(_("updated"), default=dict, help_text=_("Records updated, by kind."))

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["school", "-at"], name="importrun_school_at")]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.at:%Y-%m-%d %H:%M})"

    @property
    def records_created(self) -> int:
        return sum(self.created.values())

    @property
    def records_updated(self) -> int:
        return sum(self.updated.values())
