"""A school's notification settings in the admin: its administrator edits them, another school's are not
there (404), as everything in the scoped admin."""

import pytest
from django.urls import reverse

from notifications.models import NotificationSettings


@pytest.fixture
def admin_client(world, client):
    world.admin.user.is_staff = True
    world.admin.user.save(update_fields=["is_staff"])
    client.force_login(world.admin.user)
    return client


@pytest.mark.django_db
def test_the_administrator_edits_their_schools_settings_only(world, admin_client):
    own = NotificationSettings.objects.create(school=world.school)
    other = NotificationSettings.objects.create(school=world.other_school)
    changelist = admin_client.get(reverse("admin:notifications_notificationsettings_changelist"))
    assert list(changelist.context["cl"].queryset) == [own]
    change = reverse("admin:notifications_notificationsettings_change", args=[own.pk])
    data = {
        "school": world.school.pk,
        "absence_grace_minutes": 20,
        "quiet_from": "22:00",
        "quiet_until": "07:30",
        "daily_digest_at": "18:00",
        "weekly_digest_weekday": 5,
    }
    assert admin_client.post(change, data).status_code == 302
    own.refresh_from_db()
    assert (own.absence_grace_minutes, own.quiet_from.hour) == (20, 22)
    other_change = reverse("admin:notifications_notificationsettings_change", args=[other.pk])
    assert admin_client.get(other_change).status_code in (302, 404)  # "doesn't exist" for another school's row
    data["school"] = world.other_school.pk
    assert admin_client.post(change, data).status_code == 200  # another school is not a choice
    own.refresh_from_db()
    assert own.school == world.school
