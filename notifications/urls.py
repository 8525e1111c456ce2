"""The notifications pages: the family's alerts, the staff's delivery log, unsubscribing from email, and
reading confirmations (the family's week, the digest's one-click link, the class teacher's overview)."""

from django.urls import path

from .views import cabinet, reading, staff, unsubscribe

app_name = "notifications"

urlpatterns = [
    path("notifications/", cabinet.notification_list, name="notification-list"),
    path("notifications/<int:pk>/", cabinet.notification_open, name="notification-open"),
    path("notifications/read-all/", cabinet.notification_read_all, name="notification-read-all"),
    path("notifications/school/", staff.school_report, name="school-report"),
    path("notifications/families/<uuid:public_id>/", staff.family_log, name="family-log"),
    path("notifications/unsubscribe/<str:token>/", unsubscribe.unsubscribe, name="unsubscribe"),
    path("notifications/week/<uuid:public_id>/", reading.week_confirm, name="week-confirm"),
    path("notifications/read/<str:token>/", reading.read_confirm_link, name="read-confirm"),
    path("notifications/reading/", reading.reading_classes, name="reading-classes"),
    path("notifications/class/<uuid:public_id>/reading/", reading.class_reading, name="class-reading"),
]
