"""Each school's notification settings in the Django admin (grace period of absence alerts, SMS quiet
hours, digest times), scoped to the schools a user administers. Messages, alerts and digests are read
on the staff's notification pages."""

from django.contrib import admin

from gradebook.admin.base import SchoolScopedAdmin

from .models import NotificationSettings


@admin.register(NotificationSettings)
class NotificationSettingsAdmin(SchoolScopedAdmin):
    school_path = "school"
    list_display = ("school", "absence_grace_minutes", "quiet_from", "quiet_until", "daily_digest_at")
    list_select_related = ("school",)
    autocomplete_fields = ("school",)
