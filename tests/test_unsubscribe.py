"""The one-click unsubscribe link of every email: a signed token, no login; a GET only asks, a POST
(the page's button, or a mail client's RFC 8058 one-click POST without a CSRF token) switches email off
for that guardian and child; a bad or expired token changes nothing."""

import datetime

import pytest
import time_machine
from django.core import signing
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from consent.delivery import EMAIL, delivery_for
from consent.models import ContactPoint, DeliveryPreference
from consent.services.preferences import preference_set
from notifications.services import unsubscribe as service

from . import factories as f

pytestmark = pytest.mark.usefixtures("english")  # the English source texts (tests/conftest.py)


@pytest.fixture
def anonymous():
    """A mail client or a browser without a session, with CSRF checks on as in production."""
    return Client(enforce_csrf_checks=True)


def url_for(token: str) -> str:
    return reverse("notifications:unsubscribe", kwargs={"token": token})


def with_email(world):
    """The parent reads email: a confirmed address and an explicit choice of email, SMS and weekly digest."""
    ContactPoint.objects.create(
        guardian=world.parent, kind="email", email="mama@example.ru", provenance="self", verified_at=timezone.now()
    )
    preference_set(
        guardian=world.parent, student=world.student, cabinet=True, email=True, sms=True, rhythm="weekly", by=None
    )
    assert EMAIL in delivery_for(world.parent, world.student)


def choice(world):
    return (
        DeliveryPreference.objects.filter(guardian=world.parent, student=world.student)
        .values_list("cabinet", "email", "sms", "rhythm")
        .first()
    )


def test_the_url_is_absolute_and_its_token_names_the_pair(settings, world):
    settings.EDIARY_SITE_URL = "https://diary.example.ru/"
    url = service.unsubscribe_url(world.parent, world.student)
    assert url.startswith("https://diary.example.ru/notifications/unsubscribe/")
    token = url.rstrip("/").rsplit("/", 1)[1]
    wanted = service.unsubscribe_request(token)
    assert (wanted.guardian, wanted.student, wanted.channel) == (world.parent, world.student, "email")
    assert signing.loads(token, salt=service.SALT) == {"g": world.parent.pk, "s": world.student.pk, "c": "email"}


def test_a_get_asks_and_changes_nothing(anonymous, world):
    with_email(world)
    response = anonymous.get(url_for(service.unsubscribe_token(world.parent, world.student)))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Unsubscribe" in html and 'method="post"' in html
    assert world.student.name in html and world.school.short_name in html
    assert "mama@example.ru" not in html and world.student.surname not in html
    assert choice(world) == (True, True, True, "weekly")


def test_the_button_switches_email_off_for_that_child_only(anonymous, world):
    with_email(world)
    second = f.StudentFactory(school=world.school)
    f.GuardianshipFactory(guardian=world.parent, student=second)
    response = anonymous.post(url_for(service.unsubscribe_token(world.parent, world.student)))
    assert response.status_code == 200
    assert "will no longer email you" in response.content.decode()
    assert choice(world) == (True, False, True, "weekly")
    assert EMAIL not in delivery_for(world.parent, world.student)
    assert not DeliveryPreference.objects.filter(student=second).exists()


def test_rfc_8058_one_click_post_works_without_a_session_or_csrf_token(anonymous, world):
    with_email(world)
    response = anonymous.post(
        url_for(service.unsubscribe_token(world.parent, world.student)),
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    assert choice(world)[1] is False


def test_a_pair_without_a_saved_choice_gets_the_defaults_with_email_off(anonymous, world):
    anonymous.post(url_for(service.unsubscribe_token(world.parent, world.student)))
    assert choice(world) == (True, False, False, "daily")


def test_unsubscribing_twice_is_harmless_and_the_page_says_it_is_off(anonymous, world):
    url = url_for(service.unsubscribe_token(world.parent, world.student))
    anonymous.post(url)
    assert anonymous.post(url).status_code == 200
    assert "already off" in anonymous.get(url).content.decode()
    assert DeliveryPreference.objects.filter(guardian=world.parent, student=world.student).count() == 1


def test_a_signed_in_parent_is_recorded_as_the_one_who_changed_it(client, world):
    client.force_login(world.parent.user)
    client.post(url_for(service.unsubscribe_token(world.parent, world.student)))
    assert DeliveryPreference.objects.get(guardian=world.parent, student=world.student).updated_by == world.parent.user


def _tampered(world):
    token = service.unsubscribe_token(world.parent, world.student)
    return token[:-2] + ("AA" if not token.endswith("AA") else "BB")


def _another_pair(world):
    """A well-signed token with the other family's child: the signature covers the ids."""
    token = service.unsubscribe_token(world.parent, world.student)
    value = signing.loads(token, salt=service.SALT)
    payload = token.split(":")[0]
    forged = signing.dumps({**value, "s": world.other_student.pk}, salt=service.SALT).split(":")[0]
    return token.replace(payload, forged, 1)


BAD_TOKENS = {
    "garbage": lambda w: "not-a-token",
    "tampered": _tampered,
    "forged ids": _another_pair,
    "another salt": lambda w: signing.dumps({"g": w.parent.pk, "s": w.student.pk, "c": "email"}, salt="other"),
    "sms channel": lambda w: signing.dumps({"g": w.parent.pk, "s": w.student.pk, "c": "sms"}, salt=service.SALT),
    "not a guardian of the child": lambda w: signing.dumps(
        {"g": w.parent.pk, "s": w.other_student.pk, "c": "email"}, salt=service.SALT
    ),
    "nobody": lambda w: signing.dumps({"g": 0, "s": w.student.pk, "c": "email"}, salt=service.SALT),
}


@pytest.mark.parametrize("kind", BAD_TOKENS)
@pytest.mark.parametrize("method", ["get", "post"])
def test_a_bad_token_says_so_and_changes_nothing(anonymous, world, kind, method):
    with_email(world)
    before = list(DeliveryPreference.objects.order_by("pk").values_list("guardian", "student", "email"))
    response = getattr(anonymous, method)(url_for(BAD_TOKENS[kind](world)))
    assert response.status_code == 400
    assert "not valid" in response.content.decode()
    assert list(DeliveryPreference.objects.order_by("pk").values_list("guardian", "student", "email")) == before


def test_an_expired_token_changes_nothing(anonymous, world):
    with_email(world)
    token = service.unsubscribe_token(world.parent, world.student)
    with time_machine.travel(timezone.now() + service.MAX_AGE + datetime.timedelta(days=1)):
        response = anonymous.post(url_for(token))
    assert response.status_code == 400
    assert choice(world)[1] is True
    with time_machine.travel(timezone.now() + service.MAX_AGE - datetime.timedelta(days=1)):
        assert anonymous.post(url_for(token)).status_code == 200
    assert choice(world)[1] is False


def test_the_pages_read_in_a_few_queries(anonymous, world, django_assert_max_num_queries):
    url = url_for(service.unsubscribe_token(world.parent, world.student))
    with django_assert_max_num_queries(4):
        anonymous.get(url)
    with django_assert_max_num_queries(9):
        anonymous.post(url)
