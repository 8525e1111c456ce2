"""What notifications keeps: the cabinet's alerts, the outbox of email and SMS messages, digests,
read confirmations, and each school's settings (grace period, quiet hours)."""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from ediary.outbox import OutboxItem
from gradebook.models import Guardian, School, Student


class Kind(models.TextChoices):
    ABSENCE = "absence", _("absence")
    MARK = "mark", _("new mark")
    HOMEWORK = "homework", _("homework")
    LESSON_CHANGE = "lesson_change", _("lesson change")
    CONTROL_WORK = "control_work", _("control work")
    FINAL = "final", _("final or exam result")
    FORECAST = "forecast", _("forecast at risk")
    RECOMMENDATION = "recommendation", _("recommendation")
    DIGEST = "digest", _("digest")


class NotificationSettings(models.Model):
    """A school's rules for telling families: the grace period of absence alerts and the SMS quiet hours."""

    school = models.OneToOneField(
        School, on_delete=models.PROTECT, related_name="notification_settings", verbose_name=_("school")
    )
    absence_grace_minutes = models.PositiveSmallIntegerField(
        _("grace period of absence alerts, minutes"),
        default=15,
        help_text=_("An absence corrected within this time sends nothing."),
    )
    quiet_from = models.TimeField(_("SMS quiet hours from"), default=datetime.time(21, 0))
    quiet_until = models.TimeField(_("SMS quiet hours until"), default=datetime.time(8, 0))
    daily_digest_at = models.TimeField(_("daily digest at"), default=datetime.time(18, 0))
    weekly_digest_weekday = models.PositiveSmallIntegerField(
        _("weekly digest on"), default=5, help_text=_("1 is Monday, 7 is Sunday.")
    )

    class Meta:
        verbose_name = _("notification settings")
        verbose_name_plural = _("notification settings")
        constraints = [
            models.CheckConstraint(
                condition=Q(weekly_digest_weekday__gte=1, weekly_digest_weekday__lte=7),
                name="notificationsettings_weekday_range",
                violation_error_message=_("A weekday is 1 (Monday) to 7 (Sunday)."),
            ),
            models.CheckConstraint(
                condition=Q(absence_grace_minutes__lte=180),
                name="notificationsettings_grace_at_most_3_hours",
                violation_error_message=_("The grace period is at most 180 minutes."),
            ),
        ]

    def __str__(self) -> str:
        return str(self.school)


class Notification(models.Model):
    """An alert in a guardian's cabinet; also the event that email and SMS messages announce.

    Visible from ``not_before`` (an absence waits out its grace period); a correction within it
    cancels the alert."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+", db_index=False)
    guardian = models.ForeignKey(
        Guardian, on_delete=models.PROTECT, related_name="notifications", verbose_name=_("guardian"), db_index=False
    )
    student = models.ForeignKey(
        Student, on_delete=models.PROTECT, related_name="+", verbose_name=_("student"), db_index=False
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    dedupe_key = models.CharField(_("de-duplication key"), max_length=200, unique=True)
    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(_("text"))
    url = models.CharField(_("link"), max_length=300, blank=True)
    not_before = models.DateTimeField(_("shown from"))
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-not_before", "-pk"]
        indexes = [models.Index(fields=["guardian", "-not_before"], name="notification_guardian")]

    def __str__(self) -> str:
        return self.title


class Digest(models.Model):
    """A daily or weekly digest built for a guardian: one per guardian, rhythm and day."""

    class Rhythm(models.TextChoices):
        DAILY = "daily", _("daily digest")
        WEEKLY = "weekly", _("weekly digest")

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+", db_index=False)
    guardian = models.ForeignKey(Guardian, on_delete=models.PROTECT, related_name="digests", db_index=False)
    rhythm = models.CharField(_("rhythm"), max_length=6, choices=Rhythm.choices)
    covers_from = models.DateField(_("from"))
    covers_until = models.DateField(_("until"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("digest")
        verbose_name_plural = _("digests")
        constraints = [
            models.UniqueConstraint(fields=["guardian", "rhythm", "covers_until"], name="digest_once_per_day"),
            models.CheckConstraint(condition=Q(covers_until__gte=F("covers_from")), name="digest_range_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.get_rhythm_display()} {self.covers_until:%d.%m.%Y}"


class Message(OutboxItem):
    """An email or SMS to a guardian: an alert about a ``student`` (with its cabinet ``notification`` when the
    family reads the cabinet) or a digest (``digest``)."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("email")
        SMS = "sms", _("SMS")

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+", db_index=False)
    guardian = models.ForeignKey(
        Guardian, on_delete=models.PROTECT, related_name="messages", verbose_name=_("guardian"), db_index=False
    )
    student = models.ForeignKey(
        Student,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("student"),
        db_index=False,
        help_text=_("The child an alert is about (empty for a digest, which covers every child)."),
    )
    notification = models.ForeignKey(
        Notification, on_delete=models.PROTECT, null=True, blank=True, related_name="messages"
    )
    digest = models.ForeignKey(Digest, on_delete=models.PROTECT, null=True, blank=True, related_name="messages")
    channel = models.CharField(_("channel"), max_length=5, choices=Channel.choices)
    to = models.CharField(_("to"), max_length=254)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    text = models.TextField(_("text"))
    html = models.TextField(_("HTML"), blank=True)
    segments = models.PositiveSmallIntegerField(_("SMS segments"), default=0)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["guardian", "-created_at"], name="message_guardian"),
            models.Index(fields=["not_before"], name="message_waiting", condition=Q(status__in=["pending", "sending"])),
            models.Index(fields=["school", "status"], name="message_school_status"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(notification__isnull=True) | Q(digest__isnull=True), name="message_alert_or_digest"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} → {self.to}"


class ReadConfirmation(models.Model):
    """A guardian's "I have read this week's diary", once per child and week."""

    guardian = models.ForeignKey(Guardian, on_delete=models.PROTECT, related_name="read_confirmations")
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="+")
    week_start = models.DateField(_("week from"))
    confirmed_at = models.DateTimeField(_("confirmed at"), auto_now_add=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty when confirmed from the weekly email by a parent without a login."),
    )

    class Meta:
        verbose_name = _("read confirmation")
        verbose_name_plural = _("read confirmations")
        indexes = [models.Index(fields=["student", "week_start"], name="readconfirmation_student_week")]
        constraints = [
            models.UniqueConstraint(fields=["guardian", "student", "week_start"], name="readconfirmation_once"),
        ]

    def __str__(self) -> str:
        return f"{self.guardian} · {self.week_start:%d.%m.%Y}"
