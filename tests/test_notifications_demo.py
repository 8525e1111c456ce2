"""The demo school's cabinet alerts: the demo logins' families find their children's latest marks and
finals, the newest unread; families without consent find nothing; nothing is emailed while seeding."""

import pytest
from django.core.management import call_command
from django.utils import timezone

from gradebook.models import Guardian, Guardianship
from notifications.models import Message, Notification, ReadConfirmation


@pytest.mark.django_db
def test_the_demo_parents_find_alerts_in_their_cabinet(settings):
    settings.LANGUAGE_CODE = "ru"
    call_command("seed_demo", verbosity=0)
    parent = Guardian.objects.get(user__email="parent@school.test")
    alerts = Notification.objects.filter(guardian=parent)
    assert alerts.filter(kind="mark").exists()
    children = Guardianship.objects.with_access(timezone.localdate()).filter(guardian=parent).count()
    assert children == 2
    assert alerts.filter(read_at__isnull=True).count() == 4 * children
    assert "новая отметка" in alerts.filter(kind="mark").first().title
    assert not Notification.objects.filter(guardian__user__isnull=True).exists()
    assert not Message.objects.exists()
    # Three families in four confirmed reading the last weeks (from the weekly email); the rest are silent.
    confirmed = set(ReadConfirmation.objects.values_list("guardian_id", flat=True))
    with_access = set(Guardianship.objects.with_access(timezone.localdate()).values_list("guardian_id", flat=True))
    assert confirmed < with_access and len(confirmed) > len(with_access) / 2
    assert not ReadConfirmation.objects.filter(confirmed_at__gt=timezone.now()).exists()
